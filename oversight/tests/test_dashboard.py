"""The committee dashboard: hand-counted figures, filters, scoping, drill-downs and a fixed query count.

Today is Monday 2 November 2026 in Shanghai (no holiday near): an assignment due by
Thursday 5 November (three working days on) is yellow, one due before today is late.
The county 龙亭区 holds the hand-counted fixture below; 林州市 next door holds a few
items a county admin of 龙亭区 must never count.

    item  station  category  stage     enterprise  assignments (unit, role, state)               ratings
    S1    A        城建      assign    -           住建局 lead open due 10-30, 水利局 co due 10-29  -
    S2    A        城建      assign    yes         水利局 lead pending, accept by 10-30             -
    S3    B        环保      assign    -           住建局 lead due 11-04, 交通局 co due 11-20,
                                                   水利局 withdrawn                                 -
    S4    B        环保      assign    -           交通局 lead due 11-25, flagged                   -
    S5    A        城建      assign    -           交通局 lead due 11-30, 住建局 returned           -
    S6    A        环保      feedback  -           住建局 lead replied on time (10 days)            -
    S7    B        城建      closed 满意 yes       水利局 lead replied 8-20 23:30 for 8-20 (14 days),
                                                   住建局 co replied late                           满意
    S8    A        环保      closed 基本 yes       住建局 lead replied 8-21 00:30 for 8-20 (16 days) 不满意, 基本满意
    S9    B        —         closed 未评 -         水利局 lead replied late (6 days)                -
    S10   A        城建      collect   -           received 11-01 00:30                             -
    S11   B        城建      assess    -           received 10-31 23:30                             -
    S13   A        —         closed    -           received 2025-12-20                              -
    S12   A        城建      merged into S1, enterprise, with a 不满意 rating: never counted
"""

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core import workdays
from devtools.testing import factories as f
from oversight.dashboard import DashboardFilters, committee_dashboard
from oversight.forms import period_bounds
from stations.models import ReceptionDay, Station, Visit
from suggestions.models import Assignment, Outcome, Rating, Stage

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 2)  # Monday
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
D = dt.date
Status = Assignment.Status
Role = Assignment.Role
Verdict = Rating.Verdict
DASHBOARD = reverse("oversight:dashboard")


def at(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    """The list's drill-downs read "today" from the clock: both pages must agree on it."""
    workdays.clear_cache()
    with time_machine.travel(NOW, tick=False):
        yield
    workdays.clear_cache()


# The fixture ------------------------------------------------------------------------------


@dataclass
class County:
    s: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    cats: dict = field(default_factory=dict)
    stations: dict = field(default_factory=dict)
    township_b: object = None
    other: dict = field(default_factory=dict)


def _suggestion(station, title, *, received, stage, category=None, enterprise=False, outcome="", **extra):
    return f.SuggestionFactory(
        station=station,
        title=title,
        received_at=received,
        stage=stage,
        category=category,
        is_enterprise=enterprise,
        enterprise_name="某公司" if enterprise else "",
        outcome=outcome,
        **extra,
    )


def _assign(suggestion, unit, *, role=Role.LEAD, status=Status.ACCEPTED, reply_due, accept_due=None, **extra):
    return Assignment.objects.create(
        suggestion=suggestion,
        unit=unit,
        role=role,
        status=status,
        reply_due=reply_due,
        accept_due=accept_due or reply_due - dt.timedelta(days=14),
        **extra,
    )


def _day(station, date, *, visits=0, cancelled=False):
    day = ReceptionDay.objects.create(
        station=station, date=date, start_time=dt.time(9), end_time=dt.time(11, 30), is_cancelled=cancelled
    )
    for n in range(visits):
        Visit.objects.create(reception_day=day, visitor_name=f"群众{n}", summary="反映情况")
    return day


@pytest.fixture
def county(world):
    c = County()
    township_b = f.RegionFactory(name="城关镇", level="township", parent=world.county)
    c.township_b = township_b
    a = world.station
    b = f.StationFactory(name="城关镇人大代表联络站", kind=Station.Kind.TOWNSHIP, region=township_b)
    idle = f.StationFactory(name="城关镇第二联络点", kind=Station.Kind.TOWNSHIP, region=township_b)
    c.stations = {"A": a, "B": b, "C": idle}
    zj = world.unit  # 龙亭区住建局
    sl = f.HandlingUnitFactory(name="龙亭区水利局", region=world.county)
    jt = f.HandlingUnitFactory(name="龙亭区交通局", region=world.county)
    c.units = {"zj": zj, "sl": sl, "jt": jt}
    cj = f.CategoryFactory(name="城建")
    hb = f.CategoryFactory(name="环保")
    c.cats = {"cj": cj, "hb": hb}

    s = c.s
    s[1] = _suggestion(a, "路灯不亮", received=at(2026, 10, 10), stage=Stage.ASSIGN, category=cj)
    _assign(s[1], zj, reply_due=D(2026, 10, 30))
    _assign(s[1], sl, role=Role.CO, reply_due=D(2026, 10, 29))

    s[2] = _suggestion(a, "井盖缺失", received=at(2026, 10, 20), stage=Stage.ASSIGN, category=cj, enterprise=True)
    _assign(s[2], sl, status=Status.PENDING, accept_due=D(2026, 10, 30), reply_due=D(2026, 11, 20))

    s[3] = _suggestion(b, "道路积水", received=at(2026, 10, 25), stage=Stage.ASSIGN, category=hb)
    _assign(s[3], zj, reply_due=D(2026, 11, 4))
    _assign(s[3], jt, role=Role.CO, reply_due=D(2026, 11, 20))
    _assign(s[3], sl, role=Role.CO, status=Status.WITHDRAWN, reply_due=D(2026, 10, 1))

    s[4] = _suggestion(b, "噪音扰民", received=at(2026, 10, 26), stage=Stage.ASSIGN, category=hb)
    _assign(s[4], jt, reply_due=D(2026, 11, 25), flagged=True)

    s[5] = _suggestion(a, "绿化缺失", received=at(2026, 10, 27), stage=Stage.ASSIGN, category=cj)
    _assign(s[5], jt, reply_due=D(2026, 11, 30))
    _assign(s[5], zj, status=Status.RETURNED, reply_due=D(2026, 11, 30), return_reason="不属于本单位职责")

    s[6] = _suggestion(a, "垃圾清运", received=at(2026, 9, 1), stage=Stage.FEEDBACK, category=hb)
    _assign(s[6], zj, status=Status.REPLIED, reply_due=D(2026, 9, 20), replied_at=at(2026, 9, 15), reply_workdays=10)

    s[7] = _suggestion(
        b,
        "停车难",
        received=at(2026, 8, 1),
        stage=Stage.CLOSED,
        category=cj,
        enterprise=True,
        outcome=Outcome.SATISFIED,
    )
    # 23:30 in Shanghai on the due day is 15:30 UTC the same day: on time.
    _assign(
        s[7],
        sl,
        status=Status.REPLIED,
        reply_due=D(2026, 8, 20),
        replied_at=at(2026, 8, 20, 23, 30),
        reply_workdays=14,
    )
    # A co-unit's late reply counts neither in the on-time rate nor in the days to reply.
    _assign(
        s[7],
        zj,
        role=Role.CO,
        status=Status.REPLIED,
        reply_due=D(2026, 8, 20),
        replied_at=at(2026, 9, 25),
        reply_workdays=30,
    )
    Rating.objects.create(suggestion=s[7], verdict=Verdict.SATISFIED)

    s[8] = _suggestion(
        a,
        "供水不足",
        received=at(2026, 8, 5),
        stage=Stage.CLOSED,
        category=hb,
        enterprise=True,
        outcome=Outcome.BASICALLY_SATISFIED,
    )
    # 00:30 in Shanghai the day after is still the due day in UTC: late all the same.
    _assign(
        s[8],
        zj,
        status=Status.REPLIED,
        reply_due=D(2026, 8, 20),
        replied_at=at(2026, 8, 21, 0, 30),
        reply_workdays=16,
    )
    Rating.objects.create(suggestion=s[8], verdict=Verdict.UNSATISFIED, round=0)
    Rating.objects.create(suggestion=s[8], verdict=Verdict.BASICALLY, round=1)

    s[9] = _suggestion(b, "菜市场脏乱", received=at(2026, 7, 1), stage=Stage.CLOSED, outcome=Outcome.UNRATED)
    _assign(s[9], sl, status=Status.REPLIED, reply_due=D(2026, 7, 5), replied_at=at(2026, 7, 10), reply_workdays=6)

    s[10] = _suggestion(a, "新收建议", received=at(2026, 11, 1, 0, 30), stage=Stage.COLLECT, category=cj)
    s[11] = _suggestion(b, "待评估建议", received=at(2026, 10, 31, 23, 30), stage=Stage.ASSESS, category=cj)
    s[13] = _suggestion(a, "去年建议", received=at(2025, 12, 20), stage=Stage.CLOSED, outcome=Outcome.UNRATED)

    s[12] = _suggestion(
        a,
        "路灯不亮（重复）",
        received=at(2026, 10, 11),
        stage=Stage.CLOSED,
        category=cj,
        enterprise=True,
        outcome=Outcome.MERGED,
        duplicate_of=s[1],
    )
    Rating.objects.create(suggestion=s[12], verdict=Verdict.UNSATISFIED)

    # Reception days: A held 1 of 2 (the cancelled and the future one do not count), B 1 of 1, C 0 of 1.
    _day(a, D(2026, 10, 10), visits=2)
    _day(a, D(2026, 10, 17))
    _day(a, D(2026, 10, 24), cancelled=True)
    _day(a, D(2026, 11, 7))
    _day(b, D(2026, 10, 15), visits=1)
    _day(idle, D(2026, 10, 20))

    # Standardisation: four items in use and one retired.
    items = [f.StandardItemFactory() for _ in range(4)]
    retired = f.StandardItemFactory(is_active=False)
    a.standard_items_met.add(*items[:3], retired)
    b.standard_items_met.add(items[0])

    # 林州市: an overdue enterprise item and a rated closed one.
    o1 = _suggestion(
        world.other_station, "林州渠道漏水", received=at(2026, 10, 12), stage=Stage.ASSIGN, enterprise=True
    )
    _assign(o1, world.other_unit, reply_due=D(2026, 10, 20))
    o2 = _suggestion(
        world.other_station, "林州道路维修", received=at(2026, 9, 2), stage=Stage.CLOSED, outcome=Outcome.SATISFIED
    )
    _assign(
        o2,
        world.other_unit,
        status=Status.REPLIED,
        reply_due=D(2026, 9, 20),
        replied_at=at(2026, 9, 10),
        reply_workdays=6,
    )
    Rating.objects.create(suggestion=o2, verdict=Verdict.SATISFIED)
    _day(world.other_station, D(2026, 10, 21), visits=4)
    c.other = {"o1": o1, "o2": o2}
    return c


def titles(county, *numbers) -> set[str]:
    return {county.s[n].title for n in numbers}


COUNTY_ITEMS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13)
OTHER_TITLES = {"林州渠道漏水", "林州道路维修"}


# A small HTML reader: elements by id, their text and their links --------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag):
        return [n for n in self.iter() if n.tag == tag]


class Page(HTMLParser):
    def __init__(self, content: str):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("root", {})
        self.feed(content)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)

    def by_id(self, element_id) -> Node:
        for node in self.root.iter():
            if node.attrs.get("id") == element_id:
                return node
        raise AssertionError(f"no element #{element_id} on the page")

    def has_id(self, element_id) -> bool:
        return any(n.attrs.get("id") == element_id for n in self.root.iter())


def page_of(response) -> Page:
    assert response.status_code == 200, response.status_code
    return Page(response.content.decode())


def figure(page: Page, n: int) -> str:
    """The big number of headline figure ``n`` (1: received … 6: enterprise items)."""
    card = page.by_id(f"figure-{n}")
    return next(d for d in card.find_all("div") if "fs-3" in d.attrs.get("class", "")).text()


def colour(page: Page, name: str) -> int:
    tile = page.by_id(f"colour-{name}")
    return int(next(d for d in tile.find_all("div") if "fs-3" in d.attrs.get("class", "")).text())


def stage_counts(page: Page) -> list[int]:
    return [int(a.find_all("span")[0].text()) for a in page.by_id("stages").find_all("a")]


def table_rows(page: Page, table_id: str) -> list[list]:
    """Rows of a table's body: each a list of cells (``Node``)."""
    body = page.by_id(table_id).find_all("tbody")[0]
    return [tr.find_all("td") for tr in body.find_all("tr")]


def chart_data(page: Page) -> dict:
    return json.loads(page.by_id("chart-data").text())


def listed_titles(client, url: str) -> set[str]:
    """Follow a drill-down link to the suggestion list and read the titles of its rows."""
    response = client.get(url)
    page = page_of(response)
    rows = []
    for table in page.root.find_all("table"):
        for tr in table.find_all("tbody")[0].find_all("tr") if table.find_all("tbody") else []:
            cells = tr.find_all("td")
            if len(cells) > 1:
                rows.append(cells[1].find_all("a")[0].text())
    assert len(rows) < 25, "a drill-down test must fit on one page of the list"
    return set(rows)


def dashboard(client, **params):
    return page_of(client.get(DASHBOARD, params))


# 1. Hand-counted figures ------------------------------------------------------------------


def test_headline_figures_match_the_hand_count(world, county):
    board = committee_dashboard(world.admin, DashboardFilters(), today=TODAY)
    assert board.received == 12  # the merged duplicate S12 is left out
    assert board.stages == {
        Stage.COLLECT: 1,
        Stage.ASSESS: 1,
        Stage.ASSIGN: 5,
        Stage.FEEDBACK: 1,
        Stage.CLOSED: 4,
    }
    # S1 has two late assignments and counts once; S2 was not accepted in time.
    assert board.overdue == 2
    # Lead replies: S6 on time, S7 on time (23:30 on the due day), S8 late (00:30 the day after), S9 late.
    assert board.replied == 4
    assert board.on_time_rate == 50.0
    # Ratings: 满意 (S7), 不满意 and 基本满意 (S8); the merged S12's 不满意 is left out.
    assert board.rated == 3
    assert board.satisfaction_rate == 66.7
    # Lead replies only: (10 + 14 + 16 + 6) / 4; the co-unit's 30 days are not counted.
    assert board.avg_reply_days == 11.5
    assert (board.enterprise, board.enterprise_solved) == (3, 2)


def test_three_colours_count_items_by_their_worst_assignment(world, county):
    board = committee_dashboard(world.admin, DashboardFilters(), today=TODAY)
    # Red: S1 (late, twice), S2 (not accepted), S4 (flagged); yellow: S3 (due Wed 4 Nov, its co-unit green);
    # green: S5 (its returned assignment is not open).
    assert board.colours == {"red": 3, "yellow": 1, "green": 1}
    # The red list: one line per red item (as the tile counts them), flagged first, then by reply deadline;
    # S1 shows its most overdue assignment.
    assert [(a.suggestion.title, a.unit.name, a.days_late) for a in board.red_items] == [
        ("噪音扰民", "龙亭区交通局", 0),
        ("路灯不亮", "龙亭区水利局", 4),
        ("井盖缺失", "龙亭区水利局", 0),
    ]
    assert len(board.red_items) == board.colours["red"]


def test_unit_league_counts_each_units_assignments(world, county):
    board = committee_dashboard(world.admin, DashboardFilters(), today=TODAY)
    rows = {
        u["name"]: (u["assignments"], u["overdue"], u["returned"], u["on_time_rate"], u["reply_days"])
        for u in board.units
    }
    assert rows == {
        # S1, S3, S5 (returned), S6, S7 (co), S8; on time S6 of S6 and S8.
        "龙亭区住建局": (6, 1, 1, 50.0, 13.0),
        # S1 (co), S2, S7, S9; the withdrawn one on S3 not counted; on time S7 of S7 and S9.
        "龙亭区水利局": (4, 2, 0, 50.0, 10.0),
        # S3 (co), S4, S5: nothing replied yet.
        "龙亭区交通局": (3, 0, 0, None, None),
    }
    satisfaction = {u["name"]: (u["satisfaction_rate"], u["rated"]) for u in board.units}
    assert satisfaction == {"龙亭区住建局": (50.0, 2), "龙亭区水利局": (100.0, 1), "龙亭区交通局": (None, 0)}
    # Worst first: most overdue.
    assert [u["name"] for u in board.units] == ["龙亭区水利局", "龙亭区住建局", "龙亭区交通局"]


def test_categories_and_stations_boards(world, county):
    board = committee_dashboard(world.admin, DashboardFilters(), today=TODAY)
    assert [(c["name"], c["total"], c["open"], c["closed"], c["enterprise"]) for c in board.categories] == [
        ("城建", 6, 5, 1, 2),
        ("环保", 4, 3, 1, 1),
        ("—", 2, 0, 2, 0),
    ]
    stations = {
        s["name"]: (s["suggestions"], s["held"], s["scheduled"], s["visits"], s["standard"], s["idle"])
        for s in board.stations
    }
    assert stations == {
        "四季城人大代表联络点": (7, 1, 2, 2, 75.0, False),
        "城关镇人大代表联络站": (5, 1, 1, 1, 25.0, False),
        "城关镇第二联络点": (0, 0, 1, 0, 0.0, True),
    }
    assert (board.station_count, board.idle_stations) == (3, 1)
    assert (board.days_held, board.days_scheduled, board.visits) == (2, 4, 3)


def test_the_page_shows_the_hand_count(login, world, county):
    page = dashboard(login(world.admin))
    assert [figure(page, n) for n in range(1, 7)] == ["12", "2", "50.0%", "66.7%", "11.5", "3"]
    assert stage_counts(page) == [1, 1, 5, 1, 4]
    assert [colour(page, c) for c in ("red", "yellow", "green")] == [3, 1, 1]
    units = [[cell.text() for cell in row] for row in table_rows(page, "unit-table")]
    assert units == [
        ["龙亭区水利局", "4", "50.0%", "100.0%", "2", "0", "10.0"],
        ["龙亭区住建局", "6", "50.0%", "50.0%", "1", "1", "13.0"],
        ["龙亭区交通局", "3", "—", "—", "0", "0", "—"],
    ]
    categories = [[cell.text() for cell in row] for row in table_rows(page, "category-table")]
    assert categories == [["城建", "6", "5", "1"], ["环保", "4", "3", "1"], ["—", "2", "0", "2"]]
    stations = table_rows(page, "station-table")
    assert [[cell.text() for cell in row[2:]] for row in stations] == [
        ["7", "1 / 2", "2", "75.0%"],
        ["5", "1 / 1", "1", "25.0%"],
        ["0", "0 / 1", "0", "0.0%"],
    ]
    # Only the idle station carries the badge.
    assert [bool(row[0].find_all("span")) for row in stations] == [False, False, True]
    summary = page.by_id("station-summary").text()
    assert [int(n) for n in re.findall(r"\d+", summary)] == [3, 1, 2, 4, 3]
    assert len(page.by_id("red-items").find_all("li")) == 3


def test_trend_counts_months_in_shanghai_time(login, world, county):
    data = chart_data(dashboard(login(world.admin)))
    # S10 arrived at 00:30 on 1 November in Shanghai (still October in UTC): a November item.
    assert data["months"] == ["2025-12", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert data["received"] == [1, 1, 2, 1, 6, 1]
    assert data["closed"] == [1, 1, 2, 0, 0, 0]
    assert data["enterprise"] == [0, 0, 2, 0, 1, 0]
    assert [s["value"] for s in data["stages"]] == [1, 1, 5, 1, 4]


def test_empty_area_shows_dashes_not_errors(login, world):
    page = dashboard(login(world.admin))
    assert [figure(page, n) for n in range(1, 7)] == ["0", "0", "—", "—", "—", "0"]
    assert [colour(page, c) for c in ("red", "yellow", "green")] == [0, 0, 0]
    assert not page.has_id("unit-table") and not page.has_id("red-items")


# 2. Filters -------------------------------------------------------------------------------


def test_period_filter_counts_by_the_day_received_in_shanghai(login, world, county):
    client = login(world.admin)
    page = dashboard(client, period="custom", date_from="2026-11-01", date_to="2026-11-02")
    # S10 (00:30 on 1 November) is in; S11 (23:30 on 31 October) is not.
    assert figure(page, 1) == "1"
    assert stage_counts(page) == [1, 0, 0, 0, 0]
    assert [row[0].text() for row in table_rows(page, "station-table")][0] == "四季城人大代表联络点"
    # No reception day falls in these two days.
    assert [int(n) for n in re.findall(r"\d+", page.by_id("station-summary").text())] == [3, 2, 0, 0, 0]

    october = dashboard(client, period="custom", date_from="2026-10-01", date_to="2026-10-31")
    assert [figure(october, n) for n in (1, 2, 3, 4, 6)] == ["6", "2", "—", "—", "1"]  # S1–S5 and S11
    assert [colour(october, c) for c in ("red", "yellow", "green")] == [3, 1, 1]
    assert [int(n) for n in re.findall(r"\d+", october.by_id("station-summary").text())] == [3, 1, 2, 4, 3]


@pytest.mark.parametrize(("period", "received"), [("", 12), ("year", 11), ("quarter", 7), ("12m", 12)])
def test_named_periods(login, world, county, period, received):
    page = dashboard(login(world.admin), period=period)
    assert figure(page, 1) == str(received)


def test_last_12_months_starts_on_the_first_of_a_month_all_year_round():
    starts = {month: period_bounds("12m", D(2026, month, 15))[0] for month in range(1, 13)}
    expected = {month: D(2025, month + 1, 1) if month < 12 else D(2026, 1, 1) for month in range(1, 13)}
    assert starts == expected


def test_region_filter_takes_a_township_subtree(login, world, county):
    township_a = world.station.region
    page = dashboard(login(world.admin), region=township_a.pk)
    # Station A only: S1, S2, S5, S6, S8, S10, S13.
    assert figure(page, 1) == "7"
    assert figure(page, 2) == "2"
    assert [colour(page, c) for c in ("red", "yellow", "green")] == [2, 0, 1]
    assert [row[0].text() for row in table_rows(page, "station-table")] == ["四季城人大代表联络点"]

    board = committee_dashboard(world.admin, DashboardFilters(region=county.township_b), today=TODAY)
    assert (board.received, board.overdue, board.station_count, board.idle_stations) == (5, 0, 2, 1)


def test_station_kind_filter(login, world, county):
    client = login(world.admin)
    township = dashboard(client, kind=Station.Kind.TOWNSHIP)
    assert figure(township, 1) == "5"  # station B: S3, S4, S7, S9, S11
    assert [colour(township, c) for c in ("red", "yellow", "green")] == [1, 1, 0]
    assert len(table_rows(township, "station-table")) == 2
    community = dashboard(client, kind=Station.Kind.COMMUNITY)
    assert figure(community, 1) == "7"
    assert figure(dashboard(client, kind=Station.Kind.INDUSTRY_CHAIN), 1) == "0"


def test_category_filter(login, world, county):
    page = dashboard(login(world.admin), category=county.cats["hb"].pk)
    # 环保: S3, S4, S6, S8.
    assert [figure(page, n) for n in range(1, 7)] == ["4", "0", "50.0%", "50.0%", "13.0", "1"]
    assert stage_counts(page) == [0, 0, 2, 1, 1]
    assert [colour(page, c) for c in ("red", "yellow", "green")] == [1, 1, 0]


def test_start_after_end_is_refused_and_the_page_still_renders(login, world, county):
    response = login(world.admin).get(
        DASHBOARD, {"period": "custom", "date_from": "2026-11-02", "date_to": "2026-10-01"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    with translation.override("zh-hans"):
        message = translation.gettext("The start of the period is after its end.")
    assert form.non_field_errors() == [message]
    page = page_of(response)
    alert = next(d for d in page.by_id("dashboard-filters").find_all("div") if d.attrs.get("role") == "alert")
    assert message in alert.text()
    # The figures fall back to all time and the whole area.
    assert figure(page, 1) == "12"


def test_custom_period_needs_a_date(login, world, county):
    response = login(world.admin).get(DASHBOARD, {"period": "custom"})
    assert response.status_code == 200
    assert "date_from" in response.context["form"].errors
    assert figure(page_of(response), 1) == "12"


def test_subtitle_names_the_station_kind(login, world, county):
    page = dashboard(login(world.admin), kind=Station.Kind.COMMUNITY)
    subtitle = next(p for p in page.root.find_all("p") if "mb-3" in p.attrs.get("class", ""))
    with translation.override("zh-hans"):
        label = str(Station.Kind.COMMUNITY.label)
    assert label in subtitle.text() and "community" not in subtitle.text()


# 3. Scoping -------------------------------------------------------------------------------


def test_county_admin_never_counts_the_other_county(login, world, county):
    board = committee_dashboard(world.admin, DashboardFilters(), today=TODAY)
    assert (board.received, board.overdue, board.enterprise, board.rated) == (12, 2, 3, 3)
    assert "林州市水利局" not in {u["name"] for u in board.units}
    assert world.other_station.name not in {s["name"] for s in board.stations}

    other = committee_dashboard(world.other_admin, DashboardFilters(), today=TODAY)
    assert (other.received, other.overdue, other.enterprise, other.rated, other.satisfaction_rate) == (
        2,
        1,
        1,
        1,
        100.0,
    )
    assert [u["name"] for u in other.units] == ["林州市水利局"]
    assert (other.station_count, other.visits) == (1, 4)


def test_county_admin_cannot_widen_the_scope_with_another_region(login, world, county):
    client = login(world.admin)
    other_township = world.other_station.region
    response = client.get(DASHBOARD, {"region": other_township.pk})
    assert "region" in response.context["form"].errors
    page = page_of(response)
    assert figure(page, 1) == "12"
    assert world.other_station.name not in page.by_id("station-table").text()
    # Nor in the list behind the figures, whatever the link says.
    assert listed_titles(client, reverse("suggestions:list") + f"?region={other_township.pk}") == set()
    assert listed_titles(client, reverse("suggestions:list") + f"?unit={world.other_unit.pk}") == set()


def test_city_admin_sees_both_counties(login, world, county):
    client = login(world.city_admin)
    page = dashboard(client)
    assert [figure(page, n) for n in range(1, 7)] == ["14", "3", "60.0%", "75.0%", "10.4", "4"]
    assert colour(page, "red") == 4
    assert {row[0].text() for row in table_rows(page, "unit-table")} == {
        "龙亭区住建局",
        "龙亭区水利局",
        "龙亭区交通局",
        "林州市水利局",
    }
    href = html.unescape(page.by_id("figure-2").attrs["href"])
    assert listed_titles(client, href) == titles(county, 1, 2) | {"林州渠道漏水"}


@pytest.mark.parametrize("persona", ["staff", "rep_user", "handler"])
def test_other_roles_are_refused(login, world, persona):
    response = login(getattr(world, persona)).get(DASHBOARD)
    assert response.status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=/dashboard/" in response["Location"]


# 4. Drill-downs ---------------------------------------------------------------------------


HEADLINE_ROWS = {
    1: COUNTY_ITEMS,  # received
    2: (1, 2),  # overdue now
    3: (6, 7, 8, 9),  # on-time rate: the items with a lead-unit reply
    4: (7, 8),  # satisfaction rate: the rated items
    5: (6, 7, 8, 9),  # average working days to reply: the items with a lead-unit reply
    6: (2, 7, 8),  # enterprise items
}


@pytest.mark.parametrize(
    "n",
    [
        1,
        2,
        3,
        4,
        5,
        6,
    ],
)
def test_each_headline_figure_lists_exactly_the_items_counted(login, world, county, n):
    client = login(world.admin)
    href = html.unescape(dashboard(client).by_id(f"figure-{n}").attrs["href"])
    assert listed_titles(client, href) == titles(county, *HEADLINE_ROWS[n])


@pytest.mark.parametrize(("name", "items"), [("red", (1, 2, 4)), ("yellow", (3,)), ("green", (5,))])
def test_colour_tiles_list_the_items_counted(login, world, county, name, items):
    client = login(world.admin)
    page = dashboard(client)
    tile = page.by_id(f"colour-{name}")
    listed = listed_titles(client, html.unescape(tile.attrs["href"]))
    assert listed == titles(county, *items)
    assert len(listed) == colour(page, name)


def test_stage_buttons_list_the_items_counted(login, world, county):
    client = login(world.admin)
    buttons = dashboard(client).by_id("stages").find_all("a")
    expected = [(10,), (11,), (1, 2, 3, 4, 5), (6,), (7, 8, 9, 13)]
    for button, items in zip(buttons, expected, strict=True):
        assert int(button.find_all("span")[0].text()) == len(items)
        assert listed_titles(client, html.unescape(button.attrs["href"])) == titles(county, *items)


def test_unit_links_list_the_units_items_and_its_overdue_ones(login, world, county):
    client = login(world.admin)
    rows = {row[0].text(): row for row in table_rows(dashboard(client), "unit-table")}
    sl = rows["龙亭区水利局"]
    overdue_link = sl[4].find_all("a")[0]
    assert overdue_link.text() == "2"
    assert listed_titles(client, html.unescape(overdue_link.attrs["href"])) == titles(county, 1, 2)
    # The unit's name lists every item it has an assignment on, the withdrawn one on S3 aside.
    assert listed_titles(client, html.unescape(sl[0].find_all("a")[0].attrs["href"])) == titles(county, 1, 2, 7, 9)
    zj = rows["龙亭区住建局"]
    assert listed_titles(client, html.unescape(zj[4].find_all("a")[0].attrs["href"])) == titles(county, 1)
    # No overdue assignment: no link.
    assert not rows["龙亭区交通局"][4].find_all("a")


def test_category_and_station_links(login, world, county):
    client = login(world.admin)
    page = dashboard(client)
    categories = {row[0].text(): row[0] for row in table_rows(page, "category-table")}
    link = categories["环保"].find_all("a")[0].attrs["href"]
    assert listed_titles(client, html.unescape(link)) == titles(county, 3, 4, 6, 8)
    stations = {row[0].find_all("a")[0].text(): row[0] for row in table_rows(page, "station-table")}
    link = stations["城关镇人大代表联络站"].find_all("a")[0].attrs["href"]
    assert listed_titles(client, html.unescape(link)) == titles(county, 3, 4, 7, 9, 11)


def test_drill_downs_keep_the_dashboard_filters(login, world, county):
    client = login(world.admin)
    page = dashboard(client, period="custom", date_from="2026-11-01", date_to="2026-11-02")
    assert listed_titles(client, html.unescape(page.by_id("figure-1").attrs["href"])) == titles(county, 10)

    page = dashboard(client, region=county.township_b.pk)
    assert figure(page, 1) == "5"
    assert listed_titles(client, html.unescape(page.by_id("figure-1").attrs["href"])) == titles(county, 3, 4, 7, 9, 11)
    assert listed_titles(client, html.unescape(page.by_id("colour-red").attrs["href"])) == titles(county, 4)

    page = dashboard(client, kind=Station.Kind.COMMUNITY)
    assert listed_titles(client, html.unescape(page.by_id("figure-2").attrs["href"])) == titles(county, 1, 2)
    assert listed_titles(client, html.unescape(page.by_id("figure-6").attrs["href"])) == titles(county, 2, 8)


def test_county_admin_drill_down_rows_stay_in_the_county(login, world, county):
    client = login(world.admin)
    page = dashboard(client)
    for element_id in ("figure-1", "figure-2", "figure-4", "figure-6", "colour-red"):
        listed = listed_titles(client, html.unescape(page.by_id(element_id).attrs["href"]))
        assert not listed & OTHER_TITLES, element_id
    assert listed_titles(client, reverse("suggestions:list") + "?" + urlencode({"overdue": "1"})) == titles(
        county, 1, 2
    )


# 5. A fixed number of queries -------------------------------------------------------------


def _grow(world, county, n: int) -> None:
    """Add ``n`` stations, units and categories with suggestions, assignments, ratings and reception days."""
    for i in range(n):
        township = f.RegionFactory(name=f"新乡镇{i}", level="township", parent=world.county)
        station = f.StationFactory(name=f"新联络站{i}", region=township)
        unit = f.HandlingUnitFactory(name=f"新承办单位{i}", region=world.county)
        category = f.CategoryFactory(name=f"新类别{i}")
        for j, stage in enumerate((Stage.ASSIGN, Stage.ASSIGN, Stage.CLOSED)):
            s = _suggestion(
                station,
                f"新建议{i}-{j}",
                received=at(2026, 9 + j % 2, 1 + i % 28),
                stage=stage,
                category=category,
                enterprise=j == 0,
                outcome=Outcome.SATISFIED if stage == Stage.CLOSED else "",
            )
            if stage == Stage.ASSIGN:
                _assign(s, unit, reply_due=D(2026, 10, 1) if j else D(2026, 11, 30), flagged=i % 3 == 0)
                _assign(s, county.units["zj"], role=Role.CO, reply_due=D(2026, 11, 4))
            else:
                _assign(
                    s,
                    unit,
                    status=Status.REPLIED,
                    reply_due=D(2026, 9, 30),
                    replied_at=at(2026, 9, 20),
                    reply_workdays=5,
                )
                Rating.objects.create(suggestion=s, verdict=Verdict.SATISFIED)
        _day(station, D(2026, 10, 1 + i % 28), visits=1 + i % 2)
        _day(station, D(2026, 10, 29))
        station.standard_items_met.add(*county.stations["A"].standard_items_met.all()[:2])


def _count(client, **params) -> int:
    workdays.clear_cache()  # the same work at both sizes: the calendar's overrides read again
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_data(login, world, county, django_assert_max_num_queries):
    client = login(world.admin)
    client.get(DASHBOARD)  # sessions and caches warm
    with django_assert_max_num_queries(15):
        small = _count(client)
    small_filtered = _count(client, region=world.station.region.pk, category=county.cats["cj"].pk)

    _grow(world, county, 60)
    big_page = dashboard(client)
    assert figure(big_page, 1) == str(12 + 180)
    with django_assert_max_num_queries(15):
        big = _count(client)
    big_filtered = _count(client, region=world.station.region.pk, category=county.cats["cj"].pk)
    assert big == small
    assert big_filtered == small_filtered
