"""Generate a large, realistic data set for the benchmarks (never for production).

    python manage.py bench_data --suggestions 200000 --stations 500 --representatives 2000 --units 80

Builds one city of 10 counties, townships, stations, resident representatives,
handling units, categories and suggestions spread over two years in every
stage, with bulk inserts. Everything it makes hangs under the city "基准市", and
``--reset`` removes that tree first, so it never touches other data.
"""

import datetime as dt
import random
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from liaison.codes import new_code, new_tracking_code
from representatives.models import CongressMembership, Representative, Residency
from stations.models import Region, Station
from suggestions.models import Category, Channel, Event, HandlingUnit, Stage, Suggestion

CITY = "基准市"
BATCH = 5000
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


class Command(BaseCommand):
    help = "Generate a benchmark data set under the city 基准市."

    def add_arguments(self, parser):
        parser.add_argument("--suggestions", type=int, default=200_000)
        parser.add_argument("--stations", type=int, default=500)
        parser.add_argument("--representatives", type=int, default=2_000)
        parser.add_argument("--units", type=int, default=80)
        parser.add_argument("--reset", action="store_true", help="Remove the benchmark city's data first.")
        parser.add_argument("--seed", type=int, default=20261127)

    def handle(self, *args, suggestions, stations, representatives, units, reset, seed, **options):
        rng = random.Random(seed)
        started = time.perf_counter()
        if reset:
            self._reset()
        if Region.objects.filter(name=CITY, parent=None).exists():
            self.stdout.write(f"{CITY} already exists; use --reset to rebuild.")
            return
        with transaction.atomic():
            city, station_objs = self._places(stations)
            reps = self._representatives(rng, representatives, station_objs, city)
            self._units(units, city)
            self._users(city, station_objs[0], reps[0])
        categories = [Category.objects.get_or_create(name=name)[0] for name in CATEGORIES]
        self._suggestions(rng, suggestions, station_objs, categories, reps)
        self.stdout.write(
            f"Built {len(station_objs)} stations, {len(reps)} representatives, {units} units and "
            f"{suggestions} suggestions in {time.perf_counter() - started:.1f} s."
        )

    def _reset(self):
        city = Region.objects.filter(name=CITY, parent=None).first()
        if city is None:
            return
        with transaction.atomic():
            station_ids = Station.objects.filter(region__path__startswith=city.path).values("pk")
            Event.objects.filter(suggestion__station__in=station_ids).delete()
            Suggestion.objects.filter(station__in=station_ids).delete()
            Residency.objects.filter(station__in=station_ids).delete()
            rep_ids = list(Representative.objects.filter(code__startswith="BQ").values_list("pk", flat=True))
            CongressMembership.objects.filter(representative__in=rep_ids).delete()
            Station.objects.filter(pk__in=station_ids).update(head=None)
            Representative.objects.filter(pk__in=rep_ids).delete()
            HandlingUnit.objects.filter(region__path__startswith=city.path).delete()
            Station.objects.filter(pk__in=station_ids).delete()
            get_user_model().objects.filter(username__startswith="bench_").delete()
            for region in Region.objects.filter(path__startswith=city.path).order_by("-path"):
                region.delete()

    def _places(self, count):
        city = Region.objects.create(name=CITY, level=Region.Level.CITY)
        counties = [
            Region.objects.create(name=f"第{i + 1}区", level=Region.Level.COUNTY, parent=city) for i in range(10)
        ]
        townships = [
            Region.objects.create(name=f"{county.name}第{j + 1}街道", level=Region.Level.TOWNSHIP, parent=county)
            for county in counties
            for j in range(5)
        ]
        stations = [
            Station(
                name=f"基准联络站{i + 1:04d}",
                kind=Station.Kind.TOWNSHIP,
                region=townships[i % len(townships)],
                address=f"基准市人民路{i + 1}号",
                opening_hours="每周三 9:00-12:00",
                code=new_code(),
            )
            for i in range(count)
        ]
        Station.objects.bulk_create(stations, batch_size=BATCH)
        return city, list(Station.objects.filter(region__path__startswith=city.path).select_related("region"))

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
        Representative.objects.bulk_create(reps, batch_size=BATCH)
        reps = list(Representative.objects.filter(code__startswith="BQ").order_by("pk"))
        CongressMembership.objects.bulk_create(
            [
                CongressMembership(
                    representative=r, level=rng.choice(["city", "county", "township"]), term="第十五届", region=city
                )
                for r in reps
            ],
            batch_size=BATCH,
        )
        Residency.objects.bulk_create(
            [Residency(representative=rep, station=stations[i % len(stations)]) for i, rep in enumerate(reps)],
            batch_size=BATCH,
        )
        return reps

    def _units(self, count, city):
        HandlingUnit.objects.bulk_create(
            [HandlingUnit(name=f"基准市第{i + 1}承办单位", region=city) for i in range(count)], batch_size=BATCH
        )

    def _users(self, city, station, rep):
        users = get_user_model().objects
        admin = users.create_user("bench_admin", password="liaison2026", full_name="基准工委")
        city.committee_admins.add(admin)
        staff = users.create_user("bench_staff", password="liaison2026", full_name="基准站务")
        station.staff.add(staff)

    def _suggestions(self, rng, count, stations, categories, reps):
        now = timezone.now()
        stages = [s for s, w in STAGE_WEIGHTS for _ in range(w)]
        channels = list(Channel.values)
        made = 0
        while made < count:
            size = min(BATCH, count - made)
            batch = []
            for _ in range(size):
                station = stations[rng.randrange(len(stations))]
                title, content = TOPICS[rng.randrange(len(TOPICS))]
                enterprise = rng.random() < 0.1
                batch.append(
                    Suggestion(
                        tracking_code=new_tracking_code(),
                        title=title,
                        content=content,
                        station=station,
                        region_id=station.region_id,
                        category=categories[rng.randrange(len(categories))],
                        representative=reps[rng.randrange(len(reps))] if rng.random() < 0.2 else None,
                        channel=channels[rng.randrange(len(channels))],
                        stage=stages[rng.randrange(len(stages))],
                        is_enterprise=enterprise,
                        enterprise_name="某某科技有限公司" if enterprise else "",
                        submitter_name=rng.choice(SURNAMES) + "先生" if rng.random() < 0.5 else "",
                        submitter_phone=f"138{rng.randrange(10**8):08d}" if rng.random() < 0.5 else "",
                        received_at=now - dt.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
                    )
                )
            with transaction.atomic():
                created = Suggestion.objects.bulk_create(batch)
                Event.objects.bulk_create(
                    [Event(suggestion=s, kind=Event.Kind.RECEIVED, public_text="已收到") for s in created]
                )
            made += size
            self.stdout.write(f"  {made}/{count} suggestions", ending="\r")
        self.stdout.write("")
