"""``manage.py seed_demo``: the seed's facts are in the demo registry and its intake history,
and a second run changes nothing.

The seed runs once for the whole module, inside a transaction rolled back when the module is
done; every test runs in a savepoint of it, as usual.
"""

import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Role
from accounts.permissions import roles
from core import workdays
from core.codes import TRACKING_CODE_LENGTH, is_well_formed, stable_code
from devtools.management.commands.seed_demo import Loop, Seeder
from representatives.models import CongressLevel, CongressMembership, ProfessionalGroup, Representative, Residency
from stations.models import IndustryChain, ReceptionDay, ReceptionRule, Region, StandardItem, Station, Visit
from stations.selectors import upcoming_reception_days
from suggestions.deadlines import RED, YELLOW, colour
from suggestions.models import (
    Assignment,
    Category,
    Channel,
    Event,
    ExtensionRequest,
    HandlingUnit,
    Outcome,
    Rating,
    Reply,
    Stage,
    Suggestion,
    Supervision,
)
from suggestions.workflow import TRANSITIONS, Action

pytestmark = pytest.mark.django_db

PASSWORD = "Liaison@2026"
REAL_PEOPLE = ("杨国胜", "苗振宇", "付建梅")
ANCHOR = dt.date(2026, 11, 20)  # the demo history's last day
ON_DUTY = ReceptionDay.on_duty.through


def run_seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One seed for the module (it takes a few seconds); rolled back at the end, so other modules never see it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield run_seed()
        transaction.set_rollback(True)


@pytest.fixture
def output(seeded, db):
    return seeded


def aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def region(*names) -> Region:
    node = None
    for name in names:
        node = Region.objects.get(parent=node, name=name)
    return node


def pingdingshan_chain_stations():
    return Station.objects.filter(
        kind=Station.Kind.INDUSTRY_CHAIN, parent__isnull=True, region__path__startswith=region("平顶山市").path
    )


def sijicheng() -> Station:
    return Station.objects.get(region=region("开封市", "龙亭区", "北郊乡", "四季城社区"), name="四季城人大代表联络点")


def test_it_builds_23_built_and_22_under_construction_industry_chain_stations_in_pingdingshan(output):
    stations = pingdingshan_chain_stations()
    assert stations.filter(status=Station.Status.BUILT).count() == 23
    assert stations.filter(status=Station.Status.UNDER_CONSTRUCTION).count() == 22
    assert not stations.filter(industry_chain__isnull=True).exists()
    counties = {s.region.ancestor_ids()[1] for s in stations.select_related("region")}
    assert len(counties) == 10
    names = set(stations.values_list("name", flat=True))
    assert {"宝丰县渔具产业代表联络站", "叶县家具产业代表联络站", "新华区产业代表联络站"} <= names


def test_tobacco_station_has_13_sub_points_outside_the_23_and_22(output):
    tobacco = Station.objects.get(name__contains="烟叶产业“农家式”代表联络站", region=region("平顶山市", "郏县"))
    assert tobacco.status == Station.Status.BUILT
    points = tobacco.sub_points.all()
    assert points.count() == 13
    assert all(p.kind == Station.Kind.INDUSTRY_CHAIN and p.status == Station.Status.BUILT for p in points)
    assert all(
        p.name.endswith("种植大户代表联络点") and p.industry_chain_id == tobacco.industry_chain_id for p in points
    )
    assert pingdingshan_chain_stations().count() == 45


def test_industry_chains_serve_21_parks_92_cooperatives_and_close_to_a_thousand_enterprises(output):
    totals = IndustryChain.objects.aggregate(
        parks=Sum("parks_count"), enterprises=Sum("enterprises_count"), cooperatives=Sum("cooperatives_count")
    )
    assert totals["parks"] == 21
    assert totals["cooperatives"] == 92
    assert 950 <= totals["enterprises"] < 1000
    assert IndustryChain.objects.get(name="渔具").enterprises_count >= 120


def test_linzhou_has_a_station_with_a_weekly_reception_day_in_each_of_its_16_towns_and_4_streets(output):
    linzhou = region("安阳市", "林州市")
    stations = Station.objects.filter(kind=Station.Kind.TOWNSHIP, region__path__startswith=linzhou.path)
    assert stations.count() == 20
    assert stations.filter(region__parent=linzhou).count() == 20
    names = set(stations.values_list("name", flat=True))
    assert {
        "原康镇人大代表联络站",
        "石板岩镇人大代表联络站",
        "开元街道人大代表联络站",
        "桂园街道人大代表联络站",
    } <= names
    assert all("每周" in s.opening_hours and "代表接待日" in s.opening_hours for s in stations)


def test_sijicheng_point_has_27_residents_of_all_five_congress_levels(output):
    point = sijicheng()
    assert point.kind == Station.Kind.COMMUNITY
    assert point.address == "龙亭区北郊乡四季城小区东门临街房"
    assert point.is_legislative_contact_point
    assert "每月20日" in point.opening_hours
    assert point.residents.count() == 27
    levels = set(CongressMembership.objects.filter(representative__stations=point).values_list("level", flat=True))
    assert levels == set(CongressLevel.values)
    two_levels = point.residents.annotate(seats=Count("memberships")).filter(seats__gte=2)
    assert two_levels.exists()
    met = set(point.standard_items_met.filter(group="四得").values_list("name", flat=True))
    assert met == {"看得见牌", "进得了门", "找得到人", "说得了事"}


def test_every_built_station_has_3_to_6_residents_and_a_resident_head(output):
    built = Station.objects.filter(status=Station.Status.BUILT).annotate(n=Count("residencies"))
    assert built.count() == 23 + 13 + 20 + 1
    for station in built:
        assert 3 <= station.n <= 6 or station.name == "四季城人大代表联络点", station.name
        assert station.head_id in set(station.residencies.values_list("representative_id", flat=True)), station.name
    chain_heads = Station.objects.filter(
        kind=Station.Kind.INDUSTRY_CHAIN, status=Station.Status.BUILT, parent__isnull=True
    ).values_list("head__occupation", flat=True)
    assert all(o.endswith(("董事长", "理事长")) for o in chain_heads)


def test_representatives_have_a_group_a_phone_and_a_seat(output):
    assert ProfessionalGroup.objects.count() == 8
    assert {"财经专业代表小组", "法制专业代表小组", "环保专业代表小组"} <= set(
        ProfessionalGroup.objects.values_list("name", flat=True)
    )
    assert not Representative.objects.filter(group__isnull=True).exists()
    assert not Representative.objects.filter(memberships__isnull=True).exists()
    assert all(len(p) == 11 and p.startswith("139") for p in Representative.objects.values_list("phone", flat=True))


def test_standard_items_and_handling_units_are_loaded(output):
    assert set(StandardItem.objects.values_list("group", flat=True)) == {"3室1厅1中心", "九有六簿一册", "四得"}
    assert StandardItem.objects.filter(group="四得").count() == 4
    unit_names = set(HandlingUnit.objects.values_list("name", flat=True))
    assert {
        "平顶山市教育体育局",
        "林州市水利局",
        "原康镇人民政府",
        "开封市人民防空办公室",
        "龙亭区人民政府",
        "北郊乡人民政府",
    } <= unit_names


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("demo_staff", Role.STATION_STAFF),
        ("demo_rep", Role.REPRESENTATIVE),
        ("demo_handler", Role.UNIT_HANDLER),
        ("demo_admin", Role.COMMITTEE_ADMIN),
        ("demo_county_admin", Role.COMMITTEE_ADMIN),
    ],
)
def test_demo_login_signs_in_with_the_password_and_holds_its_role(client, output, username, role):
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    user = get_user_model().objects.get(username=username)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert roles(user) == {role}
    assert user.full_name
    assert username in output


def test_demo_logins_go_straight_to_work_without_a_forced_password_change(client, output):
    """The seed, not an administrator, sets the demo password: no change at the first log-in, none due for 90 days."""
    for username in ("demo_staff", "demo_handler", "demo_admin", "demo_county_admin"):
        client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
        response = client.get(reverse("accounts:profile"))
        assert response.status_code == 200, (username, response.get("Location"))
        client.post(reverse("accounts:logout"))
    with time_machine.travel(timezone.now() + dt.timedelta(days=80), tick=False):
        client.post(reverse("accounts:login"), {"username": "demo_admin", "password": PASSWORD})
        assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.parametrize(
    ("username", "duty"),
    [("demo_sysadmin", "system"), ("demo_secadmin", "security"), ("demo_auditor", "audit")],
)
def test_each_administrator_duty_has_its_own_demo_login_that_first_sets_up_two_step_verification(
    client, output, username, duty
):
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    user = get_user_model().objects.get(username=username)
    assert (user.admin_duty, user.is_staff, roles(user)) == (duty, True, set())
    assert response.status_code == 302 and username in output
    page = client.get(reverse("admin:index"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("accounts:otp_enrol"))


def test_demo_logins_are_linked_where_the_seed_puts_them(output):
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo_")}
    point = sijicheng()
    assert list(users["demo_staff"].staff_stations.all()) == [point]
    assert users["demo_rep"].representative in point.residents.all()
    assert [u.name for u in users["demo_handler"].handling_units.all()] == ["开封市住房和城乡建设局"]
    assert set(users["demo_admin"].committee_regions.values_list("name", flat=True)) == {"平顶山市", "安阳市", "开封市"}
    assert list(users["demo_county_admin"].committee_regions.values_list("name", flat=True)) == ["龙亭区"]


def test_demo_admins_can_use_the_django_admin_within_their_region(client, output):
    admin = get_user_model().objects.get(username="demo_admin")
    assert (
        admin.is_staff and admin.has_perm("stations.change_station") and admin.has_perm("suggestions.view_handlingunit")
    )
    county_admin = get_user_model().objects.get(username="demo_county_admin")
    client.force_login(county_admin, backend="django.contrib.auth.backends.ModelBackend")
    body = client.get(reverse("admin:stations_station_changelist")).content.decode()
    assert "四季城人大代表联络点" in body
    assert "宝丰县渔具产业代表联络站" not in body


def snapshot():
    user_model = get_user_model()
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                Region,
                IndustryChain,
                StandardItem,
                Station,
                ProfessionalGroup,
                Representative,
                CongressMembership,
                Residency,
                HandlingUnit,
                user_model,
                Category,
                ReceptionRule,
                ReceptionDay,
                ON_DUTY,
                Visit,
                Visit.received_by.through,
                Suggestion,
                Event,
                Assignment,
                Reply,
                Rating,
                ExtensionRequest,
                Supervision,
                HandlingUnit.handlers.through,
            )
        },
        "stations": sorted(Station.objects.values_list("code", "name", "head_id", "updated_at")),
        "representatives": sorted(Representative.objects.values_list("code", "name", "phone", "user_id")),
        "passwords": sorted(user_model.objects.values_list("username", "password")),
        "items_met": Station.standard_items_met.through.objects.count(),
        "suggestions": sorted(
            Suggestion.objects.values_list("tracking_code", "title", "visit_id", "stage", "outcome", "updated_at")
        ),
        "assignments": sorted(Assignment.objects.values_list("pk", "status", "accept_due", "reply_due", "flagged")),
        "rules": sorted(
            ReceptionRule.objects.values_list("station_id", "kind", "weekday", "day_of_month", "starts_on")
        ),
    }


def test_second_run_changes_nothing(output):
    before = snapshot()
    second = run_seed()
    assert snapshot() == before
    assert "nothing changed" in second


def history():
    """What the seed wrote up to its anchor date: the same whatever day it runs."""
    return {
        "suggestions": sorted(Suggestion.objects.values_list("tracking_code", "station_id", "received_at", "title")),
        "days": sorted(ReceptionDay.objects.filter(date__lte=ANCHOR).values_list("station_id", "date")),
        "visits": sorted(Visit.objects.values_list("reception_day__date", "summary", "visitor_name")),
        "on_duty": ON_DUTY.objects.filter(receptionday__date__lte=ANCHOR).count(),
    }


def test_a_run_weeks_later_writes_the_same_history_and_only_schedules_further_ahead(output):
    before = history()
    later = timezone.localdate() + dt.timedelta(days=45)
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(later, dt.time(9))), tick=False):
        run_seed()
        assert history() == before
        for station in Station.objects.filter(reception_rules__isnull=False):
            assert upcoming_reception_days(station), station.name


def test_codes_are_derived_from_natural_keys_so_urls_are_the_same_everywhere(output):
    point = sijicheng()
    assert point.code == stable_code("demo-station:开封市龙亭区北郊乡四季城社区/四季城人大代表联络点")
    assert point.head.code == stable_code("demo-representative:开封市龙亭区北郊乡四季城社区/四季城人大代表联络点/0")


def test_no_real_person_from_the_seed_appears(output):
    rep_names = list(Representative.objects.values_list("name", flat=True))
    user_names = list(get_user_model().objects.values_list("full_name", flat=True))
    citizens = list(Suggestion.objects.values_list("submitter_name", flat=True))
    visitors = list(Visit.objects.values_list("visitor_name", flat=True))
    for real in REAL_PEOPLE:
        assert not any(real in name for name in rep_names + user_names + citizens + visitors), real
    texts = Suggestion.objects.values_list("title", "content", "enterprise_name")
    assert not any(real in text for row in texts for text in row for real in REAL_PEOPLE)
    assert all(
        len(set(s.residents.values_list("name", flat=True))) == s.residents.count() for s in Station.objects.all()
    )


class ScriptedRandom:
    """Stands in for the seeder's ``random.Random``: proposes the given three-character names in order."""

    def __init__(self, names):
        self.chars = list("".join(names))

    def random(self):
        return 0.9  # a two-character given name

    def choice(self, seq):
        return self.chars.pop(0)


def test_name_generator_skips_real_people_and_names_already_used():
    seeder = Seeder()
    seeder.rng = ScriptedRandom(["杨国胜", "付建梅", "王建华", "苗振宇", "王建华", "李秀英"])
    assert seeder.person_name(Representative.Gender.MALE) == "王建华"
    assert seeder.person_name(Representative.Gender.FEMALE) == "李秀英"


# The intake history ---------------------------------------------------------------------------


def tobacco_station() -> Station:
    return Station.objects.get(name__contains="烟叶产业“农家式”代表联络站", region=region("平顶山市", "郏县"))


def texts(suggestions) -> str:
    return "".join(title + content for title, content in suggestions.values_list("title", "content"))


def test_the_13_tobacco_sub_points_collected_161_enterprise_clues(output):
    clues = Suggestion.objects.filter(station__parent=tobacco_station())
    assert clues.count() == 161
    assert clues.filter(is_enterprise=True).exclude(enterprise_name="").count() == 161
    assert clues.values("station").distinct().count() == 13
    assert set(clues.values_list("channel", flat=True)) == {
        Channel.QR_STATION,
        Channel.QR_REPRESENTATIVE,
        Channel.VISIT,
    }
    assert not clues.filter(channel=Channel.QR_REPRESENTATIVE, representative__isnull=True).exists()
    categories = Counter(clues.values_list("category__name", flat=True))
    assert categories["营商环境"] + categories["农业农村"] >= 0.75 * 161
    assert all(word in texts(clues) for word in ("烤房", "用工", "贷款", "收购", "灌溉", "道路"))
    assert all(name.startswith("郏县") for name in clues.values_list("enterprise_name", flat=True))
    assert not clues.filter(received_at__lt=aware(ANCHOR - dt.timedelta(days=731))).exists()


def test_the_xinhua_station_has_86_enterprise_problems_raised_since_2023(output):
    problems = Suggestion.objects.filter(
        station__name="新华区产业代表联络站", station__region=region("平顶山市", "新华区")
    )
    assert problems.count() == 86
    assert problems.filter(is_enterprise=True).exclude(enterprise_name="").count() == 86
    assert not problems.filter(received_at__lt=aware(dt.date(2023, 1, 1))).exists()
    assert not problems.filter(received_at__gte=aware(ANCHOR + dt.timedelta(days=1))).exists()
    assert {2023, 2026} <= {moment.year for moment in problems.values_list("received_at", flat=True)}
    categories = Counter(problems.values_list("category__name", flat=True))
    assert categories.most_common(1)[0] == ("营商环境", max(categories.values()))
    assert categories["营商环境"] > 86 / 2
    assert all(word in texts(problems) for word in ("贷款", "用电", "审批", "招聘", "配送"))


def test_sijicheng_receives_on_the_20th_of_every_month_150_visitors_and_80_attendances(output):
    point = sijicheng()
    rule = point.reception_rules.get()
    assert (rule.kind, rule.day_of_month, rule.weekday) == (ReceptionRule.Kind.MONTHLY, 20, None)
    days = point.reception_days.all()
    assert {day.day for day in days.values_list("date", flat=True)} == {20}
    past = days.filter(date__lte=ANCHOR)
    assert past.count() == 24
    assert not past.filter(date__lte=ANCHOR - dt.timedelta(days=731)).exists()
    visits = Visit.objects.filter(reception_day__station=point)
    assert visits.count() >= 150
    assert ON_DUTY.objects.filter(receptionday__in=past).count() >= 80
    residents = set(point.residents.values_list("pk", flat=True))
    for day in past.prefetch_related("on_duty", "visits__received_by"):
        on_duty = {rep.pk for rep in day.on_duty.all()}
        assert 3 <= len(on_duty) <= 5 and on_duty <= residents
        for visit in day.visits.all():
            assert {rep.pk for rep in visit.received_by.all()} <= on_duty
    answered = visits.filter(answered_on_spot=True)
    assert answered.exists() and not answered.filter(spot_answer="").exists()
    assert not visits.filter(answered_on_spot=False, suggestions__isnull=True).exists()
    raised = point.suggestions.filter(channel=Channel.RECEPTION)
    assert raised.count() >= 50
    assert not raised.exclude(visit__reception_day__station=point).exists()
    assert not raised.exclude(received_at__date=F("visit__reception_day__date")).exists()
    summaries = "".join(visits.values_list("summary", flat=True))
    for theme in ("劳动路北段", "卫生院", "公交站点", "不动产权证", "业主委员会", "上学难", "广济路", "人防工程"):
        assert theme in summaries, theme
    titles = "".join(raised.values_list("title", flat=True))
    assert all(word in titles for word in ("上学难", "广济路", "人防工程"))


def test_sijicheng_collected_30_opinions_on_property_management(output):
    opinions = sijicheng().suggestions.filter(
        category__name="物业管理", channel__in=(Channel.VISIT, Channel.MAILBOX, Channel.WECHAT)
    )
    assert opinions.count() == 30
    assert set(opinions.values_list("channel", flat=True)) == {Channel.VISIT, Channel.MAILBOX, Channel.WECHAT}
    assert len(set(opinions.values_list("title", flat=True))) == 30
    assert opinions.filter(content__contains="座谈会").count() == 18


def test_every_linzhou_station_has_a_weekly_rule_its_past_weeks_and_upcoming_days(output):
    today = timezone.localdate()
    stations = Station.objects.filter(
        kind=Station.Kind.TOWNSHIP, region__path__startswith=region("安阳市", "林州市").path
    )
    assert stations.count() == 20
    weekdays = "一二三四五六日"
    for station in stations:
        rule = station.reception_rules.get()
        assert rule.kind == ReceptionRule.Kind.WEEKLY and (rule.duty_min, rule.duty_max) == (3, 5)
        assert f"每周{weekdays[rule.weekday]}" in station.opening_hours, station.name
        days = station.reception_days.all()
        assert {day.weekday() for day in days.values_list("date", flat=True)} == {rule.weekday}
        past = days.filter(date__lte=ANCHOR).annotate(
            visitors=Count("visits", distinct=True), duty=Count("on_duty", distinct=True)
        )
        assert past.count() == 8
        residents = station.residents.count()
        for day in past:
            assert 1 <= day.visitors <= 4
            assert min(3, residents) <= day.duty <= 5
        upcoming = days.filter(date__gte=today, date__lte=today + dt.timedelta(days=28))
        assert upcoming.count() >= 4, station.name
        assert upcoming_reception_days(station)
        assert all(day.on_duty.exists() for day in upcoming)


def test_every_suggestion_is_received_in_its_stations_region_with_a_tracking_code(output):
    suggestions = Suggestion.objects.all()
    assert suggestions.count() >= 161 + 86 + 30 + 150
    assert not suggestions.exclude(region=F("station__region")).exists()
    assert not suggestions.exclude(events__kind=Event.Kind.RECEIVED).exists()
    received = Event.objects.filter(kind=Event.Kind.RECEIVED)
    assert received.count() == suggestions.count()
    assert not received.filter(public_text="").exists()
    assert not received.exclude(created_at=F("suggestion__received_at")).exists()
    assert suggestions.filter(stage=Stage.COLLECT).exists()  # the rest went on round the loop (below)
    assert not suggestions.filter(category__isnull=True).exists()
    assert set(Category.objects.values_list("name", flat=True)) == {
        "城建交通",
        "教育",
        "营商环境",
        "物业管理",
        "农业农村",
        "社会保障",
        "医疗卫生",
        "生态环境",
        "其他",
    }
    assert not suggestions.filter(received_at__gt=aware(ANCHOR + dt.timedelta(days=1))).exists()
    codes = list(suggestions.values_list("tracking_code", flat=True))
    assert all(is_well_formed(code, TRACKING_CODE_LENGTH) for code in codes)
    xinhua = suggestions.filter(station__name="新华区产业代表联络站")
    keys = (f"demo-suggestion:平顶山市新华区/新华区产业代表联络站/enterprise/{n:03d}" for n in range(1, 87))
    assert set(xinhua.values_list("tracking_code", flat=True)) == {
        stable_code(key, length=TRACKING_CODE_LENGTH) for key in keys
    }


def test_about_half_of_the_people_leave_a_name_and_a_mobile_number(output):
    suggestions = Suggestion.objects.all()
    named = suggestions.exclude(submitter_name="")
    assert 0.35 < named.count() / suggestions.count() < 0.65
    assert not named.filter(submitter_phone="").exists()
    assert not suggestions.filter(submitter_name="").exclude(submitter_phone="").exists()
    phones = named.values_list("submitter_phone", flat=True)
    assert all(len(phone) == 11 and phone.startswith("13") and phone.isdigit() for phone in phones)
    raised = suggestions.filter(channel=Channel.RECEPTION)
    # Compared here, not by the database: both columns are encrypted, each value with its own nonce.
    pairs = raised.values_list("submitter_name", "visit__visitor_name")
    assert pairs and all(name == visitor for name, visitor in pairs)


def test_the_output_sums_up_the_intake(output):
    line = next(line for line in output.splitlines() if line.startswith("Intake:"))
    assert f"{Suggestion.objects.count()} suggestions" in line
    assert f"{Visit.objects.count()} visits" in line


# The closed loop ------------------------------------------------------------------------------

OPEN = (Assignment.Status.PENDING, Assignment.Status.ACCEPTED)
HISTORY_END = aware(ANCHOR + dt.timedelta(days=1))
HANDLER_UNIT = "开封市住房和城乡建设局"


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def chains(stage=None) -> dict[int, list]:
    """Each suggestion's workflow steps in the order they happened."""
    events = Event.objects.filter(kind=Event.Kind.ACTION).order_by("suggestion_id", "created_at", "id")
    if stage:
        events = events.filter(suggestion__stage=stage)
    found: dict[int, list] = {}
    for row in events.values_list("suggestion_id", "action", "from_stage", "to_stage", "created_at", "actor_id"):
        found.setdefault(row[0], []).append(row[1:])
    return found


def test_every_stage_holds_suggestions_and_most_are_closed(output):
    counts = Counter(Suggestion.objects.values_list("stage", flat=True))
    assert all(counts[stage] >= 5 for stage in Stage.values), counts
    assert counts[Stage.CLOSED] > Suggestion.objects.count() / 2
    leads = Assignment.objects.filter(suggestion__stage=Stage.ASSIGN, role=Assignment.Role.LEAD)
    assert leads.filter(status=Assignment.Status.PENDING).exists()
    assert leads.filter(status=Assignment.Status.ACCEPTED).exists()
    feedback = Suggestion.objects.filter(stage=Stage.FEEDBACK)
    assert feedback.filter(answer_released_at__isnull=True).exists()  # the unit replied, not yet released
    released = feedback.filter(answer_released_at__isnull=False)
    assert released.exists()
    # The nightly sweep must not close them on first run: their rating window is still open.
    assert not released.filter(rating_due__lt=timezone.localdate()).exists()
    assert not released.filter(answer="").exists()


def test_older_items_are_mostly_closed_satisfied_basically_satisfied_or_unrated(output):
    older = Suggestion.objects.filter(received_at__lt=aware(ANCHOR - dt.timedelta(days=60)))
    closed = older.filter(stage=Stage.CLOSED)
    assert closed.count() >= 0.9 * older.count()
    outcomes = Counter(closed.values_list("outcome", flat=True))
    assert set(outcomes) == {Outcome.SATISFIED, Outcome.BASICALLY_SATISFIED, Outcome.UNRATED}
    total = closed.count()
    assert 0.6 < outcomes[Outcome.SATISFIED] / total < 0.85
    assert 0.12 < outcomes[Outcome.BASICALLY_SATISFIED] / total < 0.3
    assert 0 < outcomes[Outcome.UNRATED] / total < 0.1
    assert 0 < closed.filter(redo_count=1).count() < 0.1 * total  # a few: one 不满意, then satisfied


def test_a_rating_row_for_every_rated_round(output):
    for item in Suggestion.objects.exclude(stage=Stage.COLLECT).prefetch_related("ratings"):
        rounds = sorted((rating.round, rating.verdict) for rating in item.ratings.all())
        expected = [(n, Rating.Verdict.UNSATISFIED) for n in range(item.redo_count)]
        if item.stage == Stage.CLOSED and item.outcome != Outcome.UNRATED:
            expected.append((item.redo_count, item.outcome))
        assert rounds == expected, item.tracking_code


def test_each_closed_item_has_a_consistent_chain_of_steps(output):
    closed = {item.pk: item for item in Suggestion.objects.filter(stage=Stage.CLOSED)}
    found = chains(Stage.CLOSED)
    assert set(found) == set(closed)
    for pk, chain in found.items():
        item, stage = closed[pk], Stage.COLLECT
        for action, from_stage, to_stage, _at, _actor in chain:
            assert from_stage == stage and TRANSITIONS[(from_stage, action)] == to_stage, (item.tracking_code, chain)
            stage = to_stage
        actions = [step[0] for step in chain]
        assert actions[0] == Action.HAND_TO_REPRESENTATIVE
        assert actions[-1] in (Action.RATE_ACCEPT, Action.CLOSE_UNRATED)
        # The last answer came from a unit's reply (released by the representative or staff) or from the
        # representative directly (an answer or a reasoned decline), then the rating.
        entry = max(i for i, step in enumerate(chain) if step[2] == Stage.FEEDBACK and step[1] != Stage.FEEDBACK)
        assert actions[entry] in (Action.REPLY, Action.ANSWER_DIRECTLY, Action.DECLINE)
        if actions[entry] == Action.REPLY:
            assert actions[entry + 1] == Action.RELEASE
        assert item.received_at < chain[0][3] and chain[-1][3] <= HISTORY_END
        assert item.closed_at == item.stage_changed_at == item.updated_at == chain[-1][3]
        assert item.assessor_id is not None and item.answer


def test_every_item_moved_on_has_a_chain_that_ends_at_its_stage(output):
    items = {pk: stage for pk, stage in Suggestion.objects.exclude(stage=Stage.COLLECT).values_list("pk", "stage")}
    found = chains()
    assert set(found) == set(items)
    for pk, chain in found.items():
        stage = Stage.COLLECT
        for action, from_stage, to_stage, _at, _actor in chain:
            assert from_stage == stage and TRANSITIONS[(from_stage, action)] == to_stage
            stage = to_stage
        assert stage == items[pk]
        assert [at for *_rest, at, _actor in chain] == sorted(at for *_rest, at, _actor in chain)


def test_representatives_answer_directly_decline_a_few_and_take_some_up_as_proposals(output):
    closed = Suggestion.objects.filter(stage=Stage.CLOSED)
    steps = Counter(
        Event.objects.filter(suggestion__in=closed, kind=Event.Kind.ACTION).values_list("action", flat=True)
    )
    assert steps[Action.ANSWER_DIRECTLY] > 20
    assert 0 < steps[Action.DECLINE] < 0.06 * closed.count()
    assert steps[Action.MARK_PROPOSAL] > 0
    # The seed's 30 opinions on property management became the joint proposal for a 物业管理条例.
    opinions = sijicheng().suggestions.filter(
        category__name="物业管理", channel__in=(Channel.VISIT, Channel.MAILBOX, Channel.WECHAT)
    )
    assert not opinions.filter(marked_for_proposal=False).exists()
    assert all("物业管理条例" in answer for answer in opinions.values_list("answer", flat=True))
    declined = Event.objects.filter(action=Action.DECLINE)
    with translation.override("zh-hans"):
        prefix = gettext("Not taken up: %(reason)s") % {"reason": ""}
    assert not declined.filter(note="").exists() and not declined.exclude(public_text__startswith=prefix).exists()


def test_steps_are_dated_by_the_working_day_rules(output):
    hands = Event.objects.filter(action=Action.HAND_TO_REPRESENTATIVE).values_list(
        "suggestion__received_at", "created_at"
    )
    assert all(1 <= workdays.workdays_between(local_day(r), local_day(h)) <= 3 for r, h in hands)
    closed = Assignment.objects.filter(suggestion__stage=Stage.CLOSED, extension_requests__isnull=True)
    for created, accept_due, reply_due in closed.values_list("created_at", "accept_due", "reply_due"):
        assert accept_due == workdays.add_workdays(local_day(created), 2)
        assert reply_due == workdays.add_workdays(local_day(created), 15)
    replied = closed.filter(role=Assignment.Role.LEAD, status=Assignment.Status.REPLIED)
    late = [due < local_day(at) for at, due in replied.values_list("replied_at", "reply_due")]
    assert 0 < sum(late) < 0.2 * len(late)  # mostly in time, some late
    for item in Suggestion.objects.filter(stage=Stage.CLOSED).exclude(outcome=Outcome.UNRATED):
        assert item.rating_due == workdays.add_workdays(local_day(item.answer_released_at), 10)
        assert item.answer_released_at < item.closed_at
    taken = Assignment.objects.exclude(accepted_at=None)
    assert all(created <= accepted for created, accepted in taken.values_list("created_at", "accepted_at"))


def test_some_open_assignments_are_overdue_today_some_due_soon_and_one_item_is_flagged(output):
    today = timezone.localdate()
    open_assignments = Assignment.objects.filter(status__in=OPEN)
    overdue = open_assignments.filter(reply_due__lt=today)
    assert 3 <= overdue.count() <= 25
    # Dates that relate to today follow the day of the run, whatever it is.
    assert not overdue.filter(reply_due__lt=today - dt.timedelta(days=45)).exists()
    soon = open_assignments.filter(reply_due__gte=today, reply_due__lte=workdays.add_workdays(today, 3))
    assert soon.count() >= 3
    assert colour(soon.first().reply_due, today) == YELLOW
    for assignment in overdue:
        assert colour(assignment.reply_due, today) == RED
        escalation = assignment.supervisions.get(kind=Supervision.Kind.ESCALATION)
        assert escalation.deadline == assignment.reply_due and escalation.notified_at is not None
    flagged = Suggestion.objects.get(flagged=True)  # exactly one
    assert flagged.stage == Stage.ASSIGN
    assert flagged.assignments.filter(status__in=OPEN, flagged=True, reply_due__lt=today).exists()
    assert not flagged.assignments.filter(status__in=OPEN, flagged=False).exists()
    assert not Assignment.objects.filter(flagged=True).exclude(suggestion=flagged).exists()
    flag = flagged.events.get(action=Action.FLAG)
    assert flag.actor.committee_regions.exists() and flag.created_at <= timezone.now()
    assert flagged.events.filter(kind=Event.Kind.ESCALATION).exists()


def test_one_extension_awaits_a_decision_and_one_was_granted(output):
    pending = ExtensionRequest.objects.get(status=ExtensionRequest.Status.PENDING)
    assert pending.assignment.status in OPEN and pending.requested_due > pending.assignment.reply_due
    assert pending.decided_at is None and pending.requested_by == pending.assignment.responsible
    granted = ExtensionRequest.objects.get(status=ExtensionRequest.Status.APPROVED)
    assert granted.granted_due == granted.requested_due == granted.assignment.reply_due
    assert granted.assignment.reply_due >= timezone.localdate() and granted.assignment.status in OPEN
    assert granted.decided_by.committee_regions.exists() and granted.created_at < granted.decided_at
    for request in (pending, granted):
        assert request.assignment.suggestion.events.filter(action=Action.REQUEST_EXTENSION).count() == 1
    assert granted.assignment.suggestion.events.filter(action=Action.DECIDE_EXTENSION).count() == 1


def test_one_item_is_under_committee_supervision_after_three_unsatisfied_ratings(output):
    item = Suggestion.objects.get(under_committee_supervision=True)
    assert item.redo_count == 3 and item.stage == Stage.ASSESS
    assert list(item.ratings.order_by("round").values_list("verdict", flat=True)) == [Rating.Verdict.UNSATISFIED] * 3
    assert item.answer_released_at is None and item.rating_due is None


def test_each_demo_login_finds_something_to_do(output):
    users = get_user_model().objects
    rep = users.get(username="demo_rep").representative
    assert Suggestion.objects.filter(stage=Stage.ASSESS, assessor=rep).count() >= 2
    assert Suggestion.objects.filter(stage=Stage.FEEDBACK, assessor=rep).exists()
    handler = users.get(username="demo_handler")
    mine = Assignment.objects.filter(unit__name=HANDLER_UNIT, suggestion__stage=Stage.ASSIGN)
    assert mine.filter(status=Assignment.Status.PENDING).exists()
    assert mine.filter(status=Assignment.Status.ACCEPTED, responsible=handler).exists()
    longting = region("开封市", "龙亭区")
    assert Suggestion.objects.filter(region__path__startswith=longting.path, stage=Stage.ASSIGN).exists()
    staff = users.get(username="demo_staff")
    assert Event.objects.filter(action=Action.HAND_TO_REPRESENTATIVE, actor=staff).exists()


def test_every_accepted_assignment_names_a_handler_of_its_unit(output):
    handlers = set(HandlingUnit.handlers.through.objects.values_list("handlingunit_id", "user_id"))
    taken = Assignment.objects.exclude(accepted_at=None)
    assert all((unit, user) in handlers for unit, user in taken.values_list("unit_id", "responsible_id"))
    assert not Assignment.objects.filter(accepted_at=None).exclude(responsible=None).exists()
    fictional = get_user_model().objects.filter(username__startswith="handler_")
    assert fictional.count() > 20
    assert all(not user.has_usable_password() and user.full_name for user in fictional)
    for assignment in Assignment.objects.filter(status=Assignment.Status.REPLIED).prefetch_related("replies"):
        (reply,) = assignment.replies.all()
        assert reply.by_id == assignment.responsible_id
        lead = assignment.role == Assignment.Role.LEAD
        assert (reply.result != Reply.Result.OPINION) == lead


def test_steps_are_written_in_the_services_words(output):
    item = Suggestion.objects.filter(stage=Stage.CLOSED, events__action=Action.RELEASE).first()
    events = {event.action: event for event in item.events.filter(kind=Event.Kind.ACTION)}
    lead = item.assignments.get(role=Assignment.Role.LEAD)
    with translation.override("zh-hans"):
        hand = gettext("Checked and handed to representative %(name)s.") % {"name": item.assessor.name}
        accepted = gettext("%(unit)s accepted the assignment.") % {"unit": lead.unit.name}
        answer = gettext("Answer: %(answer)s") % {"answer": item.answer[:250]}
    assert events[Action.HAND_TO_REPRESENTATIVE].public_text == hand
    assert events[Action.ACCEPT].public_text == accepted and events[Action.ACCEPT].actor == lead.responsible
    assert events[Action.RELEASE].public_text == answer and events[Action.RELEASE].note == item.answer
    assert events[Action.REPLY].note == lead.replies.get().text
    assert lead.replied_at == events[Action.REPLY].created_at


def test_shifted_deadlines_keep_their_working_days_from_the_anchor():
    loop = Loop.__new__(Loop)
    loop._workdays = {}
    loop.today = dt.date(2027, 3, 10)
    for offset in (-6, -1, 0, 2, 3, 12):
        day = (workdays.add_workdays if offset >= 0 else workdays.subtract_workdays)(ANCHOR, abs(offset))
        assert workdays.workdays_between(loop.today, loop.shift(day)) == offset
    start = ANCHOR - dt.timedelta(days=400)
    for n in range(0, 420, 7):
        assert loop.add_workdays(start + dt.timedelta(days=n), 15) == workdays.add_workdays(
            start + dt.timedelta(days=n), 15
        )


def loop_rows():
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (Suggestion, Event, Assignment, Reply, Rating, ExtensionRequest, Supervision)
        },
        "users": get_user_model().objects.count(),
        "handlers": HandlingUnit.handlers.through.objects.count(),
        "suggestions": sorted(Suggestion.objects.values_list("pk", "stage", "outcome", "flagged", "updated_at")),
        "assignments": sorted(Assignment.objects.values_list("pk", "status", "reply_due", "responsible_id")),
    }


def test_a_run_a_month_later_moves_nothing_and_duplicates_nothing(output):
    before = loop_rows()
    later = timezone.localdate() + dt.timedelta(days=30)
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(later, dt.time(9))), tick=False):
        run_seed()
    assert loop_rows() == before


def test_a_suggestion_moved_on_by_a_user_is_left_alone_and_an_untouched_one_is_written_again(output):
    closed = list(Suggestion.objects.filter(stage=Stage.CLOSED, assignments__isnull=False).distinct()[:2])
    moved, reset = closed
    expected = Counter(reset.events.values_list("kind", "action"))
    assignments = sorted(reset.assignments.values_list("unit_id", "role", "status", "reply_due"))
    for item in closed:  # back to 汇总梳理, as if the loop never ran
        item.events.exclude(kind=Event.Kind.RECEIVED).delete()
        item.ratings.all().delete()
        item.assignments.all().delete()
    Suggestion.objects.filter(pk__in=[s.pk for s in closed]).update(stage=Stage.COLLECT, outcome="", closed_at=None)
    # … then a user hands one of them to a representative in the portal.
    Suggestion.objects.filter(pk=moved.pk).update(stage=Stage.ASSESS)
    Event.objects.create(
        suggestion=moved, kind=Event.Kind.ACTION, action=Action.HAND_TO_REPRESENTATIVE, from_stage="collect"
    )
    run_seed()
    moved.refresh_from_db()
    reset.refresh_from_db()
    assert moved.stage == Stage.ASSESS and not moved.assignments.exists() and not moved.ratings.exists()
    assert reset.stage == Stage.CLOSED
    assert Counter(reset.events.values_list("kind", "action")) == expected
    assert sorted(reset.assignments.values_list("unit_id", "role", "status", "reply_due")) == assignments


def test_the_output_sums_up_the_loop(output):
    line = next(line for line in output.splitlines() if line.startswith("Loop:"))
    for stage in Stage.values:
        assert f"{Suggestion.objects.filter(stage=stage).count()} {stage}" in line
    assert "1 flagged" in line
