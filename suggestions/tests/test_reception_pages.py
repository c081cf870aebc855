"""Reception-day pages for every persona: the station's schedule, the day's desk, a representative's duties."""

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from devtools.testing import factories as f
from stations.models import ReceptionDay, ReceptionRule, Visit
from suggestions.models import Category, Channel, Event, Suggestion

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)  # a Friday morning
TODAY = NOW.date()

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def second_rep(world):
    return f.ResidencyFactory(station=world.station, representative__name="代表丙").representative


@pytest.fixture
def day(world, second_rep):
    day = ReceptionDay.objects.create(
        station=world.station, date=TODAY, start_time=dt.time(9, 0), end_time=dt.time(11, 30)
    )
    day.on_duty.set([world.rep, second_rep])
    return day


@pytest.fixture
def category(db):
    return Category.objects.create(name="物业管理")


def _day_url(day):
    return reverse("reception:day", args=[day.pk])


def _station_url(station):
    return reverse("reception:station", args=[station.code])


def _visit(received_by, summary="", *, name="", phone="", answer=None, rows=(), token=None):
    """The day page's visit form as the browser posts it; ``rows`` are (title, content, category id)."""
    data = {
        "action": "visit",
        "token": token or uuid.uuid4().hex,
        "visitor_name": name,
        "visitor_phone": phone,
        "received_by": [rep.pk for rep in received_by],
        "summary": summary,
        "spot_answer": answer or "",
        "s-TOTAL_FORMS": "3",
        "s-INITIAL_FORMS": "0",
        "s-MIN_NUM_FORMS": "0",
        "s-MAX_NUM_FORMS": "3",
    }
    if answer is not None:
        data["answered_on_spot"] = "on"
    for index in range(3):
        title, content, category_id = rows[index] if index < len(rows) else ("", "", "")
        data.update({f"s-{index}-title": title, f"s-{index}-content": content, f"s-{index}-category": category_id})
    return data


def _totals(body):
    return {
        name: int(re.search(rf'id="total-{name}">(\d+)<', body).group(1))
        for name in ("visits", "answered", "suggestions")
    }


# Who may open what ------------------------------------------------------------------------


PERSONAS = [
    ("staff", 200),
    ("admin", 200),
    ("city_admin", 200),
    ("other_staff", 404),
    ("other_admin", 404),
    ("rep_user", 404),
    ("handler", 404),
]


@pytest.mark.parametrize(("persona", "status"), PERSONAS)
def test_who_may_open_a_stations_reception_days(login, world, persona, status):
    assert login(getattr(world, persona)).get(_station_url(world.station)).status_code == status


@pytest.mark.parametrize(("persona", "status"), PERSONAS)
def test_who_may_open_a_reception_day(login, world, day, persona, status):
    assert login(getattr(world, persona)).get(_day_url(day)).status_code == status


@pytest.mark.parametrize("url", ["station", "day", "duties"])
def test_anonymous_visitor_is_sent_to_login(client, world, day, url):
    target = {"station": _station_url(world.station), "day": _day_url(day), "duties": reverse("reception:my_duties")}
    response = client.get(target[url])
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_unknown_reception_day_is_404(login, world):
    assert login(world.staff).get(reverse("reception:day", args=[999999])).status_code == 404


def test_other_stations_staff_cannot_log_a_visit(login, world, day):
    response = login(world.other_staff).post(_day_url(day), _visit([world.rep], "路灯不亮", answer="已答复"))
    assert response.status_code == 404
    assert not Visit.objects.exists()


# A representative's duties ------------------------------------------------------------------


def test_representative_sees_their_coming_duties_with_station_and_times(login, world, day, second_rep):
    past = ReceptionDay.objects.create(
        station=world.station, date=TODAY - dt.timedelta(days=7), start_time=dt.time(9), end_time=dt.time(11)
    )
    past.on_duty.set([world.rep])
    later = ReceptionDay.objects.create(
        station=world.station, date=dt.date(2026, 12, 20), start_time=dt.time(14, 30), end_time=dt.time(17)
    )
    later.on_duty.set([world.rep])
    not_mine = ReceptionDay.objects.create(
        station=world.station, date=dt.date(2026, 12, 2), start_time=dt.time(9), end_time=dt.time(11)
    )
    not_mine.on_duty.set([second_rep])

    response = login(world.rep_user).get(reverse("reception:my_duties"))
    assert response.status_code == 200
    assert list(response.context["page"]) == [day, later]
    body = response.content.decode()
    assert world.station.name in body and "14:30" in body and "2026-12-20" in body
    assert "2026-12-02" not in body and (TODAY - dt.timedelta(days=7)).isoformat() not in body


@pytest.mark.parametrize("persona", ["staff", "admin", "handler"])
def test_duties_page_is_for_representatives_only(login, world, persona):
    assert login(getattr(world, persona)).get(reverse("reception:my_duties")).status_code == 403


def test_duties_page_query_count_does_not_grow_with_duties(login, world, django_assert_max_num_queries):
    others = [f.ResidencyFactory(station=world.station).representative for _ in range(4)]
    for n in range(15):
        coming = ReceptionDay.objects.create(
            station=world.station, date=TODAY + dt.timedelta(days=n), start_time=dt.time(9), end_time=dt.time(11)
        )
        coming.on_duty.set([world.rep, *others])
    client = login(world.rep_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reception:my_duties"))
    assert len(response.context["page"]) == 15


# Logging visits on the day's page ---------------------------------------------------------------


def test_staff_log_three_visits_one_answered_on_the_spot_two_becoming_suggestions(
    login, world, day, second_rep, category
):
    client = login(world.staff)
    url = _day_url(day)

    answered = client.post(
        url, _visit([world.rep], "咨询医保报销比例", name="李大爷", answer="当场解释了新农合报销政策。")
    )
    assert answered.status_code == 302 and answered["Location"] == url
    client.post(
        url,
        _visit(
            [world.rep, second_rep],
            "小区电梯三天两头坏",
            name="王女士",
            phone="138 1234 1234",
            rows=[("四季城小区电梯经常故障", "电梯经常停运，物业维修不及时。", category.pk)],
        ),
    )
    client.post(url, _visit([second_rep], "路口没有红绿灯", rows=[("建议在路口加装红绿灯", "", "")]))

    visits = list(Visit.objects.order_by("id"))
    assert len(visits) == 3
    assert [v.answered_on_spot for v in visits] == [True, False, False]
    assert visits[0].spot_answer == "当场解释了新农合报销政策。"
    assert set(visits[1].received_by.all()) == {world.rep, second_rep}
    assert all(v.reception_day == day and v.created_by == world.staff for v in visits)

    suggestions = list(Suggestion.objects.order_by("id"))
    assert len(suggestions) == 2
    assert [s.visit for s in suggestions] == visits[1:]
    assert all(s.channel == Channel.RECEPTION and s.station == world.station for s in suggestions)
    assert all(s.stage == "collect" and s.created_by == world.staff for s in suggestions)
    elevator, lights = suggestions
    assert (elevator.title, elevator.category, elevator.submitter_name, elevator.submitter_phone) == (
        "四季城小区电梯经常故障",
        category,
        "王女士",
        "13812341234",
    )
    assert elevator.representative is None  # received by two: the station as a whole follows it up
    assert lights.content == "路口没有红绿灯"  # no details typed: what was raised stands for them
    assert lights.representative == second_rep  # received by one: addressed to them
    assert lights.received_at == NOW
    assert Event.objects.filter(suggestion__in=suggestions, kind=Event.Kind.RECEIVED).count() == 2

    page = client.get(url)
    body = page.content.decode()
    assert _totals(body) == {"visits": 3, "answered": 1, "suggestions": 2}
    assert elevator.tracking_code in body and lights.tracking_code in body
    assert "13812341234" in body  # the station's own staff see the visitor's number whole


def test_one_visit_may_become_several_suggestions(login, world, day, category):
    client = login(world.staff)
    client.post(
        _day_url(day),
        _visit(
            [world.rep],
            "小区门口垃圾无人清运，路灯也坏了",
            rows=[("垃圾无人清运", "", category.pk), ("小区门口路灯损坏", "", ""), ("", "", "")],
        ),
    )
    visit = Visit.objects.get()
    assert sorted(visit.suggestions.values_list("title", flat=True)) == ["垃圾无人清运", "小区门口路灯损坏"]


def test_form_is_empty_and_focused_again_after_saving(login, world, day):
    client = login(world.staff)
    response = client.post(
        _day_url(day), _visit([world.rep], "咨询养老金", name="赵先生", answer="已答复"), follow=True
    )
    body = response.content.decode()
    name_input = re.search(r'<input[^>]*name="visitor_name"[^>]*>', body).group(0)
    assert "autofocus" in name_input and "value=" not in name_input
    assert len(response.context["messages"]) == 1
    # Everyone on duty is ticked again for the next visitor.
    assert re.search(rf'<input[^>]*value="{world.rep.pk}"[^>]*checked', body)


def test_visit_neither_answered_nor_turned_into_a_suggestion_is_refused_and_keeps_what_was_typed(login, world, day):
    response = login(world.staff).post(
        _day_url(day), _visit([world.rep], "反映村道坑洼多年未修", name="张阿姨", phone="13900001111")
    )
    assert response.status_code == 200
    assert not Visit.objects.exists() and not Suggestion.objects.exists()
    assert response.context["suggestion_errors"]
    body = response.content.decode()
    assert "反映村道坑洼多年未修" in body and "张阿姨" in body and "13900001111" in body
    assert "alert-danger" in body


def test_answer_is_required_when_answered_on_the_spot(login, world, day):
    response = login(world.staff).post(_day_url(day), _visit([world.rep], "咨询低保申请条件", answer=""))
    assert "spot_answer" in response.context["visit_form"].errors
    assert "咨询低保申请条件" in response.content.decode()
    assert not Visit.objects.exists()


def test_bad_phone_missing_summary_and_nobody_receiving_are_reported(login, world, day):
    response = login(world.staff).post(_day_url(day), _visit([], "", name="钱先生", phone="12345", answer="已答复"))
    errors = response.context["visit_form"].errors
    assert {"visitor_phone", "summary", "received_by"} <= set(errors)
    assert "钱先生" in response.content.decode()
    assert not Visit.objects.exists()


def test_suggestion_details_without_a_title_are_refused_and_kept(login, world, day, category):
    response = login(world.staff).post(
        _day_url(day), _visit([world.rep], "噪音扰民", rows=[("", "夜间施工噪音很大", category.pk)])
    )
    assert response.context["rows"].forms[0].errors["title"]
    assert "夜间施工噪音很大" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_stranger_cannot_be_named_as_receiving_the_visitor(login, world, day):
    data = _visit([world.rep], "咨询政策", answer="已答复")
    data["received_by"] = [world.other_rep.pk]
    response = login(world.staff).post(_day_url(day), data)
    assert "received_by" in response.context["visit_form"].errors
    assert not Visit.objects.exists()


def test_the_same_form_sent_twice_is_saved_once(login, world, day):
    client = login(world.staff)
    data = _visit([world.rep], "小区停车难", rows=[("小区停车位不足", "", "")])
    client.post(_day_url(day), data)
    second = client.post(_day_url(day), data, follow=True)
    assert second.status_code == 200
    assert Visit.objects.count() == 1 and Suggestion.objects.count() == 1


def test_visits_logged_after_the_day_are_received_on_that_day(login, world, second_rep):
    earlier = ReceptionDay.objects.create(
        station=world.station, date=dt.date(2026, 11, 20), start_time=dt.time(9), end_time=dt.time(11)
    )
    earlier.on_duty.set([world.rep])
    login(world.staff).post(_day_url(earlier), _visit([world.rep], "补录：反映路灯", rows=[("路灯不亮", "", "")]))
    suggestion = Suggestion.objects.get()
    assert suggestion.received_at == dt.datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)


@pytest.mark.parametrize("kind", ["future", "cancelled"])
def test_no_visit_can_be_logged_on_a_future_or_cancelled_day(login, world, kind):
    other = ReceptionDay.objects.create(
        station=world.station,
        date=TODAY + dt.timedelta(days=5) if kind == "future" else TODAY,
        start_time=dt.time(9),
        end_time=dt.time(11),
        is_cancelled=kind == "cancelled",
    )
    other.on_duty.set([world.rep])
    client = login(world.staff)
    assert 'id="visit-form"' not in client.get(_day_url(other)).content.decode()
    response = client.post(_day_url(other), _visit([world.rep], "提前来访", answer="已答复"), follow=True)
    assert response.redirect_chain == [(_day_url(other), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Visit.objects.exists()


def test_committee_admin_sees_visitor_phones_masked(login, world, day):
    login(world.staff).post(_day_url(day), _visit([world.rep], "咨询", phone="13812345678", answer="已答复"))
    body = login(world.admin).get(_day_url(day)).content.decode()
    assert "13812345678" not in body and "138****5678" in body


def test_staff_change_the_roster_on_the_day_page(login, world, day, second_rep):
    client = login(world.staff)
    response = client.post(_day_url(day), {"action": "roster", "representatives": [second_rep.pk]})
    assert response.status_code == 302
    assert list(day.on_duty.all()) == [second_rep]
    refused = client.post(_day_url(day), {"action": "roster", "representatives": [world.other_rep.pk]})
    assert refused.status_code == 200 and "representatives" in refused.context["roster_form"].errors
    assert list(day.on_duty.all()) == [second_rep]


def test_day_page_query_count_does_not_grow_with_visits(login, world, day, category, django_assert_max_num_queries):
    client = login(world.staff)
    for n in range(8):
        client.post(
            _day_url(day),
            _visit(
                [world.rep],
                f"第{n}位来访",
                name=f"来访者{n}",
                rows=[(f"建议{n}甲", "", category.pk), (f"建议{n}乙", "", "")],
            ),
        )
    assert Suggestion.objects.count() == 16
    with django_assert_max_num_queries(14):
        response = client.get(_day_url(day))
    assert _totals(response.content.decode()) == {"visits": 8, "answered": 0, "suggestions": 16}


# The station's schedule page ---------------------------------------------------------------------


def _rule_post(**overrides):
    data = {
        "action": "rule",
        "rule-kind": "weekly",
        "rule-weekday": "2",
        "rule-day_of_month": "",
        "rule-start_time": "09:00",
        "rule-end_time": "11:30",
        "rule-duty_min": "3",
        "rule-duty_max": "5",
        "rule-starts_on": TODAY.isoformat(),
    }
    return {**data, **overrides}


def test_staff_add_a_weekly_rule_and_see_its_days(login, world):
    client = login(world.staff)
    response = client.post(_station_url(world.station), _rule_post())
    assert response.status_code == 302
    rule = ReceptionRule.objects.get()
    assert (rule.station, rule.kind, rule.weekday) == (world.station, "weekly", 2)
    page = client.get(_station_url(world.station))
    assert [d.date for d in page.context["upcoming"]][:2] == [dt.date(2026, 12, 2), dt.date(2026, 12, 9)]
    assert len(page.context["upcoming"]) == 8


def test_monthly_rule_on_the_29th_is_refused_on_the_page_and_what_was_typed_stays(login, world):
    response = login(world.staff).post(
        _station_url(world.station),
        _rule_post(**{"rule-kind": "monthly", "rule-weekday": "", "rule-day_of_month": "29", "rule-end_time": "08:00"}),
    )
    assert response.status_code == 200
    assert {"day_of_month", "end_time"} <= set(response.context["rule_form"].errors)
    assert 'value="29"' in response.content.decode()
    assert not ReceptionRule.objects.exists() and not ReceptionDay.objects.exists()


def test_staff_schedule_a_single_day_and_land_on_its_page(login, world):
    response = login(world.staff).post(
        _station_url(world.station),
        {
            "action": "day",
            "day-date": "2026-12-05",
            "day-start_time": "14:00",
            "day-end_time": "17:00",
            "day-on_duty": [world.rep.pk],
            "day-note": "周六专场",
        },
    )
    day = ReceptionDay.objects.get()
    assert response.status_code == 302 and response["Location"] == _day_url(day)
    assert (day.date, day.note, list(day.on_duty.all())) == (dt.date(2026, 12, 5), "周六专场", [world.rep])


def test_single_day_on_a_date_already_taken_is_refused(login, world, day):
    response = login(world.staff).post(
        _station_url(world.station),
        {"action": "day", "day-date": TODAY.isoformat(), "day-start_time": "14:00", "day-end_time": "17:00"},
    )
    assert "date" in response.context["day_form"].errors
    assert ReceptionDay.objects.count() == 1


def test_staff_stop_a_rule_and_its_coming_days_are_cancelled(login, world):
    client = login(world.staff)
    client.post(_station_url(world.station), _rule_post())
    rule = ReceptionRule.objects.get()
    response = client.post(_station_url(world.station), {"action": "stop_rule", "rule": rule.pk})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active
    assert not ReceptionDay.objects.filter(is_cancelled=False).exists()


def test_other_stations_rule_cannot_be_stopped_from_here(login, world):
    rule = ReceptionRule.objects.create(
        station=world.other_station, weekday=2, start_time=dt.time(9), end_time=dt.time(11), starts_on=TODAY
    )
    assert (
        login(world.staff).post(_station_url(world.station), {"action": "stop_rule", "rule": rule.pk}).status_code
        == 404
    )
    rule.refresh_from_db()
    assert rule.is_active


def test_station_page_shows_totals_and_flags_missed_days(login, world, day, category):
    client = login(world.staff)
    client.post(_day_url(day), _visit([world.rep], "电梯故障", rows=[("电梯故障", "", ""), ("物业费", "", "")]))
    missed = ReceptionDay.objects.create(
        station=world.station,
        date=TODAY - dt.timedelta(days=7),
        start_time=dt.time(9),
        end_time=dt.time(11),
        missed_flagged_at=NOW - dt.timedelta(days=7),
    )
    response = client.get(_station_url(world.station))
    assert response.context["missed_count"] == 1
    today_row = next(d for d in response.context["upcoming"] if d.pk == day.pk)
    assert (today_row.visit_count, today_row.suggestion_count) == (1, 2)
    body = response.content.decode()
    assert 'id="missed-alert"' in body
    past_row = body.split(f'data-day="{missed.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "missed-flag" in past_row


def test_station_reception_page_query_count_does_not_grow_with_days(
    login, world, second_rep, django_assert_max_num_queries
):
    for n in range(-25, 10):
        some_day = ReceptionDay.objects.create(
            station=world.station, date=TODAY + dt.timedelta(days=n), start_time=dt.time(9), end_time=dt.time(11)
        )
        some_day.on_duty.set([world.rep, second_rep])
        if n < 0:
            visit = Visit.objects.create(reception_day=some_day, summary="来访")
            Suggestion.objects.create(
                station=world.station,
                region=world.station.region,
                visit=visit,
                channel=Channel.RECEPTION,
                title="来访建议",
                content="来访建议",
                received_at=NOW,
            )
    ReceptionRule.objects.create(
        station=world.station, weekday=2, start_time=dt.time(9), end_time=dt.time(11), starts_on=TODAY
    )
    client = login(world.staff)
    with django_assert_max_num_queries(20):
        response = client.get(_station_url(world.station))
    assert len(response.context["upcoming"]) == 10
    assert len(response.context["page"]) == 20
    assert all(d.visit_count == 1 and d.suggestion_count == 1 for d in response.context["page"])
