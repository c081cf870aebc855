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
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import roles
from liaison.codes import TRACKING_CODE_LENGTH, is_well_formed, stable_code
from liaison.management.commands.seed_demo import Seeder
from representatives.models import CongressLevel, CongressMembership, ProfessionalGroup, Representative, Residency
from stations.models import IndustryChain, ReceptionDay, ReceptionRule, Region, StandardItem, Station, Visit
from stations.selectors import upcoming_reception_days
from suggestions.models import Category, Channel, Event, HandlingUnit, Stage, Suggestion

pytestmark = pytest.mark.django_db

PASSWORD = "liaison2026"
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
            )
        },
        "stations": sorted(Station.objects.values_list("code", "name", "head_id", "updated_at")),
        "representatives": sorted(Representative.objects.values_list("code", "name", "phone", "user_id")),
        "passwords": sorted(user_model.objects.values_list("username", "password")),
        "items_met": Station.standard_items_met.through.objects.count(),
        "suggestions": sorted(Suggestion.objects.values_list("tracking_code", "title", "visit_id", "updated_at")),
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
    assert set(suggestions.values_list("stage", flat=True)) == {Stage.COLLECT}
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
    assert not raised.exclude(submitter_name=F("visit__visitor_name")).exists()


def test_the_output_sums_up_the_intake(output):
    line = next(line for line in output.splitlines() if line.startswith("Intake:"))
    assert f"{Suggestion.objects.count()} suggestions" in line
    assert f"{Visit.objects.count()} visits" in line
