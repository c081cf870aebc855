"""Each kind of event leaves a record when it is done through the pages, naming who, from where and on what."""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from activities.models import Activity, ActivityKind, ActivityPhoto
from audit import chain
from audit.models import AuditAction, AuditOutcome
from core.files import UploadedAttachment
from devtools.testing import factories as f
from stations.models import ReceptionDay, Station, Visit
from suggestions.intake import personal_data, services
from suggestions.loop import actions as loop
from suggestions.models import Channel, Stage, Suggestion

PHONE = "13812345678"


def png(name="现场.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 99, 0)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def superuser(db):
    return f.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def item(world):
    world.station.head = world.rep
    world.station.save()
    return f.SuggestionFactory(station=world.station, submitter_phone=PHONE, title="路灯不亮")


def only(records):
    assert len(records) == 1, records
    return records[0]


# Sign-in ---------------------------------------------------------------------------------------------


def test_login_and_logout_are_recorded_with_the_address(client, world, trail):
    client.post(reverse("accounts:login"), {"username": "staff", "password": f.PASSWORD}, REMOTE_ADDR="10.1.2.3")
    entry = only(trail(AuditAction.LOGIN))
    assert (entry.actor_id, entry.actor_username, entry.ip) == (world.staff.pk, "staff", "10.1.2.3")
    assert entry.outcome == AuditOutcome.SUCCESS and entry.object_id == str(world.staff.pk)
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.1.2.3")
    assert only(trail(AuditAction.LOGOUT)).actor_username == "staff"


def test_failed_login_is_recorded_but_a_name_that_is_no_account_is_not_written_down(client, world, trail):
    client.post(reverse("accounts:login"), {"username": "staff", "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "my-secret-pw", "password": "wrong"})
    known, unknown = trail(AuditAction.LOGIN_FAILED)
    assert known.actor_username == "staff" and known.outcome == AuditOutcome.FAILED and known.actor_id is None
    assert known.ip == "127.0.0.1" and known.detail_data["known_account"] is True
    assert unknown.actor_username == "" and unknown.detail_data["known_account"] is False
    assert "my-secret-pw" not in unknown.detail + unknown.object_id
    assert not trail(AuditAction.LOGIN)


def test_lockout_after_repeated_failures_is_recorded(client, world, trail):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "staff", "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "staff", "password": f.PASSWORD})
    lockouts = trail(AuditAction.LOCKOUT)
    assert lockouts and all(e.outcome == AuditOutcome.DENIED and e.actor_username == "staff" for e in lockouts)
    # The right password while locked is a failure too, and says the account was locked.
    assert trail(AuditAction.LOGIN_FAILED)[-1].detail_data["locked"] is True
    assert not trail(AuditAction.LOGIN)


# The closed loop ---------------------------------------------------------------------------------------


def test_a_loop_step_through_the_page_is_recorded_with_its_stages(login, world, item, trail):
    response = login(world.staff).post(
        reverse("loop:act", args=[item.tracking_code, "hand_to_representative"]),
        {"representative": world.rep.pk},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 302
    entry = only(trail(AuditAction.LOOP_ACTION))
    assert (entry.actor_username, entry.ip, entry.outcome) == ("staff", "10.9.9.9", AuditOutcome.SUCCESS)
    assert (entry.object_type, entry.object_id) == ("suggestions.suggestion", str(item.pk))
    detail = entry.detail_data
    assert detail["step_code"] == "hand_to_representative" and detail["code"] == item.tracking_code
    assert (detail["from_code"], detail["to_code"]) == (Stage.COLLECT, Stage.ASSESS)


def test_a_step_the_user_may_not_take_is_recorded_as_denied(login, world, item, trail):
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    # The station's staff see the item but assigning it is the representative's step.
    response = login(world.staff).post(
        reverse("loop:act", args=[item.tracking_code, "assign"]), {"lead_unit": world.unit.pk}, REMOTE_ADDR="10.4.4.4"
    )
    assert response.status_code == 403
    denied = only(trail(AuditAction.LOOP_ACTION, outcome=AuditOutcome.DENIED))
    assert (denied.actor_username, denied.ip, denied.detail_data["step_code"]) == ("staff", "10.4.4.4", "assign")
    assert Suggestion.objects.get(pk=item.pk).stage == Stage.ASSESS


def test_a_second_click_on_a_step_already_taken_is_recorded_as_failed(login, world, item, trail):
    client = login(world.staff)
    url = reverse("loop:act", args=[item.tracking_code, "hand_to_representative"])
    client.post(url, {"representative": world.rep.pk})
    client.post(url, {"representative": world.rep.pk})  # the same button again, from a page left open
    done, refused = trail(AuditAction.LOOP_ACTION)
    assert done.outcome == AuditOutcome.SUCCESS and refused.outcome == AuditOutcome.FAILED
    assert refused.detail_data["step_code"] == "hand_to_representative"


def test_a_wrong_rating_code_is_recorded_as_denied_with_the_address(client, world, item, trail):
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    loop.suggestion_answer_directly(suggestion=Suggestion.objects.get(pk=item.pk), by=world.rep_user, answer="已修复")
    client.post(
        reverse("loop:rate", args=[item.tracking_code]),
        {"verdict": "satisfied", "phone_last4": "0000"},
        REMOTE_ADDR="10.7.7.7",
    )
    denied = only(trail(AuditAction.LOOP_ACTION, outcome=AuditOutcome.DENIED))
    assert (denied.actor_username, denied.ip, denied.detail_data["step_code"]) == ("", "10.7.7.7", "rate_accept")
    client.post(reverse("loop:rate", args=[item.tracking_code]), {"verdict": "satisfied", "phone_last4": "5678"})
    rated = trail(AuditAction.LOOP_ACTION, outcome=AuditOutcome.SUCCESS)[-1]
    assert rated.detail_data["step_code"] == "rate_accept" and rated.detail_data["actor_kind"] == "citizen"


def test_merging_a_duplicate_through_the_page_is_recorded(login, world, item, trail):
    twin = f.SuggestionFactory(station=world.station, title="路灯不亮（重复）")
    response = login(world.staff).post(
        reverse("suggestions:merge", args=[twin.tracking_code]), {"original": item.tracking_code}
    )
    assert response.status_code == 302
    entry = only(trail(AuditAction.LOOP_ACTION))
    assert entry.object_id == str(twin.pk) and entry.detail_data["step_code"] == "merge"
    assert item.tracking_code in entry.detail_data["step"]


# Personal data, files and exports ---------------------------------------------------------------------------------


def test_a_full_phone_on_the_suggestion_page_is_recorded_and_a_masked_one_is_not(login, world, item, trail):
    assert PHONE in login(world.staff).get(item.get_absolute_url()).content.decode()
    entry = only(trail(AuditAction.PERSONAL_DATA_VIEW))
    assert (entry.actor_username, entry.object_id, entry.detail_data["code"]) == (
        "staff",
        str(item.pk),
        item.tracking_code,
    )
    assert PHONE not in entry.detail
    body = login(world.rep_user).get(item.get_absolute_url()).content.decode()
    assert PHONE not in body and "138****5678" in body
    assert len(trail(AuditAction.PERSONAL_DATA_VIEW)) == 1


def test_the_list_with_full_phones_is_recorded_once_per_page(login, world, item, trail):
    f.SuggestionFactory(station=world.station, title="无电话")
    login(world.staff).get(reverse("suggestions:list"))
    entry = only(trail(AuditAction.PERSONAL_DATA_VIEW))
    assert entry.detail_data["code"] == [item.tracking_code]
    login(world.rep_user).get(reverse("suggestions:list"))  # masked for the representative
    assert len(trail(AuditAction.PERSONAL_DATA_VIEW)) == 1


def test_visitors_phones_on_the_reception_day_page_are_recorded(login, world, trail):
    day = ReceptionDay.objects.create(
        station=world.station, date="2026-11-04", start_time=dt.time(9), end_time=dt.time(11)
    )
    visit = Visit.objects.create(reception_day=day, visitor_name="张三", visitor_phone="13600001111", summary="路灯")
    assert "13600001111" in login(world.staff).get(reverse("reception:day", args=[day.pk])).content.decode()
    entry = only(trail(AuditAction.PERSONAL_DATA_VIEW))
    assert entry.object_type == "stations.receptionday" and entry.detail_data["ids"] == [visit.pk]


def test_an_attachment_download_is_recorded(login, world, trail):
    suggestion, _ = services.suggestion_create(
        station=world.station,
        channel=Channel.QR_STATION,
        title="路灯",
        content="路灯不亮已经一周了，请尽快维修。",
        attachments=[UploadedAttachment("现场.png", "image/png", png())],
    )
    attachment = suggestion.attachments.get()
    url = reverse("public:attachment", args=[suggestion.tracking_code, attachment.pk])
    assert login(world.staff).get(url).status_code == 200
    entry = only(trail(AuditAction.FILE_DOWNLOAD))
    assert (entry.object_type, entry.object_id) == ("suggestions.attachment", str(attachment.pk))
    assert entry.detail_data["code"] == suggestion.tracking_code
    assert login(world.other_staff).get(url).status_code == 404
    assert len(trail(AuditAction.FILE_DOWNLOAD)) == 1


def test_an_activity_photo_download_is_recorded(login, world, trail):
    activity = Activity.objects.create(
        kind=ActivityKind.objects.create(name="进园区"), date="2026-10-20", station=world.station, title="走访园区"
    )
    photo = ActivityPhoto(activity=activity, original_name="现场.png", size=10)
    photo.file.save("现场.png", png(), save=True)
    assert login(world.staff).get(reverse("activities:photo", args=[photo.pk])).status_code == 200
    entry = only(trail(AuditAction.FILE_DOWNLOAD))
    assert (entry.object_type, entry.object_id) == ("activities.activityphoto", str(photo.pk))


@pytest.mark.parametrize("name", ["suggestions:export_csv", "suggestions:export_xlsx"])
def test_a_list_export_is_recorded_with_its_filters(login, world, item, trail, name):
    response = login(world.staff).get(reverse(name), {"q": "路灯", "stage": "collect"})
    assert response.status_code == 200
    entry = only(trail(AuditAction.EXPORT))
    assert entry.actor_username == "staff" and entry.detail_data["format"] == name.rsplit("_", 1)[1]
    assert "stage=collect" in entry.detail_data["filters"]


def test_register_pages_and_exports_are_recorded(login, world, item, trail):
    client = login(world.staff)
    assert client.get(reverse("oversight:register", args=["suggestions"])).status_code == 200
    view = only(trail(AuditAction.REGISTER_VIEW))
    assert view.detail_data["register"] == "suggestions" and view.detail_data["rows"] == 1
    response = client.post(reverse("oversight:register_export", args=["suggestions"]))
    assert response.status_code == 200
    assert only(trail(AuditAction.EXPORT)).detail_data == {
        "register": "suggestions",
        "format": "xlsx",
        "filters": "",
        "rows": 1,
    }


def test_a_background_export_is_recorded_when_asked_for_and_when_downloaded(
    login, world, item, trail, settings, django_capture_on_commit_callbacks
):
    settings.REGISTER_IMMEDIATE_ROWS = 0
    client = login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("oversight:register_export", args=["suggestions"]))
    assert response.status_code == 302
    asked = only(trail(AuditAction.EXPORT))
    assert asked.detail_data["rows"] == 1
    assert client.get(response["Location"].rstrip("/") + "/download/").status_code == 200
    asked_again, downloaded = trail(AuditAction.EXPORT)
    assert asked_again.pk == asked.pk and downloaded.object_type == "oversight.exportjob"


# The admin, roles and passwords ------------------------------------------------------------------------------------


def test_an_admin_change_is_recorded_with_the_fields_changed(login, world, superuser, trail):
    client = login(superuser)
    url = reverse("admin:stations_standarditem_add")
    response = client.post(url, {"group": "阵地建设", "name": "有固定场所", "order": 1, "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = only(trail(AuditAction.ADMIN_ADD))
    assert (entry.actor_username, entry.object_type) == ("root", "stations.standarditem")
    item_pk = entry.object_id
    change = reverse("admin:stations_standarditem_change", args=[item_pk])
    client.post(change, {"group": "阵地建设", "name": "有固定活动场所", "order": 1, "is_active": "on"})
    changed = only(trail(AuditAction.ADMIN_CHANGE))
    # Django's change message names the fields (as their verbose names), never their values.
    assert changed.object_id == item_pk and "Item" in changed.detail_data["changes"]
    assert "有固定活动场所" not in changed.detail
    client.post(reverse("admin:stations_standarditem_delete", args=[item_pk]), {"post": "yes"})
    assert only(trail(AuditAction.ADMIN_DELETE)).object_id == item_pk


def test_an_admin_bulk_action_is_recorded_with_the_ids(login, world, superuser, trail):
    kinds = [ActivityKind.objects.create(name=name) for name in ("甲", "乙", "丙")]
    response = login(superuser).post(
        reverse("admin:activities_activitykind_changelist"),
        {"action": "delete_selected", "_selected_action": [k.pk for k in kinds[:2]], "post": "yes"},
    )
    assert response.status_code == 302
    assert ActivityKind.objects.count() == 1
    entry = only(trail(AuditAction.ADMIN_ACTION))
    assert entry.object_type == "activities.activitykind" and entry.actor_username == "root"
    assert sorted(entry.detail_data["ids"]) == sorted(str(k.pk) for k in kinds[:2])


def test_adding_station_staff_in_the_admin_is_a_role_change(login, world, superuser, trail):
    newcomer = f.UserFactory(username="newcomer")
    before = len(trail(AuditAction.ROLE_CHANGE))
    world.station.staff.add(newcomer)
    entry = trail(AuditAction.ROLE_CHANGE)[-1]
    assert len(trail(AuditAction.ROLE_CHANGE)) == before + 1
    assert entry.object_type == "stations.station" and entry.detail_data["added"] == ["newcomer"]
    newcomer.staff_stations.remove(world.station)  # from the other side
    removed = trail(AuditAction.ROLE_CHANGE)[-1]
    assert removed.object_id == str(world.station.pk) and removed.detail_data["removed"] == ["newcomer"]


def test_role_changes_through_the_user_admin_are_recorded_with_the_acting_admin(login, world, superuser, trail):
    target = world.staff
    client = login(superuser)
    group = f.UserFactory._meta.model.groups.field.related_model.objects.create(name="录入员")
    data = {
        "username": target.username,
        "full_name": target.full_name,
        "email": target.email,
        "phone": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [group.pk],
        "user_permissions": [Permission.objects.get(codename="view_station").pk],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }
    response = client.post(reverse("admin:accounts_user_change", args=[target.pk]), data, REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 302, re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode())
    changes = trail(AuditAction.ROLE_CHANGE, object_type="accounts.user", object_id=str(target.pk))
    assert {e.actor_username for e in changes} == {"root"} and {e.ip for e in changes} == {"10.0.0.5"}
    fields = next(e for e in changes if "fields" in e.detail_data).detail_data["fields"]
    assert fields == {"is_staff": {"from": False, "to": True}, "is_superuser": {"from": False, "to": True}}
    links = {e.detail_data["field"]: e.detail_data for e in changes if "field" in e.detail_data}
    assert links["groups"]["added"] == [f"录入员 (#{group.pk})"]
    assert "user_permissions" in links
    assert only(trail(AuditAction.ADMIN_CHANGE)).object_id == str(target.pk)


def test_an_administrator_duty_given_or_taken_is_a_role_change(world, trail):
    world.other_staff.admin_duty = "audit"
    world.other_staff.save()
    world.other_staff.admin_duty = ""
    world.other_staff.save()
    given, taken = trail(AuditAction.ROLE_CHANGE, object_type="accounts.user", object_id=str(world.other_staff.pk))
    assert given.detail_data["fields"] == {"admin_duty": {"from": "", "to": "audit"}}
    assert taken.detail_data["fields"] == {"admin_duty": {"from": "audit", "to": ""}}


def test_linking_an_account_to_a_representative_is_a_role_change(world, trail):
    account = f.UserFactory(username="newrep")
    world.other_rep.user = account
    world.other_rep.save()
    entry = trail(AuditAction.ROLE_CHANGE)[-1]
    assert entry.object_type == "representatives.representative"
    assert entry.detail_data["fields"]["user"] == {"from": "otherrep", "to": "newrep"}
    world.other_rep.name = "代表乙（改名）"
    world.other_rep.save()  # no right changed: no record
    assert trail(AuditAction.ROLE_CHANGE)[-1].pk == entry.pk


def test_own_password_change_is_recorded(login, world, trail):
    response = login(world.staff).post(
        reverse("accounts:password_change"),
        {
            "old_password": f.PASSWORD,
            "new_password1": "a-new-long-passphrase-7",
            "new_password2": "a-new-long-passphrase-7",
        },
    )
    assert response.status_code == 302
    entry = only(trail(AuditAction.PASSWORD_CHANGE))
    assert (entry.actor_username, entry.object_id) == ("staff", str(world.staff.pk))


def test_password_reset_by_link_is_recorded(client, world, trail):
    client.post(reverse("accounts:password_reset"), {"email": world.staff.email})
    assert mail.outbox
    uid = urlsafe_base64_encode(force_bytes(world.staff.pk))
    token = default_token_generator.make_token(world.staff)
    response = client.get(reverse("accounts:password_reset_confirm", args=[uid, token]), follow=True)
    client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-new-long-passphrase-7", "new_password2": "a-new-long-passphrase-7"},
    )
    entry = only(trail(AuditAction.PASSWORD_RESET))
    assert entry.actor_username == "staff" and entry.ip == "127.0.0.1"


def test_a_password_set_by_an_administrator_is_recorded_as_theirs(login, world, superuser, trail):
    url = reverse("admin:auth_user_password_change", args=[world.staff.pk])
    response = login(superuser).post(
        url, {"password1": "a-new-long-passphrase-7", "password2": "a-new-long-passphrase-7", "usable_password": "true"}
    )
    assert response.status_code == 302
    entry = only(trail(AuditAction.PASSWORD_SET))
    assert (entry.actor_username, entry.object_id) == ("root", str(world.staff.pk))


def test_a_hash_upgrade_at_login_is_not_a_password_change(world, trail):
    world.staff.password = world.staff.password  # saved as it is, as Django's rehash at login does
    world.staff.save(update_fields=["password"])
    assert not trail(AuditAction.PASSWORD_CHANGE) and not trail(AuditAction.PASSWORD_SET)


def test_every_record_of_a_busy_session_still_verifies(login, world, item, trail):
    client = login(world.staff)
    client.get(item.get_absolute_url())
    client.get(reverse("suggestions:export_csv"))
    Station.objects.filter(pk=world.station.pk).update(name="改名")
    assert len(trail()) > 5
    assert chain.verify().ok


# Second factor, lockouts lifted, personal data erased --------------------------------------------------


def test_a_wrong_code_at_the_second_step_is_a_failed_login(client, world, trail):
    auditor = f.UserFactory(username="sysadmin", admin_duty="system", is_staff=True)
    TOTPDevice.objects.create(user=auditor, name="authenticator", confirmed=True)
    client.post(reverse("accounts:login"), {"username": "sysadmin", "password": f.PASSWORD}, REMOTE_ADDR="10.9.9.9")
    client.post(reverse("accounts:otp_verify"), {"token": "000000"}, REMOTE_ADDR="10.9.9.9")
    entry = only(trail(AuditAction.LOGIN_FAILED))
    assert (entry.actor_username, entry.ip, entry.outcome) == ("sysadmin", "10.9.9.9", AuditOutcome.FAILED)
    assert entry.detail_data["where"] == "second_factor"


def test_the_security_admin_lifting_a_lockout_and_resetting_a_device_is_recorded(login, client, world, trail, settings):
    security = f.UserFactory(username="secadmin", admin_duty="security", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "admin_county", "password": "wrong"})
    TOTPDevice.objects.create(user=world.admin, name="authenticator", confirmed=True)
    client.logout()
    admin_client = login(security)
    changelist = reverse("admin:accounts_user_changelist")
    for action in ("unlock_accounts", "reset_second_factor"):
        admin_client.post(changelist, {"action": action, "_selected_action": [world.admin.pk]})
    unlock = only(trail(AuditAction.ACCOUNT_UNLOCK))
    assert (unlock.actor_username, unlock.object_id) == ("secadmin", str(world.admin.pk))
    reset = only(trail(AuditAction.SECOND_FACTOR))
    assert reset.actor_username == "secadmin" and reset.detail_data["change"] == "reset"


def test_a_citizen_withdrawing_their_details_is_recorded_without_them(client, world, item, trail):
    url = reverse("public:track_withdraw", args=[item.tracking_code])
    client.post(url, {"phone_last4": PHONE[-4:], "confirm": "1"}, REMOTE_ADDR="10.7.7.7")
    entry = only(trail(AuditAction.PERSONAL_DATA_ERASE))
    assert (entry.actor_id, entry.ip, entry.object_id) == (None, "10.7.7.7", str(item.pk))
    assert entry.detail_data["why"] == "withdrawn"
    assert PHONE not in entry.detail and PHONE[-4:] not in entry.detail


def test_the_retention_sweep_is_recorded_with_its_counts(world, trail, settings):
    settings.PERSONAL_DATA_RETENTION_YEARS = 3
    old = f.SuggestionFactory(station=world.station, submitter_phone=PHONE, stage=Stage.CLOSED)
    Suggestion.objects.filter(pk=old.pk).update(closed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    personal_data.contacts_purge_expired()
    entry = only(trail(AuditAction.PERSONAL_DATA_ERASE))
    assert entry.actor_id is None and entry.detail_data == {"why": "retention", "suggestions": 1, "visits": 0}
    personal_data.contacts_purge_expired()
    assert len(trail(AuditAction.PERSONAL_DATA_ERASE)) == 1  # a sweep that erases nothing writes nothing


def test_unlocking_the_rating_is_a_recorded_loop_step(login, world, item, trail):
    loop.suggestion_hand_to_representative(suggestion=item, by=world.staff)
    item.refresh_from_db()
    loop.suggestion_answer_directly(suggestion=item, by=world.rep_user, answer="路灯已修复。")
    Suggestion.objects.filter(pk=item.pk).update(rating_failures=loop.RATING_TRIES)
    login(world.staff).post(reverse("loop:unlock_rating", args=[item.tracking_code]))
    entry = trail(AuditAction.LOOP_ACTION, object_id=str(item.pk))[-1]
    assert entry.actor_username == "staff" and "unlock" in entry.detail
