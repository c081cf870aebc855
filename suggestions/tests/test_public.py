"""The citizen's side: the form behind a QR code, the tracking page, limits, files, and staff downloads."""

import io
import re
import uuid

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse, set_script_prefix
from PIL import Image

from core import ratelimit
from core.codes import ALPHABET
from core.files import UploadedAttachment
from core.sms import LoggingSmsBackend
from devtools.testing import factories as f
from suggestions.intake import services
from suggestions.models import Attachment, Category, Channel, Event, Stage, Suggestion

CONTENT = "北郊乡人民路路灯坏了两个星期，晚上很黑，老人孩子出门不方便，请尽快安排修好，并定期检查。"


@pytest.fixture(autouse=True)
def _fresh_limits_and_outbox():
    cache.clear()
    LoggingSmsBackend.outbox.clear()
    yield
    cache.clear()
    LoggingSmsBackend.outbox.clear()


@pytest.fixture
def en_client():
    """Messages are asserted in English, the msgids: the Chinese translations are added later."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def jpeg_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (183, 28, 28)).save(buffer, "JPEG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def jpeg(name="路灯.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def station_form_url(world):
    return reverse("public:station_suggest", args=[world.station.code])


def form_data(**overrides):
    data = {"content": CONTENT, "idempotency_key": str(uuid.uuid4())}
    data.update(overrides)
    return data


def headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", html, re.S)]


# The form ------------------------------------------------------------------


def test_station_page_button_opens_the_form(client, world):
    body = client.get(world.station.get_absolute_url()).content.decode()
    assert f'href="{station_form_url(world)}"' in body
    assert "即将开通" not in body  # "opens soon" is gone


def test_representative_page_button_opens_the_form(client, world):
    body = client.get(world.rep.get_absolute_url()).content.decode()
    assert f'href="{reverse("public:representative_suggest", args=[world.rep.code])}"' in body


def test_form_is_public_and_carries_a_fresh_idempotency_key(en_client, world):
    Category.objects.create(name="城建交通")
    first = en_client.get(station_form_url(world))
    second = en_client.get(station_form_url(world))
    assert first.status_code == 200
    body = first.content.decode()
    assert world.station.name in body and "城建交通" in body
    assert 'enctype="multipart/form-data"' in body
    keys = [re.search(r'name="idempotency_key" value="([^"]+)"', r.content.decode()).group(1) for r in (first, second)]
    assert keys[0] != keys[1] and all(uuid.UUID(key) for key in keys)
    # A cached form would hand every citizen the same key, and then the same suggestion.
    assert "no-store" in first["Cache-Control"]


def test_citizen_submits_anonymously_from_station_qr(client, world):
    category = Category.objects.create(name="城建交通")
    response = client.post(station_form_url(world), form_data(category=category.pk, location="人民路与建设路口"))
    suggestion = Suggestion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/t/{suggestion.tracking_code}/?new=1"
    assert suggestion.station == world.station
    assert suggestion.region == world.station.region
    assert suggestion.representative is None
    assert suggestion.channel == Channel.QR_STATION
    assert suggestion.category == category
    assert suggestion.location == "人民路与建设路口"
    assert suggestion.content == CONTENT
    assert suggestion.title == CONTENT[:30] + "…"
    assert suggestion.is_anonymous and not suggestion.is_enterprise
    assert suggestion.created_by is None
    event = suggestion.events.get()
    assert event.kind == Event.Kind.RECEIVED and world.station.name in event.public_text


def test_short_content_becomes_the_whole_title(client, world):
    client.post(station_form_url(world), form_data(content="小区门口的垃圾没人清运"))
    assert Suggestion.objects.get().title == "小区门口的垃圾没人清运"


def test_submission_from_representative_qr_is_addressed_to_them_and_their_first_station(client, world):
    later_station = f.StationFactory(region=world.other_station.region)
    f.ResidencyFactory(representative=world.rep, station=later_station)
    url = reverse("public:representative_suggest", args=[world.rep.code])
    assert world.rep.name in client.get(url).content.decode()

    client.post(url, form_data())

    suggestion = Suggestion.objects.get()
    assert suggestion.representative == world.rep
    assert suggestion.station == world.station  # first residency by id
    assert suggestion.channel == Channel.QR_REPRESENTATIVE


def test_representative_resident_nowhere_gets_a_friendly_page_without_form(en_client, world):
    rep = f.RepresentativeFactory(name="代表丙")
    url = reverse("public:representative_suggest", args=[rep.code])
    response = en_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "cannot receive suggestions online yet" in body and "代表丙" in body
    assert "<form" not in body.split('id="main"')[1]
    en_client.post(url, form_data())
    assert not Suggestion.objects.exists()


def test_unknown_station_code_is_404(client, world):
    assert client.get(reverse("public:station_suggest", args=["ZZZZZZZZ"])).status_code == 404


def test_enterprise_flag_requires_the_enterprise_name(en_client, world):
    response = en_client.post(station_form_url(world), form_data(is_enterprise="on"))
    assert response.status_code == 200
    assert "enterprise_name" in response.context["form"].errors
    assert "Give the enterprise&#x27;s name." in response.content.decode()
    assert not Suggestion.objects.exists()

    en_client.post(station_form_url(world), form_data(is_enterprise="on", enterprise_name="汝州陶瓷有限公司"))
    suggestion = Suggestion.objects.get()
    assert suggestion.is_enterprise and suggestion.enterprise_name == "汝州陶瓷有限公司"


def test_enterprise_name_without_the_flag_is_dropped(client, world):
    client.post(station_form_url(world), form_data(enterprise_name="某公司"))
    suggestion = Suggestion.objects.get()
    assert not suggestion.is_enterprise and suggestion.enterprise_name == ""


@pytest.mark.parametrize("phone", ["12800001111", "1380000111", "138000011112", "02112345678", "abcdefghijk"])
def test_phone_must_be_a_mainland_mobile_number(en_client, world, phone):
    response = en_client.post(station_form_url(world), form_data(submitter_phone=phone, consent="on"))
    assert "submitter_phone" in response.context["form"].errors
    assert "11-digit mainland mobile number" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_phone_typed_with_country_code_and_spaces_is_accepted(client, world):
    client.post(station_form_url(world), form_data(submitter_phone="+86 139-0000 2222", consent="on"))
    assert Suggestion.objects.get().submitter_phone == "13900002222"


@pytest.mark.parametrize("contact", [{"submitter_name": "王女士"}, {"submitter_phone": "13900002222"}])
def test_consent_is_required_when_name_or_phone_is_given(en_client, world, contact):
    response = en_client.post(station_form_url(world), form_data(**contact))
    assert "consent" in response.context["form"].errors
    body = response.content.decode()
    assert "leave name and number empty to stay anonymous" in body
    assert re.search(r"<details[^>]*open", body)  # the contact section stays open to show the error
    assert not Suggestion.objects.exists()


def test_named_submission_with_consent_keeps_name_and_phone(client, world):
    client.post(
        station_form_url(world), form_data(submitter_name="王女士", submitter_phone="13900002222", consent="on")
    )
    suggestion = Suggestion.objects.get()
    assert (suggestion.submitter_name, suggestion.submitter_phone) == ("王女士", "13900002222")
    assert not suggestion.is_anonymous


def test_tracking_code_is_sent_by_sms_when_a_phone_is_given(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(station_form_url(world), form_data(submitter_phone="13900002222", consent="on"))
    suggestion = Suggestion.objects.get()
    assert len(LoggingSmsBackend.outbox) == 1
    phone, text = LoggingSmsBackend.outbox[0]
    assert phone == "13900002222"
    assert suggestion.tracking_code in text and f"/t/{suggestion.tracking_code}/" in text


def test_no_sms_for_an_anonymous_submission(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(station_form_url(world), form_data())
    assert Suggestion.objects.count() == 1
    assert LoggingSmsBackend.outbox == []


def test_tracking_code_is_long_and_unambiguous(client, world):
    for _ in range(5):
        client.post(station_form_url(world), form_data())
    codes = list(Suggestion.objects.values_list("tracking_code", flat=True))
    assert len(set(codes)) == 5
    for code in codes:
        assert len(code) >= 10
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("0O1IL")


def test_double_submit_with_the_same_key_makes_one_suggestion(client, world):
    data = form_data(submitter_phone="13900002222", consent="on")
    first = client.post(station_form_url(world), data)
    second = client.post(station_form_url(world), data)
    assert Suggestion.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert second["Location"].endswith("?new=1")


def test_old_key_with_new_text_makes_a_new_suggestion(client, world):
    # A form restored from the browser's history: same key, a different suggestion.
    key = str(uuid.uuid4())
    client.post(station_form_url(world), form_data(idempotency_key=key))
    other = "另一件事：小区电梯经常停运，请督促物业维修。"
    client.post(station_form_url(world), form_data(idempotency_key=key, content=other))
    assert Suggestion.objects.count() == 2


def test_missing_or_mangled_key_still_submits(client, world):
    client.post(station_form_url(world), {"content": CONTENT})
    client.post(station_form_url(world), form_data(idempotency_key="not-a-uuid"))
    assert Suggestion.objects.count() == 2


def test_form_posts_need_the_csrf_token(world):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(station_form_url(world), form_data()).status_code == 403
    body = strict.get(station_form_url(world)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    response = strict.post(station_form_url(world), form_data(csrfmiddlewaretoken=token))
    assert response.status_code == 302 and Suggestion.objects.count() == 1


# Limits ----------------------------------------------------------------------


def test_ip_rate_limit_refuses_with_429_and_writes_nothing(en_client, world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "suggest_ip": [(2, 600)]}
    for _ in range(2):
        assert en_client.post(station_form_url(world), form_data()).status_code == 302
    response = en_client.post(station_form_url(world), form_data(), files=None)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many submissions from this network" in body and "Nothing has been saved yet." in body
    assert 0 < int(response["Retry-After"]) <= 601
    assert CONTENT in body  # what was typed is still there
    assert Suggestion.objects.count() == 2 and Event.objects.count() == 2

    # Another network is not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(station_form_url(world), form_data()).status_code == 302


def test_ip_rate_limit_window_ends(client, world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "suggest_ip": [(1, 600)]}
    with time_machine.travel("2026-11-20 10:00:00+08:00", tick=False) as traveller:
        assert client.post(station_form_url(world), form_data()).status_code == 302
        assert client.post(station_form_url(world), form_data()).status_code == 429
        traveller.shift(601)
        assert client.post(station_form_url(world), form_data()).status_code == 302
    assert Suggestion.objects.count() == 2


def test_phone_rate_limit_refuses_across_networks(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "suggest_phone": [(1, 3600)]}
    contact = {"submitter_phone": "13900002222", "consent": "on"}
    first = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    second = Client(REMOTE_ADDR="10.0.0.2", HTTP_ACCEPT_LANGUAGE="en")
    assert first.post(station_form_url(world), form_data(**contact)).status_code == 302
    response = second.post(station_form_url(world), form_data(**contact, attachments=[jpeg()]))
    assert response.status_code == 429
    assert "Too many suggestions from this mobile number" in response.content.decode()
    assert Suggestion.objects.count() == 1 and not Attachment.objects.exists()
    # The same network with another number is fine.
    other = {"submitter_phone": "13900003333", "consent": "on"}
    assert second.post(station_form_url(world), form_data(**other)).status_code == 302


def test_flood_of_posts_is_refused_before_files_are_examined(en_client, world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "suggest_post_ip": [(2, 600)]}
    for _ in range(2):
        en_client.post(station_form_url(world), form_data(content="短"))
    response = en_client.post(station_form_url(world), form_data(location="人民路"))
    assert response.status_code == 429
    assert "人民路" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_double_submit_is_not_refused_by_the_limit(client, world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "suggest_ip": [(1, 600)]}
    data = form_data()
    client.post(station_form_url(world), data)
    assert client.post(station_form_url(world), data).status_code == 302
    assert Suggestion.objects.count() == 1


# Fixed windows: at ten past the hour both windows have time left, whenever the suite runs.
@time_machine.travel("2026-11-02 10:10:00+08:00", tick=False)
def test_ratelimit_counts_each_window_and_reports_retry_after(settings):
    settings.RATE_LIMITS = {"demo": [(2, 60), (3, 3600)]}
    results = [ratelimit.hit("demo", "1.2.3.4") for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, False, False]
    assert 0 < results[2].retry_after <= 61
    assert results[3].retry_after > 61  # the hourly window is exceeded too
    assert ratelimit.hit("demo", "5.6.7.8").allowed
    assert ratelimit.hit("unconfigured", "1.2.3.4").allowed


# Files -----------------------------------------------------------------------


def test_valid_jpeg_and_pdf_are_accepted_and_stored_privately(client, world):
    photo = jpeg("路灯.JPG")
    pdf = SimpleUploadedFile("情况说明.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(station_form_url(world), form_data(attachments=[photo, pdf]))
    assert response.status_code == 302
    attachments = list(Suggestion.objects.get().attachments.order_by("id"))
    assert [(a.original_name, a.content_type) for a in attachments] == [
        ("路灯.jpg", "image/jpeg"),
        ("情况说明.pdf", "application/pdf"),
    ]
    assert attachments[0].size == len(jpeg_bytes())
    assert attachments[1].file.read() == PDF_BYTES


def test_png_with_a_wrong_name_is_stored_as_what_it_is(client, world):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "PNG")
    client.post(station_form_url(world), form_data(attachments=[SimpleUploadedFile("photo.pdf", buffer.getvalue())]))
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type) == ("photo.png", "image/png")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("照片.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200), "is not a photo"),
        (SimpleUploadedFile("空.jpg", b""), "is empty"),
        (SimpleUploadedFile("page.html", b"<html><script>alert(1)</script></html>"), "is not a photo"),
        (SimpleUploadedFile("cut.jpg", jpeg_bytes()[:60]), "is not a photo"),
        (SimpleUploadedFile("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'), "is not a photo"),
    ],
    ids=["exe-renamed-jpg", "zero-bytes", "html", "truncated-jpeg", "svg"],
)
def test_malformed_files_are_refused(en_client, world, upload, message):
    response = en_client.post(station_form_url(world), form_data(attachments=[upload]))
    assert response.status_code == 200
    assert "attachments" in response.context["form"].errors
    body = response.content.decode()
    assert message in body and upload.name in body
    assert not Suggestion.objects.exists() and not Attachment.objects.exists()


def test_oversized_file_is_refused(en_client, world, settings):
    settings.SUGGESTION_ATTACHMENT_MAX_BYTES = 200
    response = en_client.post(station_form_url(world), form_data(attachments=[jpeg("big.jpg")]))
    assert "is larger than" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_six_files_are_refused(en_client, world):
    response = en_client.post(station_form_url(world), form_data(attachments=[jpeg(f"{i}.jpg") for i in range(6)]))
    assert "You can attach at most 5 files; you chose 6." in response.content.decode()
    assert not Suggestion.objects.exists()


def test_oversized_request_body_is_refused_before_parsing(en_client, world, settings):
    settings.SUGGESTION_MAX_REQUEST_BYTES = 1000
    response = en_client.post(
        station_form_url(world), form_data(attachments=[SimpleUploadedFile("big.pdf", PDF_BYTES * 40)])
    )
    assert response.status_code == 413
    assert "What you sent is too large" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_invalid_input_keeps_what_was_typed_and_lists_files_to_reattach(en_client, world):
    category = Category.objects.create(name="物业管理")
    response = en_client.post(
        station_form_url(world),
        form_data(
            category=category.pk,
            location="四季城小区3号楼",
            submitter_name="王女士",
            submitter_phone="12345",
            consent="on",
            attachments=[jpeg("楼道.jpg"), SimpleUploadedFile("说明.pdf", PDF_BYTES)],
        ),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert CONTENT in body and "四季城小区3号楼" in body and 'value="王女士"' in body and 'value="12345"' in body
    assert re.search(rf'<option value="{category.pk}" selected>', body)
    reattach = body.split('id="reattach"')[1].split("</div>")[0]
    assert "Please attach them again" in reattach and "楼道.jpg" in reattach and "说明.pdf" in reattach
    assert 'aria-invalid="true"' in body
    assert not Suggestion.objects.exists()


# The tracking page ---------------------------------------------------------


@pytest.fixture
def submitted(world):
    suggestion, _ = services.suggestion_create(
        station=world.station,
        channel=Channel.QR_REPRESENTATIVE,
        representative=world.rep,
        title="路灯不亮",
        content="人民路路灯坏了两周，请修复。",
        submitter_name="王秘密",
        submitter_phone="13912345678",
        category=Category.objects.create(name="城建交通"),
    )
    return suggestion


def test_tracking_page_shows_the_public_timeline_only(en_client, world, submitted):
    Event.objects.create(
        suggestion=submitted,
        kind=Event.Kind.EDITED,
        actor=world.staff,
        note="内部备注：此人多次来访，注意情绪",
        public_text="已转交龙亭区住建局办理。",
    )
    Event.objects.create(suggestion=submitted, kind=Event.Kind.EDITED, actor=world.staff, note="仅内部可见的一步")

    response = en_client.get(reverse("public:track", args=[submitted.tracking_code]))

    body = response.content.decode()
    assert response.status_code == 200
    assert submitted.tracking_code in body
    assert world.station.name in body and world.rep.name in body and "城建交通" in body
    # The received event's public text, stored in the portal's language whoever reads the page.
    assert f"{world.station.name}已收到" in body
    assert "已转交龙亭区住建局办理。" in body
    assert 'aria-current="step"' in body and "Received" in body
    for secret in (
        "内部备注",
        "仅内部可见",
        "Entered from channel",
        world.staff.full_name,
        world.staff.username,
        "王秘密",
        "13912345678",
        "5678",
        submitted.content,
    ):
        assert secret not in body
    assert "no-store" in response["Cache-Control"]


def test_tracking_code_is_case_insensitive(client, submitted):
    response = client.get(f"/t/{submitted.tracking_code.lower()}/")
    assert submitted.station.name in response.content.decode()


def test_unknown_code_gets_the_same_page_shape(en_client, submitted):
    known = en_client.get(reverse("public:track", args=[submitted.tracking_code]))
    unknown = en_client.get(reverse("public:track", args=["ABCDEFGHJKMN"]))
    malformed = en_client.get("/t/0000/")
    for response in (unknown, malformed):
        assert response.status_code == known.status_code == 200
        assert headings(response.content.decode()) == headings(known.content.decode())
        assert "There is no suggestion with this code yet" in response.content.decode()
    assert "ABCDEFGHJKMN" in unknown.content.decode()
    assert "There is no suggestion with this code yet" not in known.content.decode()


def test_success_banner_after_submitting(en_client, world):
    response = en_client.post(station_form_url(world), form_data(), follow=True)
    suggestion = Suggestion.objects.get()
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="tracking-code">{suggestion.tracking_code}<' in body
    assert "Save this code." in body
    assert f"http://testserver/t/{suggestion.tracking_code}/" in body
    # Without ?new=1 (a later visit) there is no banner.
    later = en_client.get(reverse("public:track", args=[suggestion.tracking_code])).content.decode()
    assert "Save this code." not in later


def test_merged_duplicate_shows_the_originals_public_timeline(en_client, world, submitted):
    duplicate, _ = services.suggestion_create(
        station=world.station, channel=Channel.QR_STATION, title="路灯", content="人民路的路灯不亮。"
    )
    Event.objects.create(suggestion=submitted, kind=Event.Kind.EDITED, public_text="住建局已派人维修。", note="秘密")
    services.suggestion_merge(duplicate=duplicate, original=submitted, by=world.staff)

    body = en_client.get(reverse("public:track", args=[duplicate.tracking_code])).content.decode()

    assert "已与同类意见建议合并办理" in body  # stored in the portal's language
    original = body.split('id="original-timeline"')[1]
    assert "住建局已派人维修。" in original
    assert "秘密" not in body and submitted.tracking_code not in body
    # The citizen sees the joint handling's stage, not "closed".
    assert re.search(r'class="current" aria-current="step">\s*<i[^>]*></i>Received', body)


def test_tracking_page_query_count_does_not_grow_with_events(client, world, submitted, django_assert_max_num_queries):
    for i in range(30):
        Event.objects.create(suggestion=submitted, kind=Event.Kind.EDITED, actor=world.staff, public_text=f"第{i}步")
    with django_assert_max_num_queries(2):
        response = client.get(reverse("public:track", args=[submitted.tracking_code]))
    assert "第29步" in response.content.decode()


def test_tracking_lookups_are_rate_limited(en_client, submitted, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "track_ip": [(3, 600)]}
    for code in ("ABCDEFGHJKMN", "ABCDEFGHJKMP", submitted.tracking_code):
        assert en_client.get(reverse("public:track", args=[code])).status_code == 200
    response = en_client.get(reverse("public:track", args=[submitted.tracking_code]))
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many look-ups" in body
    assert int(response["Retry-After"]) > 0
    assert submitted.station.name not in body


def test_lookup_form_normalizes_the_typed_code(client, submitted):
    spaced = " ".join(submitted.tracking_code[i : i + 4] for i in range(0, 12, 4)).lower()
    response = client.get(reverse("public:track_lookup"), {"code": spaced})
    assert response.status_code == 302
    assert response["Location"] == f"/t/{submitted.tracking_code}/"


def test_lookup_form_rejects_junk(en_client, world):
    response = en_client.get(reverse("public:track_lookup"), {"code": "<script>"})
    assert response.status_code == 200
    assert "12 letters and digits" in response.content.decode()
    assert en_client.get(reverse("public:track_lookup")).status_code == 200


# Staff download of attachments -----------------------------------------------


@pytest.fixture
def with_files(world, client):
    client.post(
        station_form_url(world),
        form_data(attachments=[jpeg("路灯.jpg"), SimpleUploadedFile("说明.pdf", PDF_BYTES)]),
    )
    client.logout()
    suggestion = Suggestion.objects.get()
    return suggestion, list(suggestion.attachments.order_by("id"))


def file_url(suggestion, attachment):
    return reverse("public:attachment", args=[suggestion.tracking_code, attachment.pk])


def test_station_staff_download_the_attachments(login, world, with_files):
    suggestion, (photo, pdf) = with_files
    client = login(world.staff)

    response = client.get(file_url(suggestion, photo))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == jpeg_bytes()

    response = client.get(file_url(suggestion, pdf))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E8%AF%B4%E6%98%8E.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_other_stations_staff_get_404(login, world, with_files):
    suggestion, (photo, _pdf) = with_files
    assert login(world.other_staff).get(file_url(suggestion, photo)).status_code == 404


def test_attachment_of_another_suggestion_is_404(login, world, with_files):
    suggestion, (photo, _pdf) = with_files
    other, _ = services.suggestion_create(station=world.station, channel=Channel.QR_STATION, title="t", content="c")
    assert login(world.staff).get(file_url(other, photo)).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, world, with_files):
    suggestion, (photo, _pdf) = with_files
    response = client.get(file_url(suggestion, photo))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_stage_wording_follows_the_stage(en_client, submitted):
    Suggestion.objects.filter(pk=submitted.pk).update(stage=Stage.ASSIGN)
    body = en_client.get(reverse("public:track", args=[submitted.tracking_code])).content.decode()
    assert "The responsible department is handling it" in body
    assert body.count('class="done"') == 2


def test_too_short_content_gets_a_plain_message(en_client, world):
    response = en_client.post(station_form_url(world), form_data(content="路灯坏了"))
    assert "Please describe it in at least 10 characters." in response.content.decode()
    assert "路灯坏了</textarea>" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_photos_gps_position_is_removed_and_the_photo_still_shows_upright():
    """Phone photos carry where they were taken; the portal keeps the picture, not the place."""
    import io as _io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image as _Image
    from PIL import ImageOps

    from core.files import inspect_upload

    exif = _Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to view
    exif[0x8825] = {1: "N", 2: (34.0, 47.0, 0.0), 3: "E", 4: (114.0, 18.0, 0.0)}  # GPS of 开封
    buffer = _io.BytesIO()
    _Image.new("RGB", (40, 20), "red").save(buffer, format="JPEG", exif=exif)
    checked = inspect_upload(SimpleUploadedFile("phone.jpg", buffer.getvalue(), content_type="image/jpeg"))
    checked.content.seek(0)
    with _Image.open(checked.content) as image:
        assert not image.getexif().get_ifd(0x8825)  # no GPS block
        # The orientation tag is all that is left of the EXIF block: viewers still turn the photo upright.
        assert dict(image.getexif()) == {0x0112: 6}
        assert ImageOps.exif_transpose(image).size == (20, 40)
    plain = _io.BytesIO()
    _Image.new("RGB", (8, 8), "blue").save(plain, format="PNG")
    untouched = SimpleUploadedFile("plain.png", plain.getvalue(), content_type="image/png")
    assert inspect_upload(untouched).content is untouched  # nothing to remove: kept byte for byte


# The busy path: one prepared statement, shared form fields ----------------------------------------------------

ON_POSTGRES = pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql", reason="the one-statement write is PostgreSQL's"
)
WRITTEN_APART = {"id", "tracking_code", "idempotency_key", "received_at", "created_at", "updated_at"}


def row_of(suggestion) -> dict:
    values = Suggestion.objects.filter(pk=suggestion.pk).values().get()
    return {name: value for name, value in values.items() if name not in WRITTEN_APART}


@ON_POSTGRES
def test_the_one_statement_write_stores_what_the_orm_stores(world):
    # Without attachments a citizen's suggestion and its first event go out as one statement;
    # with one, through the ORM. Both must leave the same row and the same event behind.
    category = Category.objects.create(name="城建交通")
    common = {
        "station": world.station,
        "channel": Channel.QR_REPRESENTATIVE,
        "representative": world.rep,
        "title": "路灯不亮",
        "content": CONTENT,
        "category": category,
        "location": "人民路",
        "is_enterprise": True,
        "enterprise_name": "林州市红旗渠建材有限公司",
        "submitter_name": "王女士",
        "submitter_phone": "13912345678",
    }
    direct, _ = services.suggestion_create(**common, idempotency_key=str(uuid.uuid4()))
    photo = UploadedAttachment("路灯.jpg", "image/jpeg", jpeg())
    through_orm, _ = services.suggestion_create(**common, idempotency_key=str(uuid.uuid4()), attachments=[photo])

    assert row_of(direct) == row_of(through_orm)
    assert row_of(direct)["stage"] == Stage.COLLECT and row_of(direct)["urgency"] == "normal"
    assert direct.created_at == direct.updated_at
    events = [
        suggestion.events.values("kind", "note", "public_text", "actor_id").get()
        for suggestion in (direct, through_orm)
    ]
    assert events[0] == events[1]


@ON_POSTGRES
def test_the_returned_suggestion_is_the_stored_one(world, django_assert_num_queries):
    suggestion, created = services.suggestion_create(
        station=world.station, channel=Channel.QR_STATION, title="路灯不亮", content=CONTENT
    )
    stored = Suggestion.objects.get(pk=suggestion.pk)
    assert created and not suggestion._state.adding
    for field in Suggestion._meta.concrete_fields:
        assert getattr(suggestion, field.attname) == getattr(stored, field.attname), field.name
    with django_assert_num_queries(0):
        assert suggestion.station.name == world.station.name  # the station given is kept, not read again


@ON_POSTGRES
def test_a_repeated_key_leaves_the_prepared_statement_usable(world):
    # The duplicate key fails the prepared statement inside the request's connection; the next
    # submission on the same connection must still go through.
    key = str(uuid.uuid4())
    fields = {"station": world.station, "channel": Channel.QR_STATION, "title": "路灯", "content": CONTENT}
    first, created = services.suggestion_create(**fields, idempotency_key=key)
    again, created_again = services.suggestion_create(**fields, idempotency_key=key)
    other, created_other = services.suggestion_create(**fields, idempotency_key=str(uuid.uuid4()))
    assert created and not created_again and again.pk == first.pk
    assert created_other and other.pk != first.pk
    assert Suggestion.objects.count() == 2 and Event.objects.count() == 2


OUR_STATEMENT = 'WITH s AS (INSERT INTO "suggestions_suggestion"%'


def runs_of_our_statement() -> list[int]:
    """Per prepared copy of the one-statement write on this connection: how often it ran."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            [OUR_STATEMENT],
        )
        return [runs for (runs,) in cursor.fetchall()]


@ON_POSTGRES
def test_the_one_statement_write_is_prepared_once_and_reused(world):
    # Parsing and planning the statement on every submission was a third of the database's work.
    fields = {"station": world.station, "channel": Channel.QR_STATION, "title": "路灯", "content": CONTENT}
    for _ in range(3):
        services.suggestion_create(**fields, idempotency_key=str(uuid.uuid4()))
    assert runs_of_our_statement() == [3]
    Suggestion.objects.filter(station=world.station).count()  # Django's own queries are not prepared
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (1,)


def kill_backend_of(db) -> int:
    """End ``db``'s server session from another connection, as a database restart would; returns its pid."""
    import psycopg

    pid = db.connection.info.backend_pid
    with psycopg.connect(**db.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    return pid


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_a_citizens_suggestion_survives_a_lost_database_connection(world):
    # The submission goes out without the per-request health check; a connection that died meanwhile
    # (a restart, a failover) is replaced and the statement runs once more: saved once, not refused.
    from django.db import connection

    fields = {"station": world.station, "channel": Channel.QR_STATION, "title": "路灯", "content": CONTENT}
    services.suggestion_create(**fields, idempotency_key=str(uuid.uuid4()))
    dead = kill_backend_of(connection)
    connection.health_check_done = False  # what the start of the next request does
    key = str(uuid.uuid4())
    suggestion, created = services.suggestion_create(**fields, idempotency_key=key)
    assert created and connection.connection.info.backend_pid != dead
    assert Suggestion.objects.filter(idempotency_key=key).count() == 1
    assert Event.objects.filter(suggestion=suggestion).count() == 1


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_a_statement_error_is_not_run_twice(world, monkeypatch):
    # Only a dead connection is retried: an error from the statement itself reaches the caller at once.
    from django.db import DataError

    from suggestions.intake import fast_write as liaison_db

    runs = []
    original = liaison_db.prepared_cursor

    def counting(db):
        runs.append(1)
        return original(db)

    monkeypatch.setattr(liaison_db, "prepared_cursor", counting)
    fields = {"station": world.station, "channel": Channel.QR_STATION, "content": CONTENT}
    from django.db import connection

    connection.health_check_done = False
    with pytest.raises(DataError):
        services.suggestion_create(**fields, title="长" * 101, idempotency_key=str(uuid.uuid4()))
    assert runs == [1] and Suggestion.objects.count() == 0


def test_an_error_mark_does_not_stay_on_the_next_visitors_form(en_client, world):
    # The form's fields are shared between requests: a red border must belong to one response only.
    refused = en_client.post(station_form_url(world), form_data(content="太短"))
    assert re.search(r'<textarea[^>]*class="form-control form-control-lg is-invalid"', refused.content.decode())
    fresh = en_client.get(station_form_url(world)).content.decode()
    assert "is-invalid" not in fresh and 'aria-invalid="true"' not in fresh


def test_a_category_added_later_is_offered_on_the_next_form(client, world):
    client.get(station_form_url(world))
    Category.objects.create(name="新设类别：物业管理")
    assert "新设类别：物业管理" in client.get(station_form_url(world)).content.decode()


def test_the_form_pages_are_never_stored_and_the_redirect_points_home(client, world):
    page = client.get(station_form_url(world))
    refused = client.post(station_form_url(world), form_data(content="太短"))
    sent = client.post(station_form_url(world), form_data())
    for response in (page, refused):
        assert "no-store" in response["Cache-Control"]
    suggestion = Suggestion.objects.get()
    assert sent["Location"] == reverse("public:track", args=[suggestion.tracking_code]) + "?new=1"


def test_the_redirect_keeps_the_sites_path_prefix(world, submitted):
    # Deployed under a path (SCRIPT_NAME=/portal), the tracking link must keep it.
    from suggestions.public.views import _success_url

    set_script_prefix("/portal/")
    try:
        assert _success_url(submitted) == f"/portal/t/{submitted.tracking_code}/?new=1"
    finally:
        set_script_prefix("/")
    assert _success_url(submitted) == f"/t/{submitted.tracking_code}/?new=1"
