"""履职量化考评: hand-computed scores, caps per quarter, the ranking and the performance page.

Today is Monday 16 November 2026 in Shanghai. The rules in force (``rules`` fixture):

    basis      kind   points  cap/quarter  other
    duty       -      2       -
    triage     -      1       -            within 3 working days
    satisfied  -      3       -
    activity   调研   2       4
    activity   视察   1       -
    proposal   -      5       -
    activity   进企业 10      -            NOT in use: never counts

代表甲 (``world.rep``) did, by hand (``record`` fixture):

    Q1  five 调研 activities (Jan–Mar)                   2+2 = 4 (cap), three records not counted
    Q2  one 调研 activity                                2
        S-sat-q2 closed 满意 on 30 June 23:30 (Shanghai)  3
    Q3  duty 7 July attended                             2
        duty 14 July cancelled, 21 July flagged missed   0
        duty 4 August, someone else on the roster        0
        S-tri-1 received Mon 6 July, assigned Thu 9 July (3rd working day), declined later   1
        S-tri-2 received Mon 6 July, answered directly Fri 10 July (4th working day)        0
        S-tri-3 received Fri 10 July, declined Wed 15 July (3rd working day: a weekend)      1
        S-tri-4 assigned by station staff                                                    0
        S-tri-5 handed to a representative (not a triage step)                               0
        S-sat closed 满意 10 August                        3
        S-basic closed 基本满意 11 August                  0
        S-other closed 满意, assessed by 代表乙            0
        one 视察 activity                                 1
        one 进企业 activity (rule not in use)             0
        one 调研 activity of 代表乙 only                  0
        S-prop marked for a proposal 30 Sept 23:30        5
    Q4  duty 10 November attended                        2
        duty 20 November (future)                        0

    Q1 = 4, Q2 = 5, Q3 = 2+2+3+1+5 = 13, Q4 = 2, year = 24.
"""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import scoring
from activities.models import Activity, ActivityKind, ScoringRule
from core import workdays
from devtools.testing import factories as f
from stations.models import ReceptionDay
from suggestions.models import Event, Outcome, Stage
from suggestions.workflow import Action

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
D = dt.date
Basis = ScoringRule.Basis
RANKING = reverse("activities:ranking")


def at(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def period(key):
    return scoring.parse_period(key, today=NOW.date())


@pytest.fixture(autouse=True)
def frozen():
    workdays.clear_cache()
    with time_machine.travel(NOW, tick=False):
        yield
    workdays.clear_cache()


# Helpers ------------------------------------------------------------------------------------


def duty(station, day, reps, *, cancelled=False, missed=False):
    reception = ReceptionDay.objects.create(
        station=station,
        date=day,
        start_time=dt.time(9),
        end_time=dt.time(11, 30),
        is_cancelled=cancelled,
        missed_flagged_at=at(day.year, day.month, day.day, 18) if missed else None,
    )
    reception.on_duty.set(reps)
    return reception


def event(suggestion, action, actor, when):
    item = Event.objects.create(suggestion=suggestion, kind=Event.Kind.ACTION, action=action, actor=actor)
    Event.objects.filter(pk=item.pk).update(created_at=when)  # created_at is auto_now_add
    return item


def activity(station, kind, day, reps, title):
    item = Activity.objects.create(kind=kind, date=day, station=station, title=title, summary="走访座谈")
    item.representatives.set(reps)
    return item


def suggestion(station, title, **extra):
    extra.setdefault("received_at", at(2026, 7, 1))
    return f.SuggestionFactory(station=station, title=title, **extra)


def closed(station, title, assessor, outcome, when):
    return suggestion(
        station,
        title,
        assessor=assessor,
        outcome=outcome,
        stage=Stage.CLOSED,
        closed_at=when,
        received_at=at(2026, 4, 1),
    )


# Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def kinds(db):
    return {
        "research": ActivityKind.objects.create(name="调研", order=1),
        "inspect": ActivityKind.objects.create(name="视察", order=2),
        "enterprise": ActivityKind.objects.create(name="进企业", order=3),
    }


@pytest.fixture
def rules(kinds):
    return {
        "duty": ScoringRule.objects.create(basis=Basis.DUTY, points=Decimal("2")),
        "triage": ScoringRule.objects.create(basis=Basis.TRIAGE, points=Decimal("1"), within_days=3),
        "satisfied": ScoringRule.objects.create(basis=Basis.SATISFIED, points=Decimal("3")),
        "research": ScoringRule.objects.create(
            basis=Basis.ACTIVITY, activity_kind=kinds["research"], points=Decimal("2"), cap=Decimal("4")
        ),
        "inspect": ScoringRule.objects.create(
            basis=Basis.ACTIVITY, activity_kind=kinds["inspect"], points=Decimal("1")
        ),
        "proposal": ScoringRule.objects.create(basis=Basis.PROPOSAL, points=Decimal("5")),
        "unused": ScoringRule.objects.create(
            basis=Basis.ACTIVITY, activity_kind=kinds["enterprise"], points=Decimal("10"), is_active=False
        ),
    }


@pytest.fixture
def record(world, kinds, rules):
    """Everything in the table of the module docstring; returns the objects tests look at."""
    st, rep, user, other = world.station, world.rep, world.rep_user, world.other_rep
    r = {}
    r["q1"] = [
        activity(st, kinds["research"], D(2026, month, day), [rep], f"一季度调研{n}")
        for n, (month, day) in enumerate([(1, 10), (1, 20), (2, 10), (3, 5), (3, 31)], start=1)
    ]
    r["q2_research"] = activity(st, kinds["research"], D(2026, 5, 20), [rep], "二季度调研")
    r["sat_q2"] = closed(st, "二季度满意件", rep, Outcome.SATISFIED, at(2026, 6, 30, 23, 30))

    r["duty"] = duty(st, D(2026, 7, 7), [rep])
    duty(st, D(2026, 7, 14), [rep], cancelled=True)
    duty(st, D(2026, 7, 21), [rep], missed=True)
    duty(st, D(2026, 8, 4), [other])

    r["tri1"] = suggestion(st, "及时分办甲", received_at=at(2026, 7, 6, 9))
    event(r["tri1"], Action.ASSIGN, user, at(2026, 7, 9, 15))
    event(r["tri1"], Action.DECLINE, user, at(2026, 7, 20, 9))  # a later step: the first one counts
    r["tri2"] = suggestion(st, "超期分办乙", received_at=at(2026, 7, 6, 9))
    event(r["tri2"], Action.ANSWER_DIRECTLY, user, at(2026, 7, 10, 9))
    r["tri3"] = suggestion(st, "周末前收到丙", received_at=at(2026, 7, 10, 16))
    event(r["tri3"], Action.DECLINE, user, at(2026, 7, 15, 17))
    r["tri4"] = suggestion(st, "站务分办丁", received_at=at(2026, 7, 6, 9))
    event(r["tri4"], Action.ASSIGN, world.staff, at(2026, 7, 7))
    r["tri5"] = suggestion(st, "转交代表戊", received_at=at(2026, 7, 6, 9))
    event(r["tri5"], Action.HAND_TO_REPRESENTATIVE, user, at(2026, 7, 7))

    r["sat"] = closed(st, "三季度满意件", rep, Outcome.SATISFIED, at(2026, 8, 10))
    closed(st, "基本满意件", rep, Outcome.BASICALLY_SATISFIED, at(2026, 8, 11))
    closed(st, "他人满意件", other, Outcome.SATISFIED, at(2026, 8, 12))

    r["inspect"] = activity(st, kinds["inspect"], D(2026, 8, 20), [rep], "三季度视察")
    activity(st, kinds["enterprise"], D(2026, 8, 21), [rep], "进企业不计分")
    activity(world.other_station, kinds["research"], D(2026, 8, 22), [other], "他人调研")

    r["prop"] = suggestion(st, "形成议案件", received_at=at(2026, 9, 1))
    event(r["prop"], Action.MARK_PROPOSAL, user, at(2026, 9, 30, 23, 30))

    r["duty_q4"] = duty(st, D(2026, 11, 10), [rep])
    r["duty_future"] = duty(st, D(2026, 11, 20), [rep])
    return r


def points_by_rule(lines):
    return {line.rule.pk: line.points for line in lines}


# Scores -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [("2026Q1", "4"), ("2026Q2", "5"), ("2026Q3", "13"), ("2026Q4", "2"), ("2026", "24"), ("2025", "0")],
)
def test_hand_computed_totals(world, record, key, expected):
    total, _lines = scoring.breakdown(world.rep, period(key))
    assert total == Decimal(expected)


def test_third_quarter_by_rule_and_the_records_behind_each_point(world, rules, record):
    total, lines = scoring.breakdown(world.rep, period("2026Q3"))
    assert total == Decimal("13")
    assert [line.rule for line in lines] == scoring.active_rules()
    assert rules["unused"].pk not in points_by_rule(lines)
    by_rule = {line.rule.pk: line for line in lines}
    expected = {
        "duty": ("2", [D(2026, 7, 7)]),
        "triage": ("2", [D(2026, 7, 9), D(2026, 7, 15)]),
        "satisfied": ("3", [D(2026, 8, 10)]),
        "research": ("0", []),
        "inspect": ("1", [D(2026, 8, 20)]),
        "proposal": ("5", [D(2026, 9, 30)]),
    }
    for name, (points, dates) in expected.items():
        line = by_rule[rules[name].pk]
        assert line.points == Decimal(points), name
        assert [r.date for r in line.records] == dates, name
        assert all(r.counted for r in line.records), name
    assert [r.text for r in by_rule[rules["triage"].pk].records] == ["及时分办甲", "周末前收到丙"]
    assert by_rule[rules["duty"].pk].records[0].url == reverse("reception:day", args=[record["duty"].pk])
    assert by_rule[rules["inspect"].pk].records[0].url == reverse("activities:detail", args=[record["inspect"].pk])
    assert by_rule[rules["proposal"].pk].records[0].url == reverse(
        "suggestions:detail", args=[record["prop"].tracking_code]
    )


def test_cap_applies_per_quarter_and_a_year_is_the_sum_of_its_quarters(world, rules, record):
    _total, lines = scoring.breakdown(world.rep, period("2026Q1"))
    research = next(line for line in lines if line.rule == rules["research"])
    assert research.points == Decimal("4")
    assert [r.counted for r in research.records] == [True, True, False, False, False]
    assert research.capped

    _total, lines = scoring.breakdown(world.rep, period("2026"))
    research = next(line for line in lines if line.rule == rules["research"])
    # 4 (Q1, capped) + 2 (Q2): not 6 × 2 = 12 and not a yearly cap of 16.
    assert research.points == Decimal("6")
    assert [r.counted for r in research.records] == [True, True, False, False, False, True]
    quarters = sum(scoring.breakdown(world.rep, period(f"2026Q{q}"))[0] for q in range(1, 5))
    assert quarters == scoring.breakdown(world.rep, period("2026"))[0] == Decimal("24")


def test_cap_that_is_not_a_multiple_of_the_points_counts_the_rest(world, kinds, rules):
    ScoringRule.objects.filter(pk=rules["research"].pk).update(cap=Decimal("3"))
    for day in (1, 2, 3):
        activity(world.station, kinds["research"], D(2026, 10, day), [world.rep], f"十月调研{day}")
    _total, lines = scoring.breakdown(world.rep, period("2026Q4"))
    research = next(line for line in lines if line.rule == rules["research"])
    assert research.points == Decimal("3")
    assert [r.counted for r in research.records] == [True, True, False]
    assert scoring.scores([world.rep.pk], period("2026Q4"))[world.rep.pk]["by_rule"][rules["research"].pk] == 3


def test_inactive_rule_is_ignored_and_switching_it_on_counts_its_records(world, rules, record):
    assert scoring.breakdown(world.rep, period("2026Q3"))[0] == Decimal("13")
    ScoringRule.objects.filter(pk=rules["unused"].pk).update(is_active=True)
    assert scoring.breakdown(world.rep, period("2026Q3"))[0] == Decimal("23")


def test_recomputing_gives_the_same_result(world, record):
    first = scoring.breakdown(world.rep, period("2026"))
    second = scoring.breakdown(world.rep, period("2026"))
    assert first[0] == second[0]
    assert [(line.rule.pk, line.points, line.records) for line in first[1]] == [
        (line.rule.pk, line.points, line.records) for line in second[1]
    ]


def test_records_outside_the_period_change_nothing(world, kinds, record):
    before = scoring.breakdown(world.rep, period("2026Q3"))[0]
    activity(world.station, kinds["inspect"], D(2026, 10, 1), [world.rep], "十月一日视察")  # first day of Q4
    activity(world.station, kinds["inspect"], D(2026, 6, 30), [world.rep], "六月末视察")  # last day of Q2
    closed(world.station, "十月一日零点半满意", world.rep, Outcome.SATISFIED, at(2026, 10, 1, 0, 30))
    late = suggestion(world.station, "十月议案", received_at=at(2026, 9, 29))
    event(late, Action.MARK_PROPOSAL, world.rep_user, at(2026, 10, 1, 0, 30))
    assert scoring.breakdown(world.rep, period("2026Q3"))[0] == before == Decimal("13")
    assert scoring.breakdown(world.rep, period("2026Q4"))[0] == Decimal("2") + 1 + 3 + 5


def test_a_correction_to_a_record_corrects_the_score(world, record):
    ReceptionDay.objects.filter(pk=record["duty"].pk).update(is_cancelled=True)
    assert scoring.breakdown(world.rep, period("2026Q3"))[0] == Decimal("11")


def test_a_suggestion_triaged_again_in_a_later_quarter_is_counted_once(world, rules):
    ScoringRule.objects.filter(pk=rules["triage"].pk).update(within_days=10)
    item = suggestion(world.station, "退回后重新分办", received_at=at(2026, 9, 28, 9))
    assert workdays.add_workdays(D(2026, 9, 28), 10) >= D(2026, 10, 9)  # both steps are "in time"
    event(item, Action.ASSIGN, world.rep_user, at(2026, 9, 29))
    event(item, Action.ASSIGN, world.rep_user, at(2026, 10, 9))  # after a hand-back: the same suggestion
    year = scoring.breakdown(world.rep, period("2026"))[0]
    quarters = sum(scoring.breakdown(world.rep, period(f"2026Q{q}"))[0] for q in range(1, 5))
    assert year == Decimal("1")
    assert quarters == year


@pytest.mark.parametrize("key", ["2026Q1", "2026Q3", "2026"])
def test_scores_for_many_agree_with_each_breakdown(world, kinds, record, key):
    third = f.RepresentativeFactory(name="代表丙")
    f.ResidencyFactory(representative=third, station=world.station)
    for n in range(6):
        activity(world.station, kinds["research"], D(2026, 2, 1 + n), [third, world.rep], f"共同调研{n}")
    duty(world.station, D(2026, 7, 28), [third, world.other_rep])
    reps = [world.rep, world.other_rep, third]
    many = scoring.scores([r.pk for r in reps], period(key))
    for rep in reps:
        total, lines = scoring.breakdown(rep, period(key))
        entry = many.get(rep.pk, {"total": Decimal("0"), "by_rule": {}})
        assert entry["total"] == total, rep.name
        assert {k: v for k, v in entry["by_rule"].items() if v} == {
            line.rule.pk: line.points for line in lines if line.points
        }, rep.name


# ScoringRule.clean --------------------------------------------------------------------------


def test_activity_rule_needs_a_kind(db):
    with pytest.raises(ValidationError) as error:
        ScoringRule(basis=Basis.ACTIVITY, points=Decimal("1")).full_clean()
    assert "activity_kind" in error.value.message_dict


def test_only_activity_rules_name_a_kind(kinds):
    with pytest.raises(ValidationError) as error:
        ScoringRule(basis=Basis.DUTY, activity_kind=kinds["research"], points=Decimal("1")).full_clean()
    assert "activity_kind" in error.value.message_dict


def test_triage_rule_needs_its_working_days(db):
    with pytest.raises(ValidationError) as error:
        ScoringRule(basis=Basis.TRIAGE, points=Decimal("1")).full_clean()
    assert "within_days" in error.value.message_dict
    ScoringRule(basis=Basis.TRIAGE, points=Decimal("1"), within_days=0).full_clean()


# The ranking --------------------------------------------------------------------------------


ROW_RE = re.compile(r"<tr>\s*<td>(\d+)</td>\s*<td><a href=\"[^\"]*\">([^<]+)</a></td>.*?fw-bold\">([^<]+)</td>", re.S)


def ranking_rows(client, **params):
    response = client.get(RANKING, params)
    assert response.status_code == 200
    return [(int(rank), name, total) for rank, name, total in ROW_RE.findall(response.content.decode())]


@pytest.fixture
def league(world, kinds, rules):
    """Four more representatives at 四季城 with 2, 2, 1 and 0 调研 in Q3; 代表甲 has two too."""
    group = f.ProfessionalGroupFactory(name="财经小组")
    people = {}
    for name, n, level in (("代表丁", 2, "county"), ("代表戊", 2, "city"), ("代表己", 1, "county"), ("代表庚", 0, "")):
        rep = f.RepresentativeFactory(name=name, group=group if name in ("代表丁", "代表己") else None)
        f.ResidencyFactory(representative=rep, station=world.station)
        if level:
            f.MembershipFactory(representative=rep, level=level, region=world.county)
        people[name] = rep
        for k in range(n):
            activity(world.station, kinds["research"], D(2026, 8, 1 + k), [rep], f"{name}调研{k}")
    for k in range(2):
        activity(world.station, kinds["research"], D(2026, 9, 1 + k), [world.rep], f"代表甲调研{k}")
    people["group"] = group
    return people


def test_ranking_ranks_ties_equally(login, world, league):
    rows = ranking_rows(login(world.admin), period="2026Q3")
    assert rows == [
        (1, "代表丁", "4.0"),
        (1, "代表戊", "4.0"),
        (1, "代表甲", "4.0"),
        (4, "代表己", "2.0"),
        (5, "代表庚", "0"),
    ]


def test_ranking_filters_by_level_and_by_group(login, world, league):
    client = login(world.admin)
    assert [name for _r, name, _t in ranking_rows(client, period="2026Q3", level="county")] == ["代表丁", "代表己"]
    assert [name for _r, name, _t in ranking_rows(client, period="2026Q3", level="city")] == ["代表戊", "代表甲"]
    rows = ranking_rows(client, period="2026Q3", group=league["group"].pk)
    assert rows == [(1, "代表丁", "4.0"), (2, "代表己", "2.0")]


def test_county_admin_does_not_rank_another_countys_representatives(login, world, league):
    names = [name for _r, name, _t in ranking_rows(login(world.admin), period="2026Q3")]
    assert "代表乙" not in names
    other = [name for _r, name, _t in ranking_rows(login(world.other_admin), period="2026Q3")]
    assert other == ["代表乙"]


@pytest.mark.parametrize("persona", ["staff", "rep_user", "handler"])
def test_ranking_is_for_committee_admins_only(login, world, persona):
    assert login(getattr(world, persona)).get(RANKING).status_code == 403


# The performance page -----------------------------------------------------------------------


def performance_url(rep, key="2026Q3"):
    return reverse("activities:performance", args=[rep.code]) + f"?period={key}"


def test_performance_page_shows_the_records_behind_each_point(login, world, rules, record):
    html = login(world.staff).get(performance_url(world.rep)).content.decode()
    assert 'id="score-total">13' in html
    html = html.split('id="score-title"')[1].split("</section>")[0]  # the score, not the lists beside it
    for title in ("及时分办甲", "周末前收到丙", "三季度满意件", "三季度视察", "形成议案件"):
        assert title in html
    assert "超期分办乙" not in html and "进企业不计分" not in html
    assert reverse("activities:detail", args=[record["inspect"].pk]) in html
    assert reverse("suggestions:detail", args=[record["sat"].tracking_code]) in html
    assert reverse("reception:day", args=[record["duty"].pk]) in html

    html = login(world.staff).get(performance_url(world.rep, "2026Q1")).content.decode()
    assert 'id="score-total">4' in html
    section = html.split(f'id="rule-{rules["research"].pk}"')[1].split("</details>")[0]
    assert section.count('<li class="text-muted">') == 3
    assert section.count("<li>") == 2


@pytest.mark.parametrize("persona", ["rep_user", "staff", "admin", "city_admin"])
def test_performance_page_is_visible_to_the_rep_their_staff_and_committee(login, world, record, persona):
    assert login(getattr(world, persona)).get(performance_url(world.rep)).status_code == 200


@pytest.mark.parametrize("persona", ["handler", "other_staff", "other_admin", "other_rep_user"])
def test_performance_page_is_404_for_anyone_else(login, world, record, persona):
    assert login(getattr(world, persona)).get(performance_url(world.rep)).status_code == 404


def test_my_performance_leads_a_representative_to_their_own_page(login, world):
    response = login(world.rep_user).get(reverse("activities:mine"))
    assert response.status_code == 302
    assert response.url == reverse("activities:performance", args=[world.rep.code])
    assert login(world.staff).get(reverse("activities:mine")).status_code == 403


# Query counts -------------------------------------------------------------------------------


def grow(world, kinds, n, start):
    """``n`` more representatives at 四季城, each with a record of every kind in Q3, shared with 代表甲."""
    for i in range(start, start + n):
        user = f.UserFactory(username=f"grown{i}")
        rep = f.RepresentativeFactory(name=f"新代表{i}", user=user)
        f.ResidencyFactory(representative=rep, station=world.station)
        reps = [rep, world.rep]
        activity(world.station, kinds["research"], D(2026, 8, 1 + i % 28), reps, f"新调研{i}")
        activity(world.station, kinds["inspect"], D(2026, 8, 1 + i % 28), reps, f"新视察{i}")
        duty(f.StationFactory(region=world.station.region), D(2026, 7, 8), reps)
        item = suggestion(world.station, f"新建议{i}", received_at=at(2026, 7, 6, 9))
        event(item, Action.ASSIGN, world.rep_user, at(2026, 7, 7))
        event(item, Action.MARK_PROPOSAL, user, at(2026, 7, 8))
        closed(world.station, f"新满意{i}", rep, Outcome.SATISFIED, at(2026, 8, 3))
        closed(world.station, f"甲满意{i}", world.rep, Outcome.SATISFIED, at(2026, 8, 4))


def count_queries(client, url):
    workdays.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_ranking_and_performance_query_counts_do_not_grow(
    login, world, kinds, rules, record, django_assert_max_num_queries
):
    client = login(world.admin)
    ranking_url = RANKING + "?period=2026"
    page_url = performance_url(world.rep, "2026")
    client.get(ranking_url)
    grow(world, kinds, 2, 0)
    with django_assert_max_num_queries(20):
        small_ranking = count_queries(client, ranking_url)
    with django_assert_max_num_queries(25):
        small_page = count_queries(client, page_url)
    grow(world, kinds, 30, 2)
    with django_assert_max_num_queries(20):
        big_ranking = count_queries(client, ranking_url)
    with django_assert_max_num_queries(25):
        big_page = count_queries(client, page_url)
    assert big_ranking == small_ranking
    assert big_page == small_page


def test_only_the_top_committee_edits_the_scoring_rules_in_the_admin(world, rf):
    """Rules hold for every county: a county committee reads them, the city committee keeps them."""
    from django.contrib import admin as django_admin
    from django.contrib.auth.models import Permission

    from activities.admin import ScoringRuleAdmin

    model_admin = ScoringRuleAdmin(ScoringRule, django_admin.site)
    perms = Permission.objects.filter(content_type__app_label="activities", codename__endswith="scoringrule")
    for user in (world.admin, world.city_admin):
        user.is_staff = True
        user.save()
        user.user_permissions.add(*perms)
    county, city = rf.get("/"), rf.get("/")
    county.user = type(world.admin).objects.get(pk=world.admin.pk)
    city.user = type(world.city_admin).objects.get(pk=world.city_admin.pk)
    assert model_admin.has_view_permission(county) and not model_admin.has_change_permission(county)
    assert not model_admin.has_add_permission(county) and not model_admin.has_delete_permission(county)
    assert model_admin.has_change_permission(city) and model_admin.has_add_permission(city)
