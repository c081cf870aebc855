"""Who may open what: one decided rule per URL pattern, for every persona, checked through the pages.

The matrix below is held against the URLconf: a pattern with no entry fails
``test_every_url_pattern_has_a_decided_rule``, so a new page cannot ship
without someone deciding who may open it. The admin's patterns are decided by
the admin site itself (staff with the model's permission, scoped by region)
and are tested generically here and in detail in accounts/tests/test_admin_scope.py.

Outcomes are classes, not exact codes: ``ok`` (the page or the step is
served: 2xx, a redirect that is not to the login page, or a form error),
``denied`` (403 or 404: nothing is shown, not even whether it exists) and
``login`` (sent to sign in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import permissions
from activities.models import Activity, ActivityKind
from conftest import verify_second_factor
from devtools.testing import factories as f
from oversight.models import ExportJob
from stations.models import ReceptionDay
from suggestions.loop import actions as loop
from suggestions.models import Attachment, Notification, Reply

PERSONAS = (
    "anon",
    "staff",
    "other_staff",
    "rep_user",
    "other_rep_user",
    "handler",
    "other_handler",
    "admin",
    "other_admin",
    "city_admin",
    # The three administrator duties (三员分立): no business role, second factor verified.
    "system_admin",
    "security_admin",
    "audit_admin",
)
SIGNED_IN = PERSONAS[1:]
STAFF = ("staff", "other_staff")
REPS = ("rep_user", "other_rep_user")
HANDLERS = ("handler", "other_handler")
COMMITTEES = ("admin", "other_admin", "city_admin")
DUTIES = ("system_admin", "security_admin", "audit_admin")
# Those who work with the world's station (四季城, in 龙亭区): its staff, its resident representative, the county's
# and the city's committee admins.
AT_STATION = ("staff", "rep_user", "admin", "city_admin")
MANAGE_STATION = ("staff", "admin", "city_admin")


@dataclass
class Rule:
    args: Callable = lambda o: {}  # noqa: E731
    ok: tuple = ()
    method: str = "get"
    anon: str = "login"  # what an anonymous visitor gets: login, ok or denied
    data: dict | Callable = field(default_factory=dict)

    def expected(self, persona: str) -> str:
        if persona == "anon":
            return self.anon
        return "ok" if persona in self.ok else "denied"


def public(args=lambda o: {}, method="get", data=None) -> Rule:  # noqa: B008
    return Rule(args=args, ok=SIGNED_IN, method=method, anon="ok", data=data or {})


def signed_in(args=lambda o: {}, method="get", data=None) -> Rule:
    return Rule(args=args, ok=SIGNED_IN, method=method, data=data or {})


def only(*personas, args=lambda o: {}, method="get", data=None) -> Rule:
    return Rule(args=args, ok=personas, method=method, data=data or {})


def station_code(o):
    return {"code": o.world.station.code}


def item_code(o):
    return {"code": o.item.tracking_code}


MATRIX: dict[str, Rule] = {
    # The citizen's side: no account.
    "public:station_suggest": public(station_code),
    "public:representative_suggest": public(lambda o: {"code": o.world.rep.code}),
    "public:track_lookup": public(),
    "public:track": public(item_code),
    "loop:rate": public(item_code, method="post", data={"verdict": "satisfied", "phone_last4": "0000"}),
    "public:track_withdraw": public(item_code),
    "privacy": public(),
    "home": public(),
    "healthz": public(),
    "set_language": public(method="post", data={"language": "zh-hans", "next": "/"}),
    "stations:directory": public(),
    "stations:public": public(station_code),
    "stations:qr_svg": public(station_code),
    "stations:qr_png": public(station_code),
    "stations:poster": public(station_code),
    "representatives:public": public(lambda o: {"code": o.world.rep.code}),
    "representatives:qr_svg": public(lambda o: {"code": o.world.rep.code}),
    "representatives:qr_png": public(lambda o: {"code": o.world.rep.code}),
    "representatives:poster": public(lambda o: {"code": o.world.rep.code}),
    # Accounts.
    "accounts:login": public(),
    "accounts:logout": signed_in(method="post"),
    "accounts:profile": signed_in(),
    "accounts:password_change": signed_in(),
    "accounts:password_change_done": signed_in(),
    "accounts:otp_verify": signed_in(),
    "accounts:otp_enrol": only(*COMMITTEES, *DUTIES),  # required for the duties, optional for committee admins
    # Only in a session verified with the second factor (here: the duties').
    "accounts:otp_backup_codes": only(*DUTIES, method="post"),
    # Optional for committee admins only; the duties may not turn it off.
    "accounts:otp_disable": only(method="post"),
    "accounts:password_reset": public(),
    "accounts:password_reset_done": public(),
    "accounts:password_reset_confirm": public(lambda o: {"uidb64": "MQ", "token": "set-password"}),
    "accounts:password_reset_complete": public(),
    # Stations and representatives.
    "stations:manage": only(*STAFF, *COMMITTEES),
    "stations:regions": only(*COMMITTEES),
    "stations:region_posters": only("admin", "city_admin", args=lambda o: {"region_id": o.world.county.pk}),
    "stations:edit": only(*MANAGE_STATION, args=station_code),
    "representatives:list": only(*STAFF, *COMMITTEES),
    # Suggestions.
    "suggestions:units": only(*HANDLERS, *COMMITTEES),
    # Handlers work from their unit's inbox; the list is for those who collect, triage and supervise.
    "suggestions:list": only(*STAFF, *REPS, *COMMITTEES),
    "suggestions:export_csv": only(*STAFF, *REPS, *COMMITTEES),
    "suggestions:export_xlsx": only(*STAFF, *REPS, *COMMITTEES),
    "suggestions:new": only(*STAFF, *COMMITTEES),
    "suggestions:detail": only(*AT_STATION, "handler", args=item_code),
    "suggestions:merge": only(
        *MANAGE_STATION, args=item_code, method="post", data=lambda o: {"original": o.original.tracking_code}
    ),
    "public:attachment": only(
        *AT_STATION, "handler", args=lambda o: {"code": o.item.tracking_code, "pk": o.attachment.pk}
    ),
    "reception:station": only(*MANAGE_STATION, args=station_code),
    "reception:day": only(*MANAGE_STATION, args=lambda o: {"pk": o.day.pk}),
    "reception:my_duties": only(*REPS),
    "imports:upload": only(*MANAGE_STATION, args=station_code),
    "imports:confirm": only(*MANAGE_STATION, args=station_code, method="post"),
    "imports:cancel": only(*MANAGE_STATION, args=station_code, method="post"),
    "imports:template": only(*MANAGE_STATION, args=station_code),
    # The loop.
    "loop:station_inbox": only(*STAFF),
    "loop:representative_inbox": only(*REPS),
    "loop:unit_inbox": only(*HANDLERS),
    "loop:supervision": only(*COMMITTEES),
    "loop:reply_file": only(*AT_STATION, "handler", args=lambda o: {"code": o.item.tracking_code, "pk": o.reply.pk}),
    # Releasing the answer is the representative's step, or the station's when the representative cannot.
    "loop:act": only(
        "rep_user",
        *MANAGE_STATION,
        args=lambda o: {"code": o.item.tracking_code, "action": "release"},
        method="post",
        data={"answer": "路灯已修复。"},
    ),
    "loop:unlock_rating": only(*MANAGE_STATION, args=item_code, method="post"),
    "loop:notifications": signed_in(),
    # The audit trail: its administrator alone, not even the superuser.
    "audit:log": only("audit_admin"),
    "audit:verify": only("audit_admin", method="post"),
    "loop:notification_read": only("staff", args=lambda o: {"pk": o.notification.pk}, method="post"),
    "loop:notifications_read_all": signed_in(method="post"),
    # Activities and performance.
    "activities:list": only(*STAFF, *REPS, *COMMITTEES),
    "activities:new": only(*STAFF, *REPS, *COMMITTEES),
    "activities:detail": only(*AT_STATION, args=lambda o: {"pk": o.activity.pk}),
    "activities:photo": only(*AT_STATION, args=lambda o: {"pk": o.photo.pk}),
    "activities:ranking": only(*COMMITTEES),
    "activities:mine": only(*REPS),
    "activities:performance": only(*AT_STATION, args=lambda o: {"code": o.world.rep.code}),
    # Oversight.
    "oversight:dashboard": only(*COMMITTEES),
    "oversight:my_station_dashboard": only(*STAFF, *COMMITTEES),
    "oversight:station_dashboard": only(*MANAGE_STATION, args=station_code),
    "oversight:registers": only(*STAFF, *COMMITTEES),
    "oversight:register": only(*STAFF, *COMMITTEES, args=lambda o: {"key": "suggestions"}),
    "oversight:register_export": only(*STAFF, *COMMITTEES, args=lambda o: {"key": "suggestions"}, method="post"),
    "oversight:list_export": only(*STAFF, *REPS, *COMMITTEES, method="post"),
    "oversight:export": only("admin", args=lambda o: {"pk": o.job.pk}),
    "oversight:export_status": only("admin", args=lambda o: {"pk": o.job.pk}),
    "oversight:export_download": only("admin", args=lambda o: {"pk": o.job.pk}),
}


def _patterns(resolvers, namespace=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}:{entry.name}" if namespace else (entry.name or str(entry.pattern))


def test_every_url_pattern_has_a_decided_rule():
    names = set(_patterns(get_resolver().url_patterns))
    portal = {name for name in names if not name.startswith("admin:")}
    undecided = sorted(portal - set(MATRIX))
    assert not undecided, f"URL patterns with no rule in the access matrix: {undecided}"
    assert not set(MATRIX) - portal, f"rules for patterns that no longer exist: {sorted(set(MATRIX) - portal)}"


@dataclass
class Objects:
    world: object
    duties: dict
    item: object
    original: object
    attachment: object
    reply: object
    day: object
    activity: object
    photo: object
    notification: object
    job: object


@pytest.fixture
def objects(world):
    world.station.head = world.rep
    world.station.save()
    item = f.SuggestionFactory(station=world.station, submitter_phone="13812345678", title="路灯不亮")
    attachment = Attachment(suggestion=item, original_name="photo.png", content_type="image/png", size=3)
    attachment.file.save("photo.png", ContentFile(b"png"), save=False)
    attachment.save()
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    item.refresh_from_db()
    loop.suggestion_assign(suggestion=item, by=world.rep_user, lead_unit=world.unit, instructions="请核实")
    assignment = item.assignments.get()
    loop.assignment_accept(assignment=assignment, by=world.handler)
    loop.assignment_reply(
        assignment=assignment,
        by=world.handler,
        result=Reply.Result.SOLVED,
        text="已修复",
        file=ContentFile(b"%PDF-1.4", name="reply.pdf"),
    )
    item.refresh_from_db()
    day = ReceptionDay.objects.create(
        station=world.station, date=dt.date(2026, 11, 4), start_time=dt.time(9), end_time=dt.time(11)
    )
    activity = _activity(world, ActivityKind.objects.create(name="进企业"))
    photo = activity.photos.create(original_name="p.png", size=3, file=ContentFile(b"png", name="p.png"))
    notification = Notification.objects.create(user=world.staff, text="新的意见建议")
    job = ExportJob.objects.create(
        requested_by=world.admin, register="suggestions", title="意见建议办理簿", status=ExportJob.Status.DONE
    )
    job.file.save("register.xlsx", ContentFile(b"xlsx"))
    job.finished_at = job.created_at
    job.save()
    original = f.SuggestionFactory(station=world.station, title="路灯坏了")
    duties = {
        f"{duty}_admin": f.UserFactory(username=f"{duty}_admin", is_staff=True, admin_duty=duty)
        for duty in ("system", "security", "audit")
    }
    return Objects(
        world,
        duties,
        item,
        original,
        attachment,
        item.assignments.get().replies.get(),
        day,
        activity,
        photo,
        notification,
        job,
    )


def _activity(world, kind):
    activity = Activity.objects.create(
        station=world.station, kind=kind, title="走访企业", summary="了解用工情况", date=dt.date(2026, 11, 3)
    )
    activity.representatives.add(world.rep)
    return activity


def _outcome(response) -> str:
    status = response.status_code
    if status in (403, 404):
        return "denied"
    if status in (301, 302) and "/accounts/login/" in response.get("Location", ""):
        return "login"
    if status < 400 or status in (400, 409, 429):
        return "ok"
    return f"status {status}"


def test_each_persona_gets_the_decided_answer_on_every_page(objects, client):
    """One pass over the whole matrix (the objects are made once); every wrong answer is listed together."""
    wrong = []
    for name, rule in sorted(MATRIX.items()):
        url = reverse(name, kwargs=rule.args(objects))
        for persona in PERSONAS:
            client.logout()
            if persona != "anon":
                user = objects.duties.get(persona) or getattr(objects.world, persona)
                client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
                if permissions.second_factor_required(user):
                    verify_second_factor(client, user)
            # A step taken by one persona must not decide what the next one finds.
            with transaction.atomic():
                data = rule.data(objects) if callable(rule.data) else rule.data
                response = getattr(client, rule.method)(url, data)
                transaction.set_rollback(True)
            got = _outcome(response)
            if got != rule.expected(persona):
                wrong.append(f"{name} ({url}) {persona}: expected {rule.expected(persona)}, got {got}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("model", sorted(m._meta.label for m in admin.site._registry))
def test_the_admin_is_for_staff_accounts_only(model, world, client):
    """Every admin page of every registered model: signed-out visitors and non-staff accounts go to the admin login."""
    app_label, model_name = model.lower().split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    assert client.get(url).status_code == 302
    client.force_login(world.staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
