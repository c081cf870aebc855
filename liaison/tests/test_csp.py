"""The Content-Security-Policy: sent with every page, and kept possible by templates without inline code.

An attacker who gets markup into a page (a citizen's text shown unescaped by a future mistake, a
poisoned import) must not get script to run: the policy allows scripts only from the portal's own
files, so the templates must hold no inline script and no on...= handler, which the policy would
block anyway and which would tempt someone to weaken it.
"""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from activities.models import Activity, ActivityKind
from devtools.testing import factories as f
from liaison.settings.base import _content_security_policy
from oversight.models import ExportJob
from stations.models import ReceptionDay, ReceptionRule
from suggestions.loop import actions as loop
from suggestions.models import Assignment

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)

# <script ...> tags; a src attribute, or a JSON data block (json_script), which browsers never run.
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
DATA_BLOCK = re.compile(r"""\btype\s*=\s*["']?application/(ld\+)?json""", re.I)
SRC = re.compile(r"\bsrc\s*=", re.I)
# An attribute inside a tag: on...= handlers, which the policy refuses like inline script, and
# style="", which style-src 'self' refuses (the page would lose that styling).
HANDLER = re.compile(r"<[a-z][^>]*?\s(on[a-z]+)\s*=", re.I | re.S)
STYLE_ATTR = re.compile(r"<[a-z][^>]*?\sstyle\s*=", re.I | re.S)
JAVASCRIPT_URL = re.compile(r"""\b(href|action|src)\s*=\s*["']?\s*javascript:""", re.I)


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def inline_code(html: str) -> list[str]:
    """What in this HTML the policy would refuse to run, as the offending snippets."""
    found = [
        m.group(0)
        for m in SCRIPT_TAG.finditer(html)
        if not SRC.search(m.group(1)) and not DATA_BLOCK.search(m.group(1))
    ]
    found += [m.group(0)[-80:] for m in HANDLER.finditer(html)]
    found += [m.group(0)[-80:] for m in JAVASCRIPT_URL.finditer(html)]
    found += [m.group(0)[-80:] for m in re.finditer(r"<style\b[^>]*>", html, re.I)]
    found += [m.group(0)[-80:] for m in STYLE_ATTR.finditer(html)]
    return found


# The scanners themselves, on markup they must catch and markup they must let through.


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<script type="text/javascript">alert(1)</script>',
        '<script type="module">import "x"</script>',
        '<button type="button" onclick="window.print()">',
        "<select\n  name=period onchange=this.form.submit()>",
        '<body onload="go()">',
        '<a href="javascript:void(0)">',
        "<style>.x { color: red }</style>",
        '<div class="bar" style="width: 40%">',
    ],
)
def test_the_scanner_finds_inline_code(html):
    assert inline_code(html)


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/js/portal.js"></script>',
        '<script id="chart-data" type="application/json">{"a": 1}</script>',
        '<button type="button" data-print>',
        '<select name="period" data-submit-on-change>',
        "<p>Press the button online=yes, confirm=1</p>",
        '<a href="/t/">follow</a>',
    ],
)
def test_the_scanner_lets_clean_markup_through(html):
    assert not inline_code(html)


# (b) Every template, including the ones a page includes, is free of inline code.


def templates():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [
        Path(settings.BASE_DIR) / app / "templates"
        for app in ("accounts", "stations", "representatives", "suggestions", "activities", "oversight", "liaison")
    ]
    return sorted(p for root in roots if root.exists() for p in root.rglob("*.html"))


def test_the_template_scan_sees_the_templates():
    names = {p.relative_to(settings.BASE_DIR).as_posix() for p in templates()}
    assert {"templates/base.html", "templates/public/suggest_form.html", "templates/reception/day.html"} <= names
    assert len(names) > 60


@pytest.mark.parametrize("path", templates(), ids=lambda p: p.relative_to(settings.BASE_DIR).as_posix())
def test_no_template_holds_inline_script_handlers_or_styles(path):
    assert inline_code(path.read_text()) == []


# (a) Every page, for the persona who uses it, carries the policy and no inline code.


@pytest.fixture
def site(world, client):
    """One of everything a page can show: a suggestion assigned to the unit, a reception day, an activity, an export."""
    cache.clear()
    with time_machine.travel(MONDAY, tick=False):
        world.station.head = world.rep
        world.station.save()
        item = f.SuggestionFactory(station=world.station, submitter_phone="13812345678", title="路灯不亮")
        loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
        item.refresh_from_db()
        loop.suggestion_assign(suggestion=item, by=world.rep_user, lead_unit=world.unit, instructions="请核实")
        ReceptionRule.objects.create(
            station=world.station, weekday=2, start_time=dt.time(15), end_time=dt.time(17), starts_on=MONDAY.date()
        )
        day = ReceptionDay.objects.create(
            station=world.station, date=MONDAY.date(), start_time=dt.time(9), end_time=dt.time(11, 30)
        )
        day.on_duty.set([world.rep])
        activity = Activity.objects.create(
            kind=ActivityKind.objects.create(name="进园区"),
            date=dt.date(2026, 10, 20),
            station=world.station,
            title="走访园区",
            summary="座谈",
            created_by=world.staff,
        )
        activity.representatives.set([world.rep])
        job = ExportJob.objects.create(
            requested_by=world.staff, register="reception", title="接待登记簿", total=10, done=4
        )
    # The county committee admin keeps the registries in the Django admin, as seed_demo sets them up.
    world.admin.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=("stations", "representatives", "suggestions", "activities"),
            codename__regex=r"^(view|add|change|delete)_",
        )
    )
    yield {"item": item, "day": day, "activity": activity, "job": job, "assignment": Assignment.objects.get()}
    cache.clear()


def _station(w, s):
    return w.station.code


# name: (persona attribute of the world, or None for a citizen; the page's address)
PAGES = {
    "home": (None, lambda w, s: reverse("home")),
    "login": (None, lambda w, s: reverse("accounts:login")),
    "password reset": (None, lambda w, s: reverse("accounts:password_reset")),
    "station directory": (None, lambda w, s: reverse("stations:directory")),
    "station public page": (None, lambda w, s: reverse("stations:public", args=[_station(w, s)])),
    "station poster": (None, lambda w, s: reverse("stations:poster", args=[_station(w, s)])),
    "representative public page": (None, lambda w, s: reverse("representatives:public", args=[w.rep.code])),
    "representative poster": (None, lambda w, s: reverse("representatives:poster", args=[w.rep.code])),
    "citizen form (station)": (None, lambda w, s: reverse("public:station_suggest", args=[_station(w, s)])),
    "citizen form (representative)": (None, lambda w, s: reverse("public:representative_suggest", args=[w.rep.code])),
    "tracking lookup": (None, lambda w, s: reverse("public:track_lookup")),
    "tracking page": (None, lambda w, s: reverse("public:track", args=[s["item"].tracking_code])),
    "not found": (None, lambda w, s: "/s/ZZZZZZZZ/"),
    "suggestion list": ("staff", lambda w, s: reverse("suggestions:list")),
    "suggestion detail (staff)": ("staff", lambda w, s: s["item"].get_absolute_url()),
    "suggestion detail (representative)": ("rep_user", lambda w, s: s["item"].get_absolute_url()),
    "suggestion detail (unit handler)": ("handler", lambda w, s: s["item"].get_absolute_url()),
    "offline entry": ("staff", lambda w, s: reverse("suggestions:new")),
    "register import": ("staff", lambda w, s: reverse("imports:upload", args=[_station(w, s)])),
    "station inbox": ("staff", lambda w, s: reverse("loop:station_inbox")),
    "representative inbox": ("rep_user", lambda w, s: reverse("loop:representative_inbox")),
    "unit inbox": ("handler", lambda w, s: reverse("loop:unit_inbox")),
    "supervision": ("admin", lambda w, s: reverse("loop:supervision")),
    "notifications": ("handler", lambda w, s: reverse("loop:notifications")),
    "reception days": ("staff", lambda w, s: reverse("reception:station", args=[_station(w, s)])),
    "reception day": ("staff", lambda w, s: reverse("reception:day", args=[s["day"].pk])),
    "my duties": ("rep_user", lambda w, s: reverse("reception:my_duties")),
    "committee dashboard": ("admin", lambda w, s: reverse("oversight:dashboard")),
    "station dashboard": ("staff", lambda w, s: reverse("oversight:station_dashboard", args=[_station(w, s)])),
    "registers": ("staff", lambda w, s: reverse("oversight:registers")),
    "reception register": ("staff", lambda w, s: reverse("oversight:register", args=["reception"])),
    "suggestion register": ("staff", lambda w, s: reverse("oversight:register", args=["suggestions"])),
    "activity register": ("staff", lambda w, s: reverse("oversight:register", args=["activities"])),
    "export progress": ("staff", lambda w, s: reverse("oversight:export", args=[s["job"].pk])),
    "activities": ("staff", lambda w, s: reverse("activities:list")),
    "activity": ("staff", lambda w, s: reverse("activities:detail", args=[s["activity"].pk])),
    "new activity": ("staff", lambda w, s: reverse("activities:new")),
    "ranking": ("admin", lambda w, s: reverse("activities:ranking")),
    "my performance": ("rep_user", lambda w, s: reverse("activities:performance", args=[w.rep.code])),
    "handling units": ("admin", lambda w, s: reverse("suggestions:units")),
    "my stations": ("staff", lambda w, s: reverse("stations:manage")),
    "station edit": ("staff", lambda w, s: reverse("stations:edit", args=[_station(w, s)])),
    "posters by region": ("admin", lambda w, s: reverse("stations:regions")),
    "representatives": ("staff", lambda w, s: reverse("representatives:list")),
    "profile": ("staff", lambda w, s: reverse("accounts:profile")),
    "password change": ("staff", lambda w, s: reverse("accounts:password_change")),
    "admin login": (None, lambda w, s: reverse("admin:login")),
    "admin index": ("admin", lambda w, s: reverse("admin:index")),
    "admin suggestions (date hierarchy, filters)": (
        "admin",
        lambda w, s: reverse("admin:suggestions_suggestion_changelist"),
    ),
    "admin suggestion (inlines)": (
        "admin",
        lambda w, s: reverse("admin:suggestions_suggestion_change", args=[s["item"].pk]),
    ),
    "admin station (autocomplete, filter_horizontal)": (
        "admin",
        lambda w, s: reverse("admin:stations_station_change", args=[w.station.pk]),
    ),
    "admin representative (inlines)": (
        "admin",
        lambda w, s: reverse("admin:representatives_representative_change", args=[w.rep.pk]),
    ),
    "admin activity (date widget, photos)": (
        "admin",
        lambda w, s: reverse("admin:activities_activity_change", args=[s["activity"].pk]),
    ),
    "admin new handling unit": ("admin", lambda w, s: reverse("admin:suggestions_handlingunit_add")),
    "admin related-object popup": ("admin", lambda w, s: reverse("admin:stations_region_add") + "?_popup=1"),
}


@pytest.mark.parametrize("name", PAGES)
def test_every_page_carries_the_policy_and_no_inline_code(client, login, world, site, name):
    persona, url = PAGES[name]
    if persona:
        login(getattr(world, persona))
    response = client.get(url(world, site))

    assert response.status_code == (404 if name == "not found" else 200)
    assert response["Content-Type"].startswith("text/html")
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no nonce: nothing inline runs
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert inline_code(response.content.decode()) == []


def test_the_policy_is_complete():
    """Everything the portal loads is its own; data: only for images (Bootstrap's SVG icons in its CSS)."""
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"] == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    assert settings.CONTENT_SECURITY_POLICY_REPORT_ONLY is None


def test_files_and_json_carry_the_policy_too(client, world):
    """A QR code or a JSON answer opened on its own is a document as well: it gets the same policy."""
    for url in (reverse("stations:qr_svg", args=[world.station.code]), reverse("healthz")):
        assert "script-src 'self'" in client.get(url)["Content-Security-Policy"]


def test_the_report_only_switch_sends_the_same_policy_without_enforcing_it(client, world):
    """CSP_REPORT_ONLY=true and CSP_REPORT_URI, as production reads them from the environment."""
    enforced, report_only = _content_security_policy(report_only=True, report_uri="https://csp.example.gov.cn/r")
    with override_settings(CONTENT_SECURITY_POLICY=enforced, CONTENT_SECURITY_POLICY_REPORT_ONLY=report_only):
        response = client.get(reverse("home"))
    assert "Content-Security-Policy" not in response
    sent = directives(response["Content-Security-Policy-Report-Only"])
    assert sent.pop("report-uri") == ["https://csp.example.gov.cn/r"]
    assert sent == directives(client.get(reverse("home"))["Content-Security-Policy"])
