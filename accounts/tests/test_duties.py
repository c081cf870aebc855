"""三员分立: what the system, security and audit administrators may open and change, and who hands out duties."""

import io

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from accounts import permissions, services
from accounts.models import AdminDuty, User
from accounts.tests.conftest import password_login
from devtools.testing import factories as f
from representatives.models import Representative
from stations.models import Station
from suggestions.models import HandlingUnit


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def form_data(obj, **changes) -> dict:
    """What the admin's change form posts for ``obj`` as it stands, with ``changes``."""
    data = {}
    for name, value in {**model_to_dict(obj), **changes}.items():
        if isinstance(value, FieldFile):
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif isinstance(value, list | tuple | set):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = getattr(value, "pk", value)
    return data


# What each duty opens in the admin ----------------------------------------------------------------------


def test_audit_admin_opens_nothing_else_in_the_admin(login, audit_admin, world):
    client = login(audit_admin)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert [app["app_label"] for app in index.context["app_list"]] == ["audit"]
    for model in admin.site._registry:
        if model._meta.app_label != "audit":
            assert client.get(changelist(model)).status_code == 403, model
    assert client.get(change_url(world.station)).status_code == 403
    assert client.get(change_url(world.staff)).status_code == 403


def test_audit_duty_reads_the_audit_app_only(audit_admin):
    assert audit_admin.has_perm("audit.view_auditrecord")
    assert not audit_admin.has_perm("audit.change_auditrecord")
    assert not audit_admin.has_perm("audit.delete_auditrecord")
    assert audit_admin.has_module_perms("audit") and not audit_admin.has_module_perms("stations")


SYSTEM_OPENS = [
    "stations.station",
    "stations.region",
    "representatives.representative",
    "suggestions.handlingunit",
    "suggestions.category",
    "suggestions.calendaroverride",
    "accounts.user",
]
SYSTEM_REFUSED = [
    "suggestions.suggestion",
    "suggestions.event",
    "suggestions.rating",
    "suggestions.notification",
    "stations.visit",
    "stations.receptionday",
    "activities.activity",
    "auth.group",
    "axes.accessattempt",
]
SECURITY_OPENS = [
    "accounts.user",
    "auth.group",
    "stations.station",
    "stations.region",
    "representatives.representative",
    "suggestions.handlingunit",
    "axes.accessattempt",
]
SECURITY_REFUSED = [
    "suggestions.suggestion",
    "suggestions.category",
    "suggestions.calendaroverride",
    "stations.standarditem",
    "representatives.residency",
    "activities.scoringrule",
]


def _changelist(label):
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_changelist")


@pytest.mark.parametrize(
    ("persona", "opens", "refused"),
    [
        ("system_admin", SYSTEM_OPENS, SYSTEM_REFUSED),
        ("security_admin", SECURITY_OPENS, SECURITY_REFUSED),
    ],
)
def test_each_duty_opens_its_own_pages_only(request, login, world, persona, opens, refused):
    client = login(request.getfixturevalue(persona))
    for label in opens:
        assert client.get(_changelist(label)).status_code == 200, label
    for label in refused:
        assert client.get(_changelist(label)).status_code == 403, label


def test_registry_duties_see_every_region(login, system_admin, security_admin, world):
    for actor in (system_admin, security_admin):
        body = login(actor).get(changelist(Station)).content.decode()
        assert "四季城人大代表联络点" in body and "原康镇人大代表联络站" in body


def test_groups_and_user_permissions_never_widen_a_duty(system_admin, audit_admin):
    extra = Permission.objects.get(codename="view_suggestion")
    group = Group.objects.create(name="督办")
    group.permissions.add(Permission.objects.get(codename="change_rating"))
    for account in (system_admin, audit_admin):
        account.user_permissions.add(extra)
        account.groups.add(group)
        fresh = User.objects.get(pk=account.pk)
        assert not fresh.has_perm("suggestions.view_suggestion")
        assert not fresh.has_perm("suggestions.change_rating")


def test_committee_admins_keep_their_permissions_but_never_get_account_keeping(world):
    world.admin.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["change_station", "change_user", "change_group", "delete_accessattempt"]
        )
    )
    admin_user = User.objects.get(pk=world.admin.pk)
    assert admin_user.has_perm("stations.change_station")
    assert not admin_user.has_perm("accounts.change_user")
    assert not admin_user.has_perm("auth.change_group")
    assert not admin_user.has_perm("axes.delete_accessattempt")


def test_an_inactive_duty_account_has_no_permission(system_admin):
    system_admin.is_active = False
    assert not system_admin.has_perm("stations.view_station")


# Registry pages: the system admin keeps the record, the security admin the role link -----------------------


def test_system_admin_changes_a_unit_but_not_its_handlers(login, system_admin, world):
    unit = world.unit
    other = f.UserFactory(username="newhandler")
    response = login(system_admin).post(
        change_url(unit), form_data(unit, name="龙亭区住房和城乡建设局", handlers=[other])
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "龙亭区住房和城乡建设局"
    assert list(unit.handlers.all()) == [world.handler]


def test_security_admin_changes_the_handlers_but_nothing_else(login, security_admin, world):
    unit = world.unit
    other = f.UserFactory(username="newhandler")
    response = login(security_admin).post(change_url(unit), form_data(unit, name="改名", handlers=[other]))
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "龙亭区住建局"
    assert list(unit.handlers.all()) == [other]


def test_security_admin_keeps_station_staff_and_representative_accounts(login, security_admin, world):
    client = login(security_admin)
    newcomer = f.UserFactory(username="newcomer")
    station = world.station
    client.post(change_url(station), form_data(station, staff=[world.staff, newcomer], name="改名"))
    station.refresh_from_db()
    assert set(station.staff.all()) == {world.staff, newcomer} and station.name == "四季城人大代表联络点"

    body = client.get(change_url(world.rep)).content.decode()
    assert 'name="user"' in body and 'name="name"' not in body
    assert client.get(reverse("admin:representatives_representative_add")).status_code == 403


def test_security_admin_cannot_add_or_delete_registry_records(login, security_admin, world):
    client = login(security_admin)
    assert client.get(reverse("admin:stations_station_add")).status_code == 403
    client.post(reverse("admin:suggestions_handlingunit_delete", args=[world.other_unit.pk]), {"post": "yes"})
    assert HandlingUnit.objects.filter(pk=world.other_unit.pk).exists()


def test_committee_admin_still_keeps_both_in_their_region(login, world):
    world.admin.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_handlingunit", "change_handlingunit"])
    )
    other = f.UserFactory(username="newhandler")
    response = login(world.admin).post(change_url(world.unit), form_data(world.unit, name="新名", handlers=[other]))
    assert response.status_code == 302
    world.unit.refresh_from_db()
    assert world.unit.name == "新名" and list(world.unit.handlers.all()) == [other]


def test_no_duty_account_can_be_given_a_business_role(login, security_admin, system_admin, world):
    client = login(security_admin)
    page = client.get(change_url(world.unit)).content.decode()
    assert "系统管理员甲" not in page
    response = client.post(change_url(world.unit), form_data(world.unit, handlers=[world.handler, system_admin]))
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert list(world.unit.handlers.all()) == [world.handler]
    rep = world.rep
    client.post(change_url(rep), form_data(rep, user=system_admin))
    assert Representative.objects.get(pk=rep.pk).user == world.rep_user


# Accounts ------------------------------------------------------------------------------------------------


def test_system_admin_creates_an_account_that_must_choose_its_password(login, system_admin):
    response = login(system_admin).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newstaff",
            "usable_password": "true",
            "password1": "Initial-Pass-2026",
            "password2": "Initial-Pass-2026",
            "full_name": "新站务",
            "phone": "",
            "email": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = User.objects.get(username="newstaff")
    assert account.must_change_password and not account.is_staff and not account.admin_duty


def test_the_add_form_refuses_a_weak_password_in_chinese(login, system_admin):
    response = login(system_admin).post(
        reverse("admin:accounts_user_add"),
        {"username": "weak", "usable_password": "true", "password1": "abc12345", "password2": "abc12345"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "密码长度太短" in body and "至少使用其中 3 类" in body
    assert not User.objects.filter(username="weak").exists()


def test_system_admin_keeps_names_and_activity_not_roles_or_privileges(login, system_admin, world):
    staff = world.staff
    group = Group.objects.create(name="组")
    data = form_data(
        staff,
        full_name="站务甲改",
        is_active=False,
        is_staff=True,
        is_superuser=True,
        admin_duty="security",
        groups=[group],
    )
    response = login(system_admin).post(change_url(staff), data)
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.full_name == "站务甲改" and not staff.is_active
    assert not staff.is_staff and not staff.is_superuser and staff.admin_duty == "" and not staff.groups.exists()


def test_security_admin_keeps_staff_flag_groups_and_permissions_only(login, security_admin, world):
    staff = world.staff
    group = Group.objects.create(name="组")
    perm = Permission.objects.get(codename="view_station")
    data = form_data(
        staff,
        full_name="改名",
        is_staff=True,
        is_superuser=True,
        admin_duty="system",
        groups=[group],
        user_permissions=[perm],
    )
    response = login(security_admin).post(change_url(staff), data)
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.is_staff and list(staff.groups.all()) == [group] and list(staff.user_permissions.all()) == [perm]
    assert staff.full_name == "站务甲" and not staff.is_superuser and staff.admin_duty == ""


def test_reserved_permissions_cannot_be_picked(login, security_admin, world):
    form = login(security_admin).get(change_url(world.staff)).context["adminform"].form
    offered = set(form.fields["user_permissions"].queryset.values_list("content_type__app_label", flat=True))
    assert "stations" in offered
    assert not offered & permissions.RESERVED_APP_LABELS


@pytest.mark.parametrize("persona", ["system_admin", "security_admin"])
def test_no_duty_changes_a_superuser_or_another_duty(request, login, persona, superuser, audit_admin):
    client = login(request.getfixturevalue(persona))
    for target in (superuser, audit_admin):
        assert client.post(change_url(target), form_data(target, full_name="被改", is_active=False)).status_code == 403
        target.refresh_from_db()
        assert target.full_name != "被改" and target.is_active
        password_url = reverse("admin:auth_user_password_change", args=[target.pk])
        data = {"password1": "Taken-Over-2026", "password2": "Taken-Over-2026", "usable_password": "true"}
        assert client.post(password_url, data).status_code == 403


def test_system_admin_sets_a_password_that_must_be_changed(login, system_admin, world):
    url = reverse("admin:auth_user_password_change", args=[world.staff.pk])
    client = login(system_admin)
    assert "md5" in client.get(change_url(world.staff)).content.decode().lower()  # the hash summary and its link
    response = client.post(
        url, {"password1": "Temporary-Pass-26", "password2": "Temporary-Pass-26", "usable_password": "true"}
    )
    assert response.status_code == 302
    world.staff.refresh_from_db()
    assert world.staff.check_password("Temporary-Pass-26") and world.staff.must_change_password


def test_security_admin_cannot_set_passwords_or_add_accounts(login, security_admin, world):
    client = login(security_admin)
    url = reverse("admin:auth_user_password_change", args=[world.staff.pk])
    data = {"password1": "Taken-Over-2026", "password2": "Taken-Over-2026", "usable_password": "true"}
    assert client.post(url, data).status_code == 403
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    assert "md5" not in client.get(change_url(world.staff)).content.decode().lower()  # the test hasher


def test_only_a_superuser_deletes_accounts(login, system_admin, world):
    login(system_admin).post(reverse("admin:accounts_user_delete", args=[world.staff.pk]), {"post": "yes"})
    assert User.objects.filter(pk=world.staff.pk).exists()


# Handing out duties ---------------------------------------------------------------------------------


def test_superuser_assigns_a_duty_in_the_admin(login, superuser):
    account = f.UserFactory(username="newsec")
    response = login(superuser).post(change_url(account), form_data(account, admin_duty=AdminDuty.SECURITY))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.admin_duty == AdminDuty.SECURITY and account.is_staff


def test_a_duty_is_refused_to_a_business_role_or_a_superuser(login, superuser, world):
    client = login(superuser)
    response = client.post(change_url(world.staff), form_data(world.staff, admin_duty=AdminDuty.SYSTEM))
    assert response.status_code == 200 and "业务角色" in response.content.decode()
    account = f.UserFactory(username="both")
    response = client.post(change_url(account), form_data(account, admin_duty=AdminDuty.AUDIT, is_superuser=True))
    assert response.status_code == 200 and "超级用户" in response.content.decode()
    assert not User.objects.filter(admin_duty__gt="").exists()


def test_the_database_refuses_a_superuser_with_a_duty(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.UserFactory(username="both", is_superuser=True, admin_duty=AdminDuty.SYSTEM)


@pytest.mark.parametrize("persona", ["system_admin", "security_admin", "audit_admin"])
def test_no_duty_hands_out_a_duty(request, persona, db):
    account = f.UserFactory(username="candidate")
    with pytest.raises(PermissionDenied):
        services.admin_duty_assign(account=account, duty=AdminDuty.AUDIT, by=request.getfixturevalue(persona))
    account.refresh_from_db()
    assert account.admin_duty == ""


def test_create_admin_duty_command_makes_an_account_that_enrols_and_changes_its_password(db, monkeypatch):
    monkeypatch.setenv("ADMIN_DUTY_PASSWORD", "Install-Time-2026")
    out = io.StringIO()
    call_command("create_admin_duty", "sec1", "--duty", "security", "--full-name", "安全员", "--no-input", stdout=out)
    account = User.objects.get(username="sec1")
    assert account.admin_duty == AdminDuty.SECURITY and account.is_staff and account.must_change_password
    assert account.check_password("Install-Time-2026") and not account.is_superuser
    client = password_login("sec1", "Install-Time-2026")
    assert client.get("/admin/")["Location"].startswith(reverse("accounts:otp_enrol"))


def test_create_admin_duty_command_refuses_a_weak_password_and_a_business_account(world, monkeypatch):
    monkeypatch.setenv("ADMIN_DUTY_PASSWORD", "short")
    with pytest.raises(CommandError, match="密码长度太短"):
        call_command("create_admin_duty", "sys1", "--duty", "system", "--no-input")
    assert not User.objects.filter(username="sys1").exists()
    with pytest.raises(CommandError, match="业务角色"):
        call_command("create_admin_duty", "staff", "--duty", "audit", "--no-input")
    world.staff.refresh_from_db()
    assert world.staff.admin_duty == ""


# Lockouts ----------------------------------------------------------------------------------------------


def lock_out(username: str, settings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": username, "password": "wrong"})
    assert client.post(reverse("accounts:login"), {"username": username, "password": f.PASSWORD}).status_code == 429


def test_security_admin_unlocks_a_locked_account(login, security_admin, world, settings):
    lock_out("staff", settings)
    client = login(security_admin)
    listing = client.get(changelist(User), {"locked": "1"})
    assert [u.username for u in listing.context["cl"].result_list] == ["staff"]
    response = client.post(changelist(User), {"action": "unlock_accounts", "_selected_action": [world.staff.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="staff").exists()
    password_login("staff")


@pytest.mark.parametrize("persona", ["system_admin", "audit_admin"])
def test_other_duties_cannot_unlock(request, login, persona, world, settings):
    lock_out("staff", settings)
    login(request.getfixturevalue(persona)).post(
        changelist(User), {"action": "unlock_accounts", "_selected_action": [world.staff.pk]}
    )
    assert AccessAttempt.objects.filter(username="staff").exists()
    with pytest.raises(PermissionDenied):
        services.account_unlock(account=world.staff, by=world.admin)


def test_the_account_list_costs_the_same_queries_for_many_accounts(
    login, security_admin, world, django_assert_max_num_queries
):
    client = login(security_admin)
    f.UserFactory.create_batch(30)
    with django_assert_max_num_queries(12):
        response = client.get(changelist(User))
    assert response.status_code == 200 and "站务甲" in response.content.decode()


def test_duty_table_names_only_real_permissions():
    """A typo in the table would silently grant nothing: every entry must name a real model."""
    for table in permissions.DUTY_PERMISSIONS.values():
        for key in table:
            app_label, model = key.split(".")
            if model != "*":
                assert apps.get_model(app_label, model)
    for key in permissions.ROLE_LINK_FIELDS:
        app_label, model = key.split(".")
        assert apps.get_model(app_label, model)._meta.get_field(permissions.ROLE_LINK_FIELDS[key])
