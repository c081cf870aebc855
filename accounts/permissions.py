"""Who may see or change what: the one place that answers.

Views and services both ask these functions; nothing else decides access.
Roles follow from the links an account has (see :class:`accounts.models.User`).
The functions take model instances and build ``Q`` objects by field name, so
this module imports no model of the apps above it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from core.sms import mask_phone

from .models import AdminDuty, Role

_CACHE_ATTR = "_liaison_role_cache"


def _cache(user) -> dict:
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _CACHE_ATTR, cache)
    return cache


def _links(user) -> dict:
    """Everything that makes up the user's roles, read in one UNION query and kept on the user object.

    Every page asks for the roles (for the menu) and most views then ask again for
    scope; one round trip instead of four keeps the fixed cost of a page low.
    """
    cache = _cache(user)
    if "links" in cache:
        return cache["links"]
    links = {"paths": [], "stations": [], "representative": None, "units": []}
    if user.is_authenticated:
        rep_model = get_user_model()._meta.get_field("representative").related_model

        def tagged(queryset, tag, field):
            return (
                queryset.annotate(
                    _tag=Value(tag, output_field=CharField()), _value=Cast(field, output_field=CharField())
                )
                .values_list("_tag", "_value")
                .order_by()
            )

        rows = tagged(user.committee_regions.all(), "p", "path").union(
            tagged(user.staff_stations.all(), "s", "pk"),
            tagged(rep_model.objects.filter(user=user), "r", "pk"),
            tagged(user.handling_units.all(), "u", "pk"),
            all=True,
        )
        for tag, value in rows:
            if tag == "p":
                links["paths"].append(value)
            elif tag == "s":
                links["stations"].append(int(value))
            elif tag == "r":
                links["representative"] = int(value)
            else:
                links["units"].append(int(value))
    cache["links"] = links
    return links


def figures_scope(user) -> str:
    """What a committee admin's kept figures depend on: the region subtrees they supervise (core.kept's key)."""
    return "*" if user.is_superuser else ",".join(sorted(committee_region_paths(user)))


def committee_region_paths(user) -> list[str]:
    """Materialised paths of the region subtrees a committee admin supervises."""
    return _links(user)["paths"]


def staff_station_ids(user) -> list[int]:
    return _links(user)["stations"]


def representative_id(user) -> int | None:
    return _links(user)["representative"]


def handling_unit_ids(user) -> list[int]:
    return _links(user)["units"]


def roles(user) -> set[str]:
    """The roles an account holds now, derived from its links."""
    if not user.is_authenticated:
        return set()
    held = set()
    if staff_station_ids(user):
        held.add(Role.STATION_STAFF)
    if representative_id(user):
        held.add(Role.REPRESENTATIVE)
    if handling_unit_ids(user):
        held.add(Role.UNIT_HANDLER)
    if committee_region_paths(user) or user.is_superuser:
        held.add(Role.COMMITTEE_ADMIN)
    return held


def has_role(user, role: str) -> bool:
    return role in roles(user)


# Pages by role: each page that is for some roles only asks one of these --------------------------


def _any_role(user, *wanted) -> bool:
    return bool(roles(user) & set(wanted))


def may_keep_stations(user) -> bool:
    """The stations' own pages (their list, offline entry, registers, a station's dashboard): staff and committees."""
    return _any_role(user, Role.STATION_STAFF, Role.COMMITTEE_ADMIN)


def may_supervise(user) -> bool:
    """The committee's pages: the dashboard, supervision, posters by region, the ranking."""
    return has_role(user, Role.COMMITTEE_ADMIN)


def may_list_units(user) -> bool:
    """The handling units list: the committee's units, or a handler's own."""
    return _any_role(user, Role.COMMITTEE_ADMIN, Role.UNIT_HANDLER)


def may_see_activities(user) -> bool:
    """Activities of representatives: staff, the representatives themselves, committees."""
    return _any_role(user, Role.STATION_STAFF, Role.REPRESENTATIVE, Role.COMMITTEE_ADMIN)


def may_use_station_inbox(user) -> bool:
    return has_role(user, Role.STATION_STAFF)


def may_use_representative_inbox(user) -> bool:
    return has_role(user, Role.REPRESENTATIVE)


def may_use_unit_inbox(user) -> bool:
    return has_role(user, Role.UNIT_HANDLER)


# Administrator duties (三员分立) ---------------------------------------------------
#
# A duty's Django permissions come from the table below and from nothing else: the
# authentication backend (accounts.backends.AdminDutyBackend) grants what a duty lists
# and refuses everything else, whatever groups or user permissions the account has. A
# table in code rather than groups in the database, so that no administrator can widen
# a duty (the security admin keeps the groups: with groups, they could widen their own).

_ALL = frozenset({"view", "add", "change", "delete"})
_KEEP = frozenset({"view", "change"})

DUTY_PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    # Accounts and the registries. Not the role links (below), not the loop's records and
    # the citizens' data in them, not the committees' scoring rules.
    AdminDuty.SYSTEM: {
        "accounts.user": frozenset({"view", "add", "change"}),
        "stations.region": _ALL,
        "stations.industrychain": _ALL,
        "stations.standarditem": _ALL,
        "stations.station": _ALL,
        "representatives.professionalgroup": _ALL,
        "representatives.representative": _ALL,
        "representatives.congressmembership": _ALL,
        "representatives.residency": _ALL,
        "suggestions.handlingunit": _ALL,
        "suggestions.category": _ALL,
        "suggestions.calendaroverride": _ALL,
    },
    # Who holds which role: the role links, groups and permissions, lockouts, second factors.
    AdminDuty.SECURITY: {
        "accounts.user": _KEEP,
        "auth.group": _ALL,
        "stations.region": _KEEP,
        "stations.station": _KEEP,
        "suggestions.handlingunit": _KEEP,
        "representatives.representative": _KEEP,
        "axes.accessattempt": frozenset({"view", "delete"}),
        "axes.accessfailurelog": frozenset({"view"}),
    },
    # The audit trail, read only ("audit.*": every model of the audit app).
    AdminDuty.AUDIT: {
        "audit.*": frozenset({"view"}),
    },
}

# Permissions in these apps come only from a duty (or being a superuser): a committee
# admin given "accounts.change_user" or "auth.change_group" would undo the separation.
RESERVED_APP_LABELS = frozenset({"accounts", "auth", "axes", "otp_totp", "otp_static", "audit"})

# The links that make the business roles, by model: the security admin keeps these fields,
# the system admin everything else on the same pages.
ROLE_LINK_FIELDS: dict[str, str] = {
    "stations.region": "committee_admins",
    "stations.station": "staff",
    "suggestions.handlingunit": "handlers",
    "representatives.representative": "user",
}

# What each duty may change on an account in the Django admin; a superuser changes everything.
_ACCOUNT_FIELDS_BY_DUTY = {
    AdminDuty.SYSTEM: frozenset(
        {"username", "first_name", "last_name", "full_name", "email", "phone", "is_active", "must_change_password"}
    ),
    AdminDuty.SECURITY: frozenset({"is_staff", "groups", "user_permissions"}),
}


def admin_duty(user) -> str:
    """The account's administrator duty ("" for none). Separate from the business roles above."""
    if not user.is_authenticated:
        return ""
    return user.admin_duty or ""


def is_system_admin(user) -> bool:
    """Keeps accounts and the registries (系统管理员)."""
    return admin_duty(user) == AdminDuty.SYSTEM


def is_security_admin(user) -> bool:
    """Keeps roles, the password policy, lockouts and second factors (安全管理员)."""
    return admin_duty(user) == AdminDuty.SECURITY


def may_read_audit_log(user) -> bool:
    """Only the audit administrator (审计管理员) reads the audit trail; nobody else, the superuser included."""
    return admin_duty(user) == AdminDuty.AUDIT


def duty_grants(duty: str, perm: str) -> bool:
    """Does the duty's table hold ``perm`` ("app_label.action_model")?"""
    app_label, _, codename = perm.partition(".")
    action, _, model = codename.partition("_")
    table = DUTY_PERMISSIONS.get(duty, {})
    actions = table.get(f"{app_label}.{model}") or table.get(f"{app_label}.*") or frozenset()
    return action in actions


def duty_opens_app(duty: str, app_label: str) -> bool:
    return any(key.partition(".")[0] == app_label for key in DUTY_PERMISSIONS.get(duty, {}))


def sees_every_region_in_admin(user) -> bool:
    """The superuser and the registry-keeping duties work across the whole installation, not a subtree."""
    return user.is_authenticated and (user.is_superuser or admin_duty(user) in (AdminDuty.SYSTEM, AdminDuty.SECURITY))


def may_assign_duty(user) -> bool:
    """Only a superuser (the installation account) hands out duties; no duty can hand out another."""
    return user.is_authenticated and user.is_active and user.is_superuser


def duty_refusal(account, duty: str, *, is_superuser: bool | None = None) -> str:
    """Why ``account`` may not hold ``duty`` ("" when it may): duties go to accounts that do nothing else.

    ``is_superuser`` is the flag as a form is about to save it, when it differs from the account's.
    """
    if not duty:
        return ""
    if account.is_superuser if is_superuser is None else is_superuser:
        return _("A superuser cannot hold an administrator duty: it would pass every check of the other duties.")
    if account.pk and roles(account):
        return _("An account that holds a business role cannot hold an administrator duty; use a separate account.")
    return ""


def business_role_holders_q() -> Q:
    """The accounts that may be linked to a business role (station staff, handler, committee admin,
    representative): none with a duty."""
    return Q(admin_duty="")


def role_link_field(model_label: str) -> str:
    return ROLE_LINK_FIELDS.get(model_label, "")


def editable_registry_fields(user, model_label: str, fields) -> set[str]:
    """Of ``fields`` on a registry page, those ``user`` may change.

    The system admin keeps the registry but not who holds its roles; the security admin
    keeps only the role link. Committee admins (a business role) and the superuser keep both.
    """
    fields = set(fields)
    link = role_link_field(model_label)
    if is_system_admin(user):
        return fields - {link}
    if is_security_admin(user):
        return fields & {link}
    return fields


def is_protected_account(account) -> bool:
    """Superusers and duty accounts are changed by a superuser only, so that no duty can take over another."""
    return bool(account.is_superuser or account.admin_duty)


def editable_account_fields(user, account) -> frozenset[str] | None:
    """The fields of ``account`` that ``user`` may change in the admin (None: all of them)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    if account is not None and is_protected_account(account):
        return frozenset()
    return _ACCOUNT_FIELDS_BY_DUTY.get(admin_duty(user), frozenset())


def may_set_password_of(user, account) -> bool:
    """Setting someone else's password belongs to keeping accounts (the system admin), never on a protected one."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return is_system_admin(user) and not is_protected_account(account)


def may_unlock_accounts(user) -> bool:
    """Lifting a lockout after failed log-ins (django-axes) is the security admin's."""
    return user.is_authenticated and user.is_active and (user.is_superuser or is_security_admin(user))


def may_reset_second_factor(user, account) -> bool:
    """The security admin resets another account's second factor (lost phone); a superuser's only by a superuser."""
    if not may_unlock_accounts(user):
        return False
    if user.is_superuser:
        return True
    return account.pk != user.pk and not account.is_superuser


def second_factor_required(user) -> bool:
    """The three duties and the superuser cannot use any page before a second factor is verified in the session."""
    return user.is_authenticated and bool(user.is_superuser or admin_duty(user))


def may_use_second_factor(user) -> bool:
    """Committee admins may enrol on their own; for the duties and the superuser it is required."""
    return second_factor_required(user) or has_role(user, Role.COMMITTEE_ADMIN)


def password_expires(user) -> bool:
    """The maximum password age holds for accounts with a staff role or a duty, not for representatives alone."""
    if not user.is_authenticated:
        return False
    if admin_duty(user) or user.is_superuser:
        return True
    return bool(roles(user) & {Role.STATION_STAFF, Role.UNIT_HANDLER, Role.COMMITTEE_ADMIN})


def region_in_scope(user, region) -> bool:
    """Is ``region`` inside a subtree the committee admin supervises?"""
    if user.is_authenticated and user.is_superuser:
        return True
    return any(region.path.startswith(path) for path in committee_region_paths(user))


def _committee_q(user, region_field: str) -> Q:
    """``region_field`` lies in a supervised subtree, as ``IN (SELECT id FROM region WHERE path LIKE …)``.

    A subquery on the small region table instead of a join lets the database walk
    the big table's own indexes (received date, stage) and stop after one page.
    """
    paths = committee_region_paths(user)
    if not paths:
        return Q(pk__in=[])
    region_model = user.committee_regions.model
    in_subtree = Q()
    for path in paths:
        in_subtree |= Q(path__startswith=path)
    return Q(**{f"{region_field}__in": region_model.objects.filter(in_subtree).values("pk")})


# Stations -----------------------------------------------------------------


def managed_stations_q(user) -> Q:
    """Stations the user may edit: their own as staff, their region's as committee admin."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return Q(pk__in=staff_station_ids(user)) | _committee_q(user, "region")


def can_manage_station(user, station) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or station.pk in staff_station_ids(user) or region_in_scope(user, station.region)


# Representatives ----------------------------------------------------------


def may_list_representatives(user) -> bool:
    """The staff list of representatives is for station staff and committee admins."""
    return may_keep_stations(user)


def listed_representatives_q(user) -> Q:
    """Representatives the user may see in the staff list (with contact phones)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    query = Q(residencies__station__in=staff_station_ids(user))
    query |= _committee_q(user, "residencies__station__region")
    query |= _committee_q(user, "memberships__region")
    return query


def can_see_representative_contact(user, representative) -> bool:
    """Contact phones are for staff who work with the representative, and the person themself."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or representative_id(user) == representative.pk:
        return True
    if any(s.pk in staff_station_ids(user) for s in representative.stations.all()):
        return True
    return can_manage_representative(user, representative)


def can_manage_representative(user, representative) -> bool:
    """Committee admins edit the representatives resident or seated in their region."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if any(region_in_scope(user, s.region) for s in representative.stations.all()):
        return True
    return any(m.region_id and region_in_scope(user, m.region) for m in representative.memberships.all())


# Regions and units --------------------------------------------------------


def can_download_region_posters(user, region) -> bool:
    return may_supervise(user) and region_in_scope(user, region)


def may_edit_shared_registries(user) -> bool:
    """Lists that hold for every county (categories, kinds, scoring rules, the calendar) are kept by the
    top-level committee (a committee admin of a whole city: a region path of one level), the system
    administrator (within the models of their duty, see DUTY_PERMISSIONS) or the superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or is_system_admin(user):
        return True
    return any(path.count("/") == 1 for path in committee_region_paths(user))


def visible_regions_q(user) -> Q:
    if user.is_authenticated and user.is_superuser:
        return Q()
    query = Q(pk__in=[])
    for path in committee_region_paths(user):
        query |= Q(path__startswith=path)
    return query


def listed_units_q(user) -> Q:
    """Handling units a committee admin supervises, or a handler's own units."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return Q(pk__in=handling_unit_ids(user)) | _committee_q(user, "region")


# Accounts in the admin ---------------------------------------------------------


def _accounts_linked_in_scope_q(user) -> Q:
    """Accounts that work inside the committee admin's subtree: its stations' staff, its units' handlers, the
    representatives resident at its stations, and the committee admins of its regions."""
    model = get_user_model()
    stations = user.staff_stations.model.objects.filter(_committee_q(user, "region")).values("pk")
    units = user.handling_units.model.objects.filter(_committee_q(user, "region")).values("pk")
    regions = user.committee_regions.model.objects.filter(visible_regions_q(user)).values("pk")
    return (
        Q(pk__in=model.objects.filter(staff_stations__in=stations).values("pk"))
        | Q(pk__in=model.objects.filter(handling_units__in=units).values("pk"))
        | Q(pk__in=model.objects.filter(representative__residencies__station__in=stations).values("pk"))
        | Q(pk__in=model.objects.filter(committee_regions__in=regions).values("pk"))
    )


def _unlinked_accounts_q() -> Q:
    """Accounts with no role yet and no administrator duty: a committee admin may give them a role."""
    unlinked = get_user_model().objects.filter(
        staff_stations=None,
        handling_units=None,
        representative=None,
        committee_regions=None,
        is_superuser=False,
        admin_duty="",
    )
    return Q(pk__in=unlinked.values("pk"))


def admin_accounts_q(user) -> Q:
    """Accounts a committee admin may see and choose in the admin: their own, those linked inside their subtree,
    and accounts linked to nothing yet. Never the superuser's or an administrator duty's account."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    if not committee_region_paths(user):
        return Q(pk=user.pk)
    ordinary = Q(is_superuser=False, admin_duty="")
    return Q(pk=user.pk) | (_accounts_linked_in_scope_q(user) & ordinary) | _unlinked_accounts_q()


def representative_within_scope(user, representative) -> bool:
    """Is every station where the representative is resident inside the committee admin's subtree?

    A representative's account reads the suggestions of every station they are
    resident at: a county may change (and link an account to) only its own.
    """
    if not user.is_authenticated:
        return False
    if sees_every_region_in_admin(user):
        return True
    return not representative.residencies.exclude(_committee_q(user, "station__region")).exists()


# Suggestions --------------------------------------------------------------


def visible_suggestions_q(user) -> Q:
    """Suggestions the user may see: their stations' (staff), their stations' and those
    addressed to them (representatives), their region's (committee admins)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    query = Q(station__in=staff_station_ids(user)) | _committee_q(user, "region")
    rep = representative_id(user)
    if rep:
        resident_at = user.staff_stations.model.objects.filter(residencies__representative=rep).values("pk")
        query |= Q(representative=rep) | Q(station__in=resident_at)
    units = handling_unit_ids(user)
    if units:
        # Handlers read what they answer: the suggestions assigned to their units.
        assigned = user.handling_units.model.objects.filter(pk__in=units).values("assignments__suggestion_id")
        query |= Q(pk__in=assigned)
    return query


def may_use_suggestion_list(user) -> bool:
    """The list of suggestions is for those who collect, triage and supervise; handlers work from their inbox."""
    return _any_role(user, Role.STATION_STAFF, Role.REPRESENTATIVE, Role.COMMITTEE_ADMIN)


def can_see_suggestion(user, suggestion) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or suggestion.station_id in staff_station_ids(user):
        return True
    if region_in_scope(user, suggestion.region):
        return True
    rep = representative_id(user)
    if rep and (
        suggestion.representative_id == rep or suggestion.station.residencies.filter(representative=rep).exists()
    ):
        return True
    # Handlers read what they answer: the suggestions assigned to their units.
    units = handling_unit_ids(user)
    return bool(units) and suggestion.assignments.filter(unit__in=units).exists()


def can_enter_suggestions(user, station) -> bool:
    """Staff of the station (and committee admins of its region) enter suggestions from offline channels."""
    return can_manage_station(user, station)


def can_merge_suggestion(user, suggestion) -> bool:
    """Merging duplicates is part of 汇总梳理, done by the station's staff (or the committee)."""
    return can_manage_station(user, suggestion.station)


def may_see_full_phone(user, record) -> bool:
    """The station's own staff call citizens back; everyone else sees 138****1234.

    ``record`` is anything with a ``station_id``: a suggestion, a reception day.
    """
    if not user.is_authenticated:
        return False
    return user.is_superuser or record.station_id in staff_station_ids(user)


def full_phone_q(user) -> Q:
    """``may_see_full_phone`` as a filter: the records whose numbers this user may see (and so search by)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return Q(station_id__in=staff_station_ids(user))


def phone_shown_to(user, record, phone: str) -> str:
    """The phone number as this user may see it on ``record``: in full, or masked."""
    return phone if may_see_full_phone(user, record) else mask_phone(phone)


# Activities and performance -------------------------------------------------


def visible_activities_q(user) -> Q:
    """Activities of the user's stations (staff), their own (a representative), their region's (committee)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    query = Q(station__in=staff_station_ids(user)) | _committee_q(user, "station__region")
    rep = representative_id(user)
    if rep:
        query |= Q(representatives=rep) | Q(station__residencies__representative=rep)
    return query


def can_record_activity(user, station) -> bool:
    """Station staff, committee admins of its region and the representatives resident there."""
    if not user.is_authenticated:
        return False
    if can_manage_station(user, station):
        return True
    rep = representative_id(user)
    return bool(rep) and station.residencies.filter(representative_id=rep).exists()


def can_see_performance(user, representative) -> bool:
    """A representative's score and records: the person, staff of their stations, the committee of their region."""
    return can_see_representative_contact(user, representative)


def may_rank_representatives(user) -> bool:
    return may_supervise(user)
