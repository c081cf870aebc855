"""Generate a large, realistic data set for the benchmarks (never for production).

    python manage.py bench_data --suggestions 200000 --stations 500 --representatives 2000 --units 80 --reset
    python manage.py bench_data --remove          # only remove what an earlier run made

Builds one city "基准市" of 10 counties and 50 townships, with bulk inserts in batches:

* stations of mixed kinds (mostly township stations; community liaison points, under the
  township's station where it has one; industry-chain stations), each with a head, a reception
  rule and a random share of the "九有六簿一册" standardisation items met (a few all, some none);
* representatives resident at the stations (round robin), with congress memberships and a portal
  account each (``bench_rep_…``: events name the assessor who assigned, answered or marked an item,
  which the scoring reads); handling units;
* suggestions spread over two years in every stage (the weights of ``STAGE_WEIGHTS``), each with a
  timeline consistent with its stage: received → handed to a resident representative (the assessor)
  → assigned to a lead unit (~15 % also a co-unit, ~2 % first misrouted and returned) → replied
  (~15 % after the deadline, ``reply_workdays`` on the statutory calendar) → answer released →
  rated or closed unrated; stage-change events, replies and ratings to match (~5 % of the rated
  items were reopened once after an unsatisfied rating); ~1 % of the open items flagged, ~1 %
  marked for a formal proposal; open assignments pending, accepted or overdue as their dates say;
* reception days over two years and the next four weeks (weekly, some monthly; a few cancelled),
  each with three resident representatives on duty, 0–4 visits on a held day and the days
  without a visit flagged as missed;
* activities over two years (``--activities``, default 40 per station) with 1–5 participating
  representatives each.

Timestamps Django would set to "now" (``auto_now_add``) are written as generated: those fields
are switched off for the duration of the inserts. Working days come from ``core.workdays``,
read once for the whole span. The random choices follow ``--seed``; dates are relative to today.

Reference data is get-or-created and shared, so it is left in place by ``--reset``: categories,
activity kinds, the standardisation items of the group "九有六簿一册" (created when fewer than ten)
and the default scoring rules (created when there are none). Everything else hangs under the city
"基准市" (or is one of its users bench_admin, bench_staff and bench_rep_…, or a "基准市" industry
chain), and ``--reset`` removes that first, bottom up with one DELETE per table, so it never
touches other data.
"""

import contextlib
import datetime as dt
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from activities.models import Activity, ActivityKind, ActivityPhoto, ScoringRule
from core import workdays
from core.codes import new_code, new_tracking_code
from representatives.models import CongressMembership, Representative, Residency
from stations.models import IndustryChain, ReceptionDay, ReceptionRule, Region, StandardItem, Station, Visit
from suggestions.loop.actions import DEFAULT_DAYS
from suggestions.models import (
    Assignment,
    Attachment,
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
    Urgency,
)
from suggestions.workflow import Action

CITY = "基准市"
USERS = ("bench_admin", "bench_staff")  # never other "bench_" users: ``bench sweep`` keeps its own
REP_USERS = "bench_rep_"  # the representatives' portal accounts: the scoring reads who acted from events
BATCH = 5000
SPAN_DAYS = 730  # two years of history
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红春梅海燕文博宇浩然欣怡子涵"
TOPICS = [
    ("小区电梯频繁故障", "电梯三天两头停运，老人上下楼困难，物业维修不及时。"),
    ("道路破损积水", "路面坑洼多，雨天积水严重，影响出行安全。"),
    ("学校学位紧张", "安置房片区孩子上学难，希望调整学校布点。"),
    ("企业用电报装慢", "新厂房用电报装等待时间长，影响投产。"),
    ("便民市场占道经营", "早高峰摊贩占道，交通拥堵，希望规范管理。"),
    ("不动产权证办理难", "安置房交房多年仍未办理不动产权证。"),
    ("公交站点设置不合理", "小区门口没有公交站点，出行不便。"),
    ("农田灌溉渠道淤堵", "灌溉渠多年未清淤，影响浇地。"),
    ("物业收费不透明", "物业费用支出不公开，业主意见大。"),
    ("企业融资困难", "小微企业贷款门槛高，希望对接金融机构。"),
]
CATEGORIES = ["城建交通", "教育", "营商环境", "物业管理", "农业农村", "社会保障", "医疗卫生", "生态环境", "其他"]
STAGE_WEIGHTS = [(Stage.COLLECT, 5), (Stage.ASSESS, 8), (Stage.ASSIGN, 17), (Stage.FEEDBACK, 10), (Stage.CLOSED, 60)]
ASSIGNED_STAGES = (Stage.ASSIGN, Stage.FEEDBACK, Stage.CLOSED)
OPEN_STAGES = (Stage.COLLECT, Stage.ASSESS, Stage.ASSIGN, Stage.FEEDBACK)
OUTCOME_WEIGHTS = [(Outcome.SATISFIED, 62), (Outcome.BASICALLY_SATISFIED, 25), (Outcome.UNRATED, 13)]
RESULT_WEIGHTS = [(Reply.Result.SOLVED, 55), (Reply.Result.PARTLY, 25), (Reply.Result.EXPLAINED, 20)]
REPLY_TEXTS = {
    Reply.Result.SOLVED: "经现场核实，问题已整改到位，并已电话告知群众。",
    Reply.Result.PARTLY: "已完成部分整改，剩余事项列入下一阶段计划，预计年内完成。",
    Reply.Result.EXPLAINED: "经研究，该事项受政策和资金限制暂不能解决，已向群众解释说明。",
}
STATION_KINDS = [(Station.Kind.TOWNSHIP, 70), (Station.Kind.COMMUNITY, 20), (Station.Kind.INDUSTRY_CHAIN, 10)]
INDUSTRY_CHAINS = ["基准市装备制造产业链", "基准市食品加工产业链", "基准市新材料产业链"]
STANDARD_GROUP = "九有六簿一册"
STANDARD_ITEMS = [
    ("有场所", "有固定的活动场所"),
    ("有牌子", "有统一的标识标牌"),
    ("有制度", "有工作制度并上墙"),
    ("有经费", "有工作经费保障"),
    ("有人员", "有专人负责日常工作"),
    ("有计划", "有年度活动计划"),
    ("有活动", "有经常性的代表活动"),
    ("有台账", "有接待登记等六本台账"),
    ("有成效", "有办理群众意见的成效"),
    ("有档案册", "有代表履职档案册"),
]
ACTIVITY_KINDS = ["进园区", "进企业", "进工地", "进乡村", "调研", "视察", "执法检查", "专业小组活动", "立法调研"]
ACTIVITY_PLACES = [
    "高新区产业园",
    "经开区标准厂房",
    "城东安置小区",
    "老旧小区改造工地",
    "乡村振兴示范村",
    "社区卫生服务中心",
]
ACTIVITY_SUBJECTS = ["营商环境", "老旧小区改造", "农村人居环境整治", "食品安全", "安全生产", "义务教育", "养老服务"]
VISIT_ANSWERS = "已当场解释政策，群众表示理解。"
DEFAULT_SCORING = [  # basis, points, cap (None: no cap), within working days
    (ScoringRule.Basis.DUTY, "2.0", "20", None),
    (ScoringRule.Basis.TRIAGE, "1.0", "20", 3),
    (ScoringRule.Basis.SATISFIED, "2.0", "30", None),
    (ScoringRule.Basis.PROPOSAL, "5.0", None, None),
]
ACTIVITY_POINTS, ACTIVITY_CAP = "1.5", "15"

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)

# The auto_now / auto_now_add fields the generator writes itself (see ``explicit_timestamps``).
TIMESTAMPS = [
    (Suggestion, "created_at"),
    (Suggestion, "updated_at"),
    (Event, "created_at"),
    (Assignment, "created_at"),
    (Reply, "created_at"),
    (Rating, "created_at"),
    (ReceptionDay, "created_at"),
    (Visit, "created_at"),
    (Activity, "created_at"),
]


@contextlib.contextmanager
def explicit_timestamps():
    """Let bulk inserts keep the generated ``created_at`` / ``updated_at`` instead of "now".

    One INSERT with the right values instead of an INSERT and an UPDATE of every row. The fields
    are restored on the way out; the command is single-threaded.
    """
    fields = [model._meta.get_field(name) for model, name in TIMESTAMPS]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class WorkCalendar:
    """``core.workdays`` over a fixed span, read once: exact, and a list lookup per call."""

    def __init__(self, first: dt.date, last: dt.date):
        self.first = first
        self.workdays = []  # working days after ``first``, in order
        self.cumulative = []  # per day of the span: working days after ``first`` up to and including it
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            if offset and workdays.is_workday(day):
                self.workdays.append(day)
            self.cumulative.append(len(self.workdays))

    def between(self, start: dt.date, end: dt.date) -> int:
        """As ``workdays.workdays_between``."""
        return self.cumulative[(end - self.first).days] - self.cumulative[(start - self.first).days]

    def add(self, start: dt.date, days: int) -> dt.date:
        """As ``workdays.add_workdays`` for ``days`` ≥ 1."""
        return self.workdays[self.cumulative[(start - self.first).days] + days - 1]


def weighted(pairs):
    return [value for value, weight in pairs for _ in range(weight)]


def span(rng, low: float, high: float) -> dt.timedelta:
    """A random duration between ``low`` and ``high`` days."""
    return dt.timedelta(days=rng.uniform(low, high))


class Command(BaseCommand):
    help = "Generate a benchmark data set under the city 基准市."

    def add_arguments(self, parser):
        parser.add_argument("--suggestions", type=int, default=200_000)
        parser.add_argument("--stations", type=int, default=500)
        parser.add_argument("--representatives", type=int, default=2_000)
        parser.add_argument("--units", type=int, default=80)
        parser.add_argument("--activities", type=int, default=None, help="Default: 40 per station.")
        parser.add_argument("--reset", action="store_true", help="Remove the benchmark city's data first.")
        parser.add_argument("--remove", action="store_true", help="Only remove the benchmark city's data.")
        parser.add_argument("--seed", type=int, default=20261127)

    def handle(self, *args, suggestions, stations, representatives, units, reset, remove, seed, **options):
        rng = random.Random(seed)
        started = time.perf_counter()
        self.timings = []
        if reset or remove:
            self._timed("reset", self._reset)
            if remove:
                self.stdout.write(f"Removed {CITY} in {time.perf_counter() - started:.1f} s.")
                return
        if Region.objects.filter(name=CITY, parent=None).exists():
            self.stdout.write(f"{CITY} already exists; use --reset to rebuild.")
            return
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.today = timezone.localdate(self.now)
        self.calendar = WorkCalendar(
            self.today - dt.timedelta(days=SPAN_DAYS + 200), self.today + dt.timedelta(days=200)
        )
        activities = stations * 40 if options["activities"] is None else options["activities"]
        with explicit_timestamps():
            with transaction.atomic():
                city, station_objs = self._timed("stations", self._places, rng, stations)
                reps = self._timed("representatives", self._representatives, rng, representatives, station_objs, city)
                self.residents = self._timed("heads and standard items", self._station_details, rng, station_objs)
                unit_ids = self._units(units, city)
                self._users(city, station_objs[0])
            categories = [Category.objects.get_or_create(name=name)[0] for name in CATEGORIES]
            self._timed("suggestions", self._suggestions, rng, suggestions, station_objs, categories, reps, unit_ids)
            self._timed("reception days", self._reception_days, rng, station_objs)
            self._timed("activities", self._activities, rng, activities, station_objs, reps)
        self._summary(city, time.perf_counter() - started)

    def _timed(self, label, function, *args):
        started = time.perf_counter()
        result = function(*args)
        self.timings.append((label, time.perf_counter() - started))
        return result

    def _summary(self, city, total):
        station_ids = Station.objects.filter(region__path__startswith=city.path).values("pk")
        suggestions = Suggestion.objects.filter(station__in=station_ids)
        counts = [
            ("stations", Station.objects.filter(pk__in=station_ids)),
            ("representatives", Representative.objects.filter(residencies__station__in=station_ids).distinct()),
            ("handling units", HandlingUnit.objects.filter(region=city)),
            ("suggestions", suggestions),
            ("events", Event.objects.filter(suggestion__in=suggestions.values("pk"))),
            ("assignments", Assignment.objects.filter(suggestion__in=suggestions.values("pk"))),
            ("replies", Reply.objects.filter(assignment__suggestion__in=suggestions.values("pk"))),
            ("ratings", Rating.objects.filter(suggestion__in=suggestions.values("pk"))),
            ("reception days", ReceptionDay.objects.filter(station__in=station_ids)),
            ("visits", Visit.objects.filter(reception_day__station__in=station_ids)),
            ("activities", Activity.objects.filter(station__in=station_ids)),
        ]
        self.stdout.write(f"{CITY}:")
        for label, queryset in counts:
            self.stdout.write(f"  {label:16} {queryset.count():>9,}")
        for stage in Stage.values:
            self.stdout.write(f"  {'stage ' + stage:16} {suggestions.filter(stage=stage).count():>9,}")
        self.stdout.write("Timings:")
        for label, seconds in self.timings:
            self.stdout.write(f"  {label:24} {seconds:7.1f} s")
        self.stdout.write(f"Built in {total:.1f} s.")

    # Reset ------------------------------------------------------------------------------

    def _reset(self):
        """Remove the city's tree bottom up: one DELETE per table, no rows loaded into Python."""
        city = Region.objects.filter(name=CITY, parent=None).first()
        if city is None:
            return
        with transaction.atomic():
            stations = Station.objects.filter(region__path__startswith=city.path).values("pk")
            station_ids = list(stations.values_list("pk", flat=True))
            # The generator's representatives: its "BQ" codes, resident at its stations.
            rep_ids = list(
                Representative.objects.filter(code__startswith="BQ", residencies__station__in=station_ids)
                .distinct()
                .values_list("pk", flat=True)
            )
            suggestions = Suggestion.objects.filter(station__in=station_ids).values("pk")
            assignments = Assignment.objects.filter(suggestion__in=suggestions).values("pk")
            activities = Activity.objects.filter(station__in=station_ids).values("pk")
            days = ReceptionDay.objects.filter(station__in=station_ids).values("pk")
            visits = Visit.objects.filter(reception_day__in=days).values("pk")
            for queryset in [
                Activity.representatives.through.objects.filter(activity__in=activities),
                ActivityPhoto.objects.filter(activity__in=activities),
                Activity.objects.filter(pk__in=activities),
                Reply.objects.filter(assignment__in=assignments),
                Supervision.objects.filter(assignment__in=assignments),
                ExtensionRequest.objects.filter(assignment__in=assignments),
                Assignment.objects.filter(pk__in=assignments),
                Rating.objects.filter(suggestion__in=suggestions),
                Event.objects.filter(suggestion__in=suggestions),
                Attachment.objects.filter(suggestion__in=suggestions),
                Suggestion.objects.filter(pk__in=suggestions),
                Visit.received_by.through.objects.filter(visit__in=visits),
                Visit.objects.filter(pk__in=visits),
                ReceptionDay.on_duty.through.objects.filter(receptionday__in=days),
                ReceptionDay.objects.filter(pk__in=days),
                ReceptionRule.objects.filter(station__in=station_ids),
                Station.standard_items_met.through.objects.filter(station__in=station_ids),
                Station.staff.through.objects.filter(station__in=station_ids),
                Residency.objects.filter(station__in=station_ids),
                CongressMembership.objects.filter(representative__in=rep_ids),
            ]:
                # A plain DELETE … WHERE: the rows below were removed first, so nothing cascades.
                queryset._raw_delete(queryset.db)
            Station.objects.filter(pk__in=station_ids).update(head=None, parent=None)
            Representative.objects.filter(pk__in=rep_ids).delete()
            units = HandlingUnit.objects.filter(region__path__startswith=city.path)
            HandlingUnit.handlers.through.objects.filter(handlingunit__in=units.values("pk")).delete()
            units.delete()
            Station.objects.filter(pk__in=station_ids).delete()
            IndustryChain.objects.filter(name__in=INDUSTRY_CHAINS, stations__isnull=True).delete()
            users = get_user_model().objects
            users.filter(Q(username__in=USERS) | Q(username__startswith=REP_USERS)).delete()
            for region in Region.objects.filter(path__startswith=city.path).order_by("-path"):
                region.delete()

    # Places and people -------------------------------------------------------------------

    def _places(self, rng, count):
        city = Region.objects.create(name=CITY, level=Region.Level.CITY)
        counties = [
            Region.objects.create(name=f"第{i + 1}区", level=Region.Level.COUNTY, parent=city) for i in range(10)
        ]
        townships = [
            Region.objects.create(name=f"{county.name}第{j + 1}街道", level=Region.Level.TOWNSHIP, parent=county)
            for county in counties
            for j in range(5)
        ]
        chains = []
        for name in INDUSTRY_CHAINS:
            chains.append(IndustryChain.objects.get_or_create(name=name, defaults={"parks_count": 3})[0])
        kinds = weighted(STATION_KINDS)
        created = self.now - dt.timedelta(days=SPAN_DAYS + 30)
        stations = []
        for i in range(count):
            kind = kinds[rng.randrange(len(kinds))]
            stations.append(
                Station(
                    name=f"基准联络站{i + 1:04d}",
                    kind=kind,
                    region=townships[i % len(townships)],
                    industry_chain=chains[i % len(chains)] if kind == Station.Kind.INDUSTRY_CHAIN else None,
                    is_legislative_contact_point=rng.random() < 0.05,
                    address=f"基准市人民路{i + 1}号",
                    opening_hours="每周三 9:00-12:00",
                    phone=f"0371-{rng.randrange(10**7, 10**8)}",
                    code=new_code(),
                    created_at=created,
                    updated_at=created,
                )
            )
        Station.objects.bulk_create(stations, batch_size=BATCH)
        stations = list(Station.objects.filter(region__path__startswith=city.path).select_related("region"))
        # A community point hangs under the township's first township station, if it has one.
        first_in_township = {}
        for station in sorted(stations, key=lambda s: s.pk):
            if station.kind == Station.Kind.TOWNSHIP:
                first_in_township.setdefault(station.region_id, station)
        points = [s for s in stations if s.kind == Station.Kind.COMMUNITY and s.region_id in first_in_township]
        for point in points:
            point.parent = first_in_township[point.region_id]
        Station.objects.bulk_update(points, ["parent"], batch_size=BATCH)
        return city, stations

    def _representatives(self, rng, count, stations, city):
        reps = [
            Representative(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                gender=rng.choice(["male", "female"]),
                phone=f"139{rng.randrange(10**8):08d}",
                code="BQ" + new_code(6),
            )
            for _ in range(count)
        ]
        reps = Representative.objects.bulk_create(reps, batch_size=BATCH)
        # A portal account each (one password hash for all): events name the representative who acted.
        password = make_password("Liaison@2026")
        users = get_user_model().objects.bulk_create(
            [
                get_user_model()(username=f"{REP_USERS}{i + 1:05d}", password=password, full_name=rep.name)
                for i, rep in enumerate(reps)
            ],
            batch_size=BATCH,
        )
        for rep, user in zip(reps, users, strict=True):
            rep.user_id = user.pk
        Representative.objects.bulk_update(reps, ["user"], batch_size=BATCH)
        self.rep_users = {rep.pk: rep.user_id for rep in reps}
        CongressMembership.objects.bulk_create(
            [
                CongressMembership(
                    representative=r, level=rng.choice(["city", "county", "township"]), term="第十五届", region=city
                )
                for r in reps
            ],
            batch_size=BATCH,
        )
        since = self.today - dt.timedelta(days=SPAN_DAYS + 30)
        Residency.objects.bulk_create(
            [
                Residency(representative=rep, station=stations[i % len(stations)], since=since)
                for i, rep in enumerate(reps)
            ],
            batch_size=BATCH,
        )
        return reps

    def _station_details(self, rng, stations):
        """Heads, standardisation items met and reception rules; returns the resident ids per station."""
        residents = {station.pk: [] for station in stations}
        for station_id, rep_id in Residency.objects.filter(station__in=[s.pk for s in stations]).values_list(
            "station_id", "representative_id"
        ):
            residents[station_id].append(rep_id)
        for station in stations:
            residents[station.pk].sort()
            station.head_id = residents[station.pk][0] if residents[station.pk] else None
        Station.objects.bulk_update(stations, ["head"], batch_size=BATCH)

        have = set(StandardItem.objects.filter(group=STANDARD_GROUP).values_list("name", flat=True))
        if len(have) < len(STANDARD_ITEMS):
            StandardItem.objects.bulk_create(
                [
                    StandardItem(group=STANDARD_GROUP, name=name, description=description, order=order)
                    for order, (name, description) in enumerate(STANDARD_ITEMS, start=1)
                    if name not in have
                ],
                ignore_conflicts=True,
            )
        items = list(
            StandardItem.objects.filter(group=STANDARD_GROUP, is_active=True)
            .order_by("order", "pk")
            .values_list("pk", flat=True)
        )
        met = Station.standard_items_met.through
        rows = []
        for station in stations:
            # A few stations meet every item, most some of them, a fifth none yet.
            share = 1.0 if rng.random() < 0.1 else (0.0 if rng.random() < 0.2 else rng.random())
            rows += [met(station_id=station.pk, standarditem_id=item) for item in items if rng.random() < share]
        met.objects.bulk_create(rows, batch_size=BATCH)

        rules = []
        for station in stations:
            morning = rng.random() < 0.7
            start, end = (dt.time(9), dt.time(11, 30)) if morning else (dt.time(14, 30), dt.time(17))
            if rng.random() < 0.85:
                rule = ReceptionRule(station=station, kind=ReceptionRule.Kind.WEEKLY, weekday=rng.randrange(5))
            else:
                rule = ReceptionRule(station=station, kind=ReceptionRule.Kind.MONTHLY, day_of_month=rng.randint(1, 28))
            rule.start_time, rule.end_time = start, end
            rule.starts_on = self.today - dt.timedelta(days=SPAN_DAYS + 30)
            rules.append(rule)
        ReceptionRule.objects.bulk_create(rules, batch_size=BATCH)
        self.rules = {rule.station_id: rule for rule in ReceptionRule.objects.filter(station__in=stations)}
        return residents

    def _units(self, count, city):
        HandlingUnit.objects.bulk_create(
            [
                HandlingUnit(name=f"基准市第{i + 1}承办单位", short_name=f"承办{i + 1}", region=city)
                for i in range(count)
            ],
            batch_size=BATCH,
        )
        units = HandlingUnit.objects.filter(region=city).order_by("pk")
        self.unit_names = dict(units.values_list("pk", "name"))
        return list(self.unit_names)

    def _users(self, city, station):
        users = get_user_model().objects
        admin = users.create_user(USERS[0], password="Liaison@2026", full_name="基准工委")
        city.committee_admins.add(admin)
        staff = users.create_user(USERS[1], password="Liaison@2026", full_name="基准站务")
        station.staff.add(staff)

    # Suggestions -------------------------------------------------------------------------

    def _suggestions(self, rng, count, stations, categories, reps, unit_ids):
        stages = weighted(STAGE_WEIGHTS)
        channels = list(Channel.values)
        self.outcomes = weighted(OUTCOME_WEIGHTS)
        self.results = weighted(RESULT_WEIGHTS)
        made = 0
        while made < count:
            size = min(BATCH, count - made)
            batch, plans = [], []
            for _ in range(size):
                station = stations[rng.randrange(len(stations))]
                residents = self.residents[station.pk]
                title, content = TOPICS[rng.randrange(len(TOPICS))]
                enterprise = rng.random() < 0.1
                stage = stages[rng.randrange(len(stages))]
                plan = self._timeline(rng, stage)
                addressed = residents[rng.randrange(len(residents))] if residents and rng.random() < 0.2 else None
                suggestion = Suggestion(
                    tracking_code=new_tracking_code(),
                    title=title,
                    content=content,
                    station=station,
                    region_id=station.region_id,
                    category=categories[rng.randrange(len(categories))],
                    representative_id=addressed,
                    channel=Channel.QR_REPRESENTATIVE if addressed else channels[rng.randrange(len(channels))],
                    stage=stage,
                    urgency=Urgency.URGENT if rng.random() < 0.04 else Urgency.NORMAL,
                    is_enterprise=enterprise,
                    enterprise_name="某某科技有限公司" if enterprise else "",
                    submitter_name=rng.choice(SURNAMES) + "先生" if rng.random() < 0.5 else "",
                    submitter_phone=f"138{rng.randrange(10**8):08d}" if rng.random() < 0.5 else "",
                    received_at=plan["received"],
                    created_at=plan["received"] + dt.timedelta(minutes=rng.randrange(1, 30)),
                )
                self._fill(rng, suggestion, plan, residents, unit_ids)
                batch.append(suggestion)
                plans.append(plan)
            with transaction.atomic():
                created = Suggestion.objects.bulk_create(batch)
                self._related(rng, created, plans)
            made += size
            self.stdout.write(f"  {made}/{count} suggestions", ending="\r")
        self.stdout.write("")

    def _timeline(self, rng, stage) -> dict:
        """When each step happened, consistent with ``stage``: past steps before now, the current one open."""
        now = self.now
        triage = span(rng, 0.05, 2.5) if rng.random() < 0.8 else span(rng, 3, 8)  # received → handed over
        assess = span(rng, 0.2, 4)  # handed over → assigned
        returned = stage in ASSIGNED_STAGES and rng.random() < 0.02
        if returned:
            assess += span(rng, 2, 5)  # a first unit returned it as misrouted
        reply = span(rng, 1, 19) if rng.random() < 0.85 else span(rng, 23, 40)  # assigned → replied
        plan = {"stage": stage}
        if stage == Stage.COLLECT:
            plan["received"] = now - (span(rng, 0, 3) if rng.random() < 0.9 else span(rng, 3, 40))
            return plan
        if stage == Stage.ASSESS:
            handed = now - (span(rng, 0, 5) if rng.random() < 0.85 else span(rng, 5, 60))
            plan.update(received=handed - triage, handed=handed)
            return plan
        if stage == Stage.ASSIGN:
            assigned = now - (span(rng, 0, 20) if rng.random() < 0.8 else span(rng, 20, 150))
        elif stage == Stage.FEEDBACK:
            replied = now - span(rng, 0.05, 10)
            assigned = replied - reply
            plan["replied"] = replied
            if rng.random() < 0.6:
                plan["released"] = replied + min(span(rng, 0.05, 3), (now - replied) * 0.9)
        else:
            release = span(rng, 0.05, 3)
            outcome = self.outcomes[rng.randrange(len(self.outcomes))]
            redo = outcome != Outcome.UNRATED and rng.random() < 0.05
            rejected, answered, rated = span(rng, 0.5, 5), span(rng, 2, 10), span(rng, 0.05, 7)
            received = now - span(rng, 0, SPAN_DAYS)
            while True:
                assigned = received + triage + assess
                replied = assigned + reply
                released = replied + release
                plan.update(replied=replied, released=released, outcome=outcome, redo=redo)
                if redo:
                    plan["rejected"] = released + rejected
                    released = plan["released_again"] = plan["rejected"] + answered
                if outcome == Outcome.UNRATED:
                    due = self.calendar.add(timezone.localdate(released, self.tz), DEFAULT_DAYS["rating_days"])
                    closed = dt.datetime.combine(due + DAY, dt.time(1), tzinfo=self.tz)
                else:
                    closed = released + rated
                if closed <= now - HOUR:
                    break
                received -= (closed - now) + span(rng, 1, 30)
            plan["closed"] = closed
        plan.update(received=assigned - assess - triage, handed=assigned - assess, assigned=assigned)
        if returned:
            plan["misrouted"] = plan["handed"] + span(rng, 0.05, 0.5)
            plan["returned"] = plan["misrouted"] + span(rng, 0.3, 1.5)
        return plan

    def _fill(self, rng, suggestion, plan, residents, unit_ids):
        """The suggestion's own fields for its plan, and the units it goes to."""
        stage = plan["stage"]
        if stage != Stage.COLLECT and residents and rng.random() < 0.95:
            suggestion.assessor_id = suggestion.representative_id or residents[rng.randrange(len(residents))]
        suggestion.stage_changed_at = {
            Stage.COLLECT: None,
            Stage.ASSESS: plan.get("handed"),
            Stage.ASSIGN: plan.get("assigned"),
            Stage.FEEDBACK: plan.get("replied"),
            Stage.CLOSED: plan.get("closed"),
        }[stage]
        suggestion.updated_at = plan.get("closed") or plan.get("released") or suggestion.stage_changed_at
        suggestion.updated_at = max(suggestion.updated_at or suggestion.created_at, suggestion.created_at)
        if stage in OPEN_STAGES and rng.random() < 0.01:
            suggestion.flagged = True
            entered = suggestion.stage_changed_at or suggestion.received_at
            plan["flagged"] = entered + (self.now - entered) * rng.uniform(0.1, 0.9)
        if stage != Stage.COLLECT and suggestion.assessor_id and rng.random() < 0.01:
            suggestion.marked_for_proposal = True
            plan["proposal"] = plan["handed"] + span(rng, 0.01, 0.2)
        if stage not in ASSIGNED_STAGES:
            return
        units = rng.sample(unit_ids, min(3, len(unit_ids)))
        plan["lead"] = units[0]
        plan["co"] = units[1] if len(units) > 1 and rng.random() < 0.15 else None
        plan["misrouted_to"] = units[-1] if "misrouted" in plan and len(units) > 2 else None
        if stage == Stage.ASSIGN:
            return
        plan["result"] = self.results[rng.randrange(len(self.results))]
        suggestion.answer = f"{self.unit_names[plan['lead']]}答复：{REPLY_TEXTS[plan['result']]}"
        if plan.get("redo"):
            suggestion.redo_count = 1
            suggestion.answer += "经代表再次督促，承办单位已进一步落实。"
        if "released" in plan:
            released = plan.get("released_again") or plan["released"]
            suggestion.answer_released_at = released
            suggestion.rating_due = self.calendar.add(
                timezone.localdate(released, self.tz), DEFAULT_DAYS["rating_days"]
            )
        if stage == Stage.CLOSED:
            suggestion.outcome = plan["outcome"]
            suggestion.closed_at = plan["closed"]

    def _related(self, rng, suggestions, plans):
        """Events, assignments, replies and ratings of one batch of inserted suggestions."""
        events, assignments, ratings = [], [], []
        replies = []  # (index into assignments, result, text, created)
        for suggestion, plan in zip(suggestions, plans, strict=True):
            sid = suggestion.pk
            stage = plan["stage"]

            # The assessor takes the representative's steps (assign, answer, mark for a proposal).
            assessor = self.rep_users.get(suggestion.assessor_id)

            def event(action, from_stage, to_stage, at, public_text="", sid=sid, actor=None):
                events.append(
                    Event(
                        suggestion_id=sid,
                        kind=Event.Kind.ACTION,
                        action=action,
                        from_stage=from_stage,
                        to_stage=to_stage,
                        actor_id=actor,
                        public_text=public_text,
                        created_at=at,
                    )
                )

            events.append(
                Event(suggestion_id=sid, kind=Event.Kind.RECEIVED, public_text="已收到", created_at=plan["received"])
            )
            if "handed" in plan:
                event(Action.HAND_TO_REPRESENTATIVE, Stage.COLLECT, Stage.ASSESS, plan["handed"], "已转交代表研判。")
            if "proposal" in plan:
                event(
                    Action.MARK_PROPOSAL,
                    Stage.ASSESS,
                    Stage.ASSESS,
                    plan["proposal"],
                    "已列入代表建议。",
                    actor=assessor,
                )
            if "flagged" in plan:
                event(Action.FLAG, stage, stage, plan["flagged"])
            if stage not in ASSIGNED_STAGES:
                continue
            open_flag = suggestion.flagged and stage == Stage.ASSIGN
            if plan["misrouted_to"]:
                misrouted = plan["misrouted"]
                event(Action.ASSIGN, Stage.ASSESS, Stage.ASSIGN, misrouted, "已交办承办单位。", actor=assessor)
                event(Action.RETURN_MISROUTED, Stage.ASSIGN, Stage.ASSESS, plan["returned"])
                assignments.append(
                    self._assignment(
                        sid, plan["misrouted_to"], Assignment.Role.LEAD, misrouted, Assignment.Status.RETURNED
                    )
                )
                assignments[-1].return_reason = "该事项不属于本单位职责范围，建议交由属地街道办理。"
            assigned = plan["assigned"]
            event(Action.ASSIGN, Stage.ASSESS, Stage.ASSIGN, assigned, "已交办承办单位。", actor=assessor)
            lead = self._assignment(sid, plan["lead"], Assignment.Role.LEAD, assigned, flagged=open_flag)
            assignments.append(lead)
            lead_index = len(assignments) - 1
            co = None
            if plan["co"]:
                co = self._assignment(sid, plan["co"], Assignment.Role.CO, assigned, flagged=open_flag)
                assignments.append(co)
            if stage == Stage.ASSIGN:
                for assignment in filter(None, (lead, co)):
                    self._open_status(rng, assignment, co_may_reply=assignment is co)
                if co is not None and co.status == Assignment.Status.REPLIED:
                    replies.append((len(assignments) - 1, Reply.Result.OPINION, "协办意见：同意主办单位意见。"))
                continue
            replied = plan["replied"]
            self._replied(rng, lead, replied)
            replies.append((lead_index, plan["result"], REPLY_TEXTS[plan["result"]]))
            if co is not None:
                self._replied(rng, co, assigned + (replied - assigned) * rng.uniform(0.3, 0.95))
                replies.append((len(assignments) - 1, Reply.Result.OPINION, "协办意见：同意主办单位意见。"))
            event(Action.REPLY, Stage.ASSIGN, Stage.FEEDBACK, replied, "承办单位已答复。")
            if "released" in plan:
                event(Action.RELEASE, Stage.FEEDBACK, Stage.FEEDBACK, plan["released"], "答复已发布。")
            if stage == Stage.FEEDBACK:
                continue
            if plan["redo"]:
                rejected = plan["rejected"]
                event(Action.RATE_REJECT, Stage.FEEDBACK, Stage.ASSESS, rejected, "您对答复不满意，代表将继续跟进。")
                ratings.append(
                    Rating(
                        suggestion_id=sid,
                        verdict=Rating.Verdict.UNSATISFIED,
                        comment="问题没有解决。",
                        round=0,
                        created_at=rejected,
                    )
                )
                again = plan["released_again"]
                answered = again - HOUR * rng.uniform(0.5, 3)
                event(Action.ANSWER_DIRECTLY, Stage.ASSESS, Stage.FEEDBACK, answered, actor=assessor)
                event(Action.RELEASE, Stage.FEEDBACK, Stage.FEEDBACK, again, "答复已发布。")
            closed = plan["closed"]
            if plan["outcome"] == Outcome.UNRATED:
                event(Action.CLOSE_UNRATED, Stage.FEEDBACK, Stage.CLOSED, closed, "评价期限已过，已办结。")
            else:
                event(Action.RATE_ACCEPT, Stage.FEEDBACK, Stage.CLOSED, closed, "已评价，已办结。")
                ratings.append(
                    Rating(
                        suggestion_id=sid,
                        verdict=plan["outcome"],
                        round=suggestion.redo_count,
                        created_at=closed,
                    )
                )
        Event.objects.bulk_create(events, batch_size=BATCH)
        Assignment.objects.bulk_create(assignments, batch_size=BATCH)
        Reply.objects.bulk_create(
            [
                Reply(
                    assignment_id=assignments[index].pk,
                    result=result,
                    text=text,
                    created_at=assignments[index].replied_at,
                )
                for index, result, text in replies
            ],
            batch_size=BATCH,
        )
        Rating.objects.bulk_create(ratings, batch_size=BATCH)

    def _assignment(self, sid, unit_id, role, created, status=Assignment.Status.PENDING, flagged=False):
        day = timezone.localdate(created, self.tz)
        return Assignment(
            suggestion_id=sid,
            unit_id=unit_id,
            role=role,
            status=status,
            instructions="请按期办理并答复群众。",
            accept_due=self.calendar.add(day, DEFAULT_DAYS["accept_days"]),
            reply_due=self.calendar.add(day, DEFAULT_DAYS["reply_days"]),
            flagged=flagged,
            created_at=created,
        )

    def _open_status(self, rng, assignment, co_may_reply):
        """Pending (mostly the fresh ones, some not accepted in time), accepted, or a co-unit's opinion in."""
        age = self.now - assignment.created_at
        if rng.random() < (0.6 if age < 2 * DAY else 0.08):
            return
        assignment.status = Assignment.Status.ACCEPTED
        assignment.accepted_at = assignment.created_at + min(span(rng, 0.05, 2), age * 0.9)
        if co_may_reply and age > 3 * DAY and rng.random() < 0.4:
            replied = assignment.accepted_at + (self.now - assignment.accepted_at) * rng.uniform(0.3, 0.9)
            self._replied(rng, assignment, replied)
            assignment.flagged = False

    def _replied(self, rng, assignment, replied):
        if assignment.accepted_at is None:
            assignment.accepted_at = assignment.created_at + min(
                span(rng, 0.05, 2), (replied - assignment.created_at) / 2
            )
        assignment.status = Assignment.Status.REPLIED
        assignment.replied_at = replied
        assignment.reply_workdays = self.calendar.between(
            timezone.localdate(assignment.created_at, self.tz), timezone.localdate(replied, self.tz)
        )

    # Reception days ----------------------------------------------------------------------

    def _reception_days(self, rng, stations):
        first = self.today - dt.timedelta(days=SPAN_DAYS)
        last = self.today + dt.timedelta(days=28)
        on_duty = ReceptionDay.on_duty.through
        received_by = Visit.received_by.through
        for start in range(0, len(stations), 50):
            days, rosters, visits_per_day = [], [], []
            for station in stations[start : start + 50]:
                rule = self.rules[station.pk]
                residents = self.residents[station.pk]
                for date in self._rule_dates(rule, first, last):
                    past = date < self.today
                    day = ReceptionDay(
                        station_id=station.pk,
                        date=date,
                        start_time=rule.start_time,
                        end_time=rule.end_time,
                        rule=rule,
                        is_cancelled=rng.random() < (0.03 if past else 0.01),
                        created_at=dt.datetime.combine(date - dt.timedelta(days=14), dt.time(10), tzinfo=self.tz),
                    )
                    if day.is_cancelled:
                        day.note = "因故取消，顺延至下周。"
                    held = past and not day.is_cancelled and residents
                    visits_per_day.append(rng.choices(range(5), weights=(20, 25, 25, 18, 12))[0] if held else 0)
                    if held and not visits_per_day[-1]:
                        # The day ended with no visit logged: the sweep flagged it.
                        day.missed_flagged_at = dt.datetime.combine(date, rule.end_time, tzinfo=self.tz) + HOUR
                    days.append(day)
                    rosters.append(rng.sample(residents, min(3, len(residents))))
            ReceptionDay.objects.bulk_create(days, batch_size=BATCH)
            on_duty.objects.bulk_create(
                [
                    on_duty(receptionday_id=d.pk, representative_id=r)
                    for d, roster in zip(days, rosters, strict=True)
                    for r in roster
                ],
                batch_size=BATCH,
            )
            visits, visit_reps = [], []
            for day, roster, count in zip(days, rosters, visits_per_day, strict=True):
                opened = dt.datetime.combine(day.date, day.start_time, tzinfo=self.tz)
                for number in range(count):
                    title, content = TOPICS[rng.randrange(len(TOPICS))]
                    on_spot = rng.random() < 0.4
                    visits.append(
                        Visit(
                            reception_day_id=day.pk,
                            visitor_name=rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
                            visitor_phone=f"137{rng.randrange(10**8):08d}" if rng.random() < 0.6 else "",
                            summary=f"{title}：{content}",
                            answered_on_spot=on_spot,
                            spot_answer=VISIT_ANSWERS if on_spot else "",
                            created_at=opened + dt.timedelta(minutes=20 * number + rng.randrange(15)),
                        )
                    )
                    visit_reps.append(rng.sample(roster, min(len(roster), rng.randint(1, 2))))
            Visit.objects.bulk_create(visits, batch_size=BATCH)
            received_by.objects.bulk_create(
                [
                    received_by(visit_id=v.pk, representative_id=r)
                    for v, reps in zip(visits, visit_reps, strict=True)
                    for r in reps
                ],
                batch_size=BATCH,
            )

    @staticmethod
    def _rule_dates(rule, first, last):
        if rule.kind == ReceptionRule.Kind.WEEKLY:
            date = first + dt.timedelta(days=(rule.weekday - first.weekday()) % 7)
            while date <= last:
                yield date
                date += dt.timedelta(days=7)
            return
        year, month = first.year, first.month
        while True:
            date = dt.date(year, month, rule.day_of_month)
            if date > last:
                return
            if date >= first:
                yield date
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    # Activities --------------------------------------------------------------------------

    def _activities(self, rng, count, stations, reps):
        kinds = [
            ActivityKind.objects.get_or_create(name=name, defaults={"order": order})[0]
            for order, name in enumerate(ACTIVITY_KINDS, start=1)
        ]
        if not ScoringRule.objects.exists():
            rules = [
                ScoringRule(
                    basis=basis,
                    points=Decimal(points),
                    cap=Decimal(cap) if cap else None,
                    within_days=within,
                )
                for basis, points, cap, within in DEFAULT_SCORING
            ]
            rules += [
                ScoringRule(
                    basis=ScoringRule.Basis.ACTIVITY,
                    activity_kind=kind,
                    points=Decimal(ACTIVITY_POINTS),
                    cap=Decimal(ACTIVITY_CAP),
                )
                for kind in kinds
            ]
            ScoringRule.objects.bulk_create(rules)
        rep_ids = [rep.pk for rep in reps]
        # Some stations are far busier than others.
        weights = [rng.lognormvariate(0, 0.6) for _ in stations]
        through = Activity.representatives.through
        made = 0
        while made < count:
            size = min(BATCH, count - made)
            chosen = rng.choices(stations, weights=weights, k=size)
            batch, participants = [], []
            for station in chosen:
                if station.kind == Station.Kind.INDUSTRY_CHAIN and rng.random() < 0.6:
                    kind = kinds[rng.randrange(2)]  # 进园区, 进企业
                else:
                    kind = kinds[rng.randrange(len(kinds))]
                date = self.today - dt.timedelta(days=rng.randrange(SPAN_DAYS))
                if date.weekday() >= 5 and rng.random() < 0.7:
                    date -= dt.timedelta(days=date.weekday() - 4)  # mostly on working days
                place = ACTIVITY_PLACES[rng.randrange(len(ACTIVITY_PLACES))]
                subject = ACTIVITY_SUBJECTS[rng.randrange(len(ACTIVITY_SUBJECTS))]
                size_of_group = rng.randint(1, 5)
                pool = self.residents[station.pk] + rng.sample(rep_ids, min(6, len(rep_ids)))
                group = rng.sample(sorted(set(pool)), min(size_of_group, len(set(pool))))
                batch.append(
                    Activity(
                        kind=kind,
                        date=date,
                        station_id=station.pk,
                        title=f"{kind.name}：{place}{subject}",
                        summary=(
                            f"{len(group)}名代表赴{place}开展{kind.name}，围绕{subject}听取群众和企业意见，"
                            f"收集意见建议{rng.randint(0, 6)}条，现场协调解决问题{rng.randint(0, 3)}个。"
                        ),
                        created_at=dt.datetime.combine(
                            date + dt.timedelta(days=rng.randint(0, 3)), dt.time(17), self.tz
                        ),
                    )
                )
                participants.append(group)
            with transaction.atomic():
                Activity.objects.bulk_create(batch, batch_size=BATCH)
                through.objects.bulk_create(
                    [
                        through(activity_id=activity.pk, representative_id=rep_id)
                        for activity, group in zip(batch, participants, strict=True)
                        for rep_id in group
                    ],
                    batch_size=BATCH,
                )
            made += size
