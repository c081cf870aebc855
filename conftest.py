"""Fixtures for the whole suite: the personas every access test uses, and the browser."""

import os
from dataclasses import dataclass

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse ORM calls from live_server tests with SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts import permissions  # noqa: E402
from devtools.testing import factories as f  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    """Without Chromium a developer's run skips the journeys; CI (REQUIRE_BROWSER=1) fails instead."""
    if os.path.exists(CHROMIUM) or os.environ.get("REQUIRE_BROWSER"):
        return
    skip = pytest.mark.skip(reason=f"browser journeys need {CHROMIUM} (scripts/test.sh installs it as root)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser; flags for a closed network as root."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


# Every page a journey opens reports the Content-Security-Policy violations it meets: Chromium logs
# each one to the console ("... violates the following Content Security Policy directive ..."), and
# this listener logs the event too, with the directive and the blocked source, in case a future
# Chromium stops logging.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content Security Policy violation: " + e.violatedDirective + " blocked " +
    (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber + " " + (e.sample || ""));
});
"""


def watch_csp(context, violations):
    context.add_init_script(CSP_LISTENER)
    context.on(
        "console",
        lambda message: (
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return context


@pytest.fixture(autouse=True)
def csp_violations_fail_the_journey(request, monkeypatch):
    """A browser journey fails when any page it opens breaks the Content-Security-Policy.

    Set up before pytest-playwright's ``context`` (autouse fixtures come first), so the journey's own
    page and every context it opens itself with ``browser.new_context`` are watched.
    """
    if request.node.get_closest_marker("browser") is None:
        yield []
        return
    browser = request.getfixturevalue("browser")
    violations = []
    open_context = browser.new_context
    monkeypatch.setattr(browser, "new_context", lambda *a, **kw: watch_csp(open_context(*a, **kw), violations))
    yield violations
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


@dataclass
class World:
    """Two counties of one city, a station in each, and one persona per access case."""

    city: object
    county: object
    other_county: object
    station: object
    other_station: object
    unit: object
    other_unit: object
    staff: object
    other_staff: object
    rep: object
    rep_user: object
    other_rep: object
    other_rep_user: object
    handler: object
    other_handler: object
    admin: object
    other_admin: object
    city_admin: object


@pytest.fixture
def world(db):
    city = f.RegionFactory(name="开封市", level="city")
    county = f.RegionFactory(name="龙亭区", level="county", parent=city)
    township = f.RegionFactory(name="北郊乡", level="township", parent=county)
    other_county = f.RegionFactory(name="林州市", level="county", parent=city)
    other_township = f.RegionFactory(name="原康镇", level="township", parent=other_county)

    station = f.StationFactory(name="四季城人大代表联络点", kind="community", region=township, phone="0371-1234567")
    other_station = f.StationFactory(name="原康镇人大代表联络站", region=other_township)

    staff = f.UserFactory(username="staff", full_name="站务甲")
    station.staff.add(staff)
    other_staff = f.UserFactory(username="otherstaff", full_name="站务乙")
    other_station.staff.add(other_staff)

    rep_user = f.UserFactory(username="rep")
    rep = f.RepresentativeFactory(name="代表甲", user=rep_user, phone="13800001111")
    f.MembershipFactory(representative=rep, level="city", region=city)
    f.ResidencyFactory(representative=rep, station=station)
    other_rep_user = f.UserFactory(username="otherrep")
    other_rep = f.RepresentativeFactory(name="代表乙", user=other_rep_user, phone="13800002222")
    f.ResidencyFactory(representative=other_rep, station=other_station)

    unit = f.HandlingUnitFactory(name="龙亭区住建局", region=county)
    other_unit = f.HandlingUnitFactory(name="林州市水利局", region=other_county)
    handler = f.UserFactory(username="handler")
    unit.handlers.add(handler)
    other_handler = f.UserFactory(username="otherhandler")
    other_unit.handlers.add(other_handler)

    admin = f.UserFactory(username="admin_county", is_staff=True)
    county.committee_admins.add(admin)
    other_admin = f.UserFactory(username="admin_other", is_staff=True)
    other_county.committee_admins.add(other_admin)
    city_admin = f.UserFactory(username="admin_city", is_staff=True)
    city.committee_admins.add(city_admin)

    return World(
        city=city,
        county=county,
        other_county=other_county,
        station=station,
        other_station=other_station,
        unit=unit,
        other_unit=other_unit,
        staff=staff,
        other_staff=other_staff,
        rep=rep,
        rep_user=rep_user,
        other_rep=other_rep,
        other_rep_user=other_rep_user,
        handler=handler,
        other_handler=other_handler,
        admin=admin,
        other_admin=other_admin,
        city_admin=city_admin,
    )


def verify_second_factor(client, user):
    """Mark the client's session as verified with a (new) confirmed TOTP device, as the log-in's second step does."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "authenticator"})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as that persona and returns the client.

    Accounts that must use a second factor (the superuser, the administrator duties) are
    signed in fully, second step included; the steps themselves are tested in accounts/tests.
    """

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        if permissions.second_factor_required(user):
            verify_second_factor(client, user)
        return client

    return _login
