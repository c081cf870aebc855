"""PIPL on the citizen's path: sealed on submission, consent kept, found by number, withdrawn, erased when due."""

import datetime as dt
import uuid
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from core import crypto, ratelimit
from core.sms import LoggingSmsBackend
from devtools.testing import factories as f
from stations.models import ReceptionDay, Visit
from suggestions.intake import fast_write, personal_data
from suggestions.models import Event, Outcome, Stage, Suggestion
from suggestions.reception.services import visit_log

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "13912345678"
CONTENT = "北郊乡人民路路灯坏了两个星期，晚上很黑，老人孩子出门不方便，请尽快安排修好。"
WITHDRAWN_TEXT = "联系方式已按本人要求删除。"


@pytest.fixture(autouse=True)
def _fresh_limits_and_outbox():
    cache.clear()
    LoggingSmsBackend.outbox.clear()
    yield
    cache.clear()
    LoggingSmsBackend.outbox.clear()


@pytest.fixture
def en_client():
    """Messages are asserted in English, the msgids."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def raw(pk, column) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM suggestions_suggestion WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def submit(client, world, **fields):
    data = {"content": CONTENT, "idempotency_key": str(uuid.uuid4()), **fields}
    return client.post(reverse("public:station_suggest", args=[world.station.code]), data)


# Sealed at submission ------------------------------------------------------------------------------------------


def test_a_citizens_submission_stores_ciphertext_not_the_number(client, world, django_capture_on_commit_callbacks):
    # On PostgreSQL this is the hand-built one-statement insert, which skips the preparation of values it
    # believes plain: the encrypted fields must not be among them.
    with (
        mock.patch.object(fast_write, "insert_with_event", wraps=fast_write.insert_with_event) as one_statement,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = submit(client, world, submitter_name="王秀英", submitter_phone="139 1234 5678", consent="on")
    assert response.status_code == 302
    assert one_statement.called == (connection.vendor == "postgresql")
    suggestion = Suggestion.objects.get()
    for column, plain in (("submitter_phone", PHONE), ("submitter_name", "王秀英")):
        stored = raw(suggestion.pk, column)
        assert stored.startswith("pd1:") and plain not in stored
    assert raw(suggestion.pk, "submitter_phone_hash") == crypto.phone_digest(PHONE)
    assert (suggestion.submitter_name, suggestion.submitter_phone) == ("王秀英", PHONE)
    # The text message goes to the number itself, not to its ciphertext.
    assert LoggingSmsBackend.outbox[0][0] == PHONE


def test_the_staffs_offline_entry_and_a_reception_visit_are_sealed_too(login, world):
    client = login(world.staff)
    client.post(
        reverse("suggestions:new"),
        {
            "station": world.station.pk,
            "channel": "mailbox",
            "received_on": dt.date.today().isoformat(),
            "title": "路灯不亮",
            "content": CONTENT,
            "submitter_name": "李先生",
            "submitter_phone": "13612345678",
        },
    )
    entered = Suggestion.objects.get()
    assert entered.submitter_phone == "13612345678"
    assert raw(entered.pk, "submitter_phone").startswith("pd1:")
    assert entered.submitter_phone_hash == crypto.phone_digest("13612345678")
    assert entered.consent_version == ""  # no form consent: staff noted it down


def test_the_phone_limit_counts_the_numbers_keyed_hash_never_the_number(client, world):
    with mock.patch.object(ratelimit, "hit", wraps=ratelimit.hit) as hit:
        submit(client, world, submitter_phone=PHONE, consent="on")
    (identifier,) = [call.args[1] for call in hit.call_args_list if call.args[0] == "suggest_phone"]
    assert identifier == crypto.phone_digest(PHONE) and PHONE not in identifier


# Consent -------------------------------------------------------------------------------------------------------


def test_consent_records_the_notice_version_and_the_moment(client, world, settings):
    settings.PRIVACY_NOTICE_VERSION = "2027-03"
    moment = dt.datetime(2026, 12, 1, 10, 30, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        submit(client, world, submitter_phone=PHONE, consent="on")
    suggestion = Suggestion.objects.get()
    assert suggestion.consent_version == "2027-03"
    assert suggestion.consent_at == moment
    if connection.vendor == "postgresql":  # the one-statement write fills them as the ORM does
        assert Suggestion.objects.values_list("consent_version", flat=True).get() == "2027-03"


def test_an_anonymous_submission_records_no_consent(client, world):
    submit(client, world, consent="on")
    suggestion = Suggestion.objects.get()
    assert suggestion.consent_version == "" and suggestion.consent_at is None


# Finding a citizen's suggestions by number ---------------------------------------------------------------------


@pytest.fixture
def numbered(world):
    mine = f.SuggestionFactory(station=world.station, title="电梯故障", submitter_phone=PHONE, submitter_name="王女士")
    f.SuggestionFactory(station=world.station, title="路灯不亮", submitter_phone="13800001111")
    elsewhere = f.SuggestionFactory(station=world.other_station, title="水渠漏水", submitter_phone=PHONE)
    return mine, elsewhere


def _titles(response):
    return {s.title for s in response.context["page"]}


def test_staff_find_a_citizens_suggestions_by_the_whole_number(login, world, numbered, django_assert_max_num_queries):
    client = login(world.staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("suggestions:list"), {"q": "139-1234-5678"})
    assert _titles(response) == {"电梯故障"}
    assert _titles(client.get(reverse("suggestions:list"), {"q": "5678"})) == set()  # no partial numbers
    assert _titles(client.get(reverse("suggestions:list"), {"q": "王女士"})) == set()  # nor names


def test_only_those_who_may_see_the_number_can_search_by_it(login, world, numbered):
    # The committee admin sees the item, with the number masked: the search must not confirm the number.
    assert _titles(login(world.admin).get(reverse("suggestions:list"), {"q": PHONE})) == set()
    assert _titles(login(world.other_staff).get(reverse("suggestions:list"), {"q": PHONE})) == {"水渠漏水"}


def test_a_number_written_in_the_text_is_still_found_by_the_text_search(login, world):
    f.SuggestionFactory(station=world.station, title="请回电", content=f"我的电话是{PHONE}")
    assert _titles(login(world.admin).get(reverse("suggestions:list"), {"q": PHONE})) == {"请回电"}


# Withdrawal ----------------------------------------------------------------------------------------------------


@pytest.fixture
def named(world):
    return f.SuggestionFactory(
        station=world.station, submitter_name="王女士", submitter_phone=PHONE, stage=Stage.ASSIGN
    )


def withdraw_url(suggestion):
    return reverse("public:track_withdraw", args=[suggestion.tracking_code])


def test_the_tracking_page_offers_withdrawal_only_when_details_are_stored(client, world, named):
    assert withdraw_url(named) in client.get(reverse("public:track", args=[named.tracking_code])).content.decode()
    anonymous = f.SuggestionFactory(station=world.station)
    body = client.get(reverse("public:track", args=[anonymous.tracking_code])).content.decode()
    assert withdraw_url(anonymous) not in body


def test_withdrawal_asks_for_the_proof_then_for_confirmation_then_removes(client, named):
    page = client.get(withdraw_url(named))
    assert page.status_code == 200 and 'name="phone_last4"' in page.content.decode()

    confirm = client.post(withdraw_url(named), {"phone_last4": "5678"})
    assert confirm.status_code == 200 and 'id="confirm-withdraw"' in confirm.content.decode()
    assert Suggestion.objects.get(pk=named.pk).submitter_phone == PHONE  # nothing removed before confirming

    done = client.post(withdraw_url(named), {"phone_last4": "5678", "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == reverse("public:track", args=[named.tracking_code])
    stored = Suggestion.objects.get(pk=named.pk)
    assert (stored.submitter_name, stored.submitter_phone, stored.submitter_phone_hash) == ("", "", "")
    assert (raw(named.pk, "submitter_name"), raw(named.pk, "submitter_phone")) == ("", "")
    assert stored.stage == Stage.ASSIGN and stored.title == named.title  # the suggestion goes on
    track = client.get(done["Location"]).content.decode()
    assert WITHDRAWN_TEXT in track
    assert withdraw_url(named) not in track  # nothing left to withdraw
    assert stored.events.filter(kind=Event.Kind.CONTACT_REMOVED).count() == 1


def test_a_repeated_confirmation_removes_nothing_twice(client, named):
    client.post(withdraw_url(named), {"phone_last4": "5678", "confirm": "1"})
    again = client.post(withdraw_url(named), {"phone_last4": "5678", "confirm": "1"})
    assert again.status_code == 200 and 'id="withdraw-nothing"' in again.content.decode()
    assert Event.objects.filter(kind=Event.Kind.CONTACT_REMOVED).count() == 1


def test_wrong_digits_are_refused_counted_and_the_form_keeps_the_page(en_client, named):
    response = en_client.post(withdraw_url(named), {"phone_last4": "0000"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "These are not the last four digits" in body and "4 attempts left" in body
    assert Suggestion.objects.get(pk=named.pk).withdraw_failures == 1
    # Skipping the first step does not help: the confirmation checks the digits again, and counts them.
    assert en_client.post(withdraw_url(named), {"phone_last4": "1111", "confirm": "1"}).status_code == 400
    assert Suggestion.objects.get(pk=named.pk).submitter_phone == PHONE
    assert Suggestion.objects.get(pk=named.pk).withdraw_failures == 2
    assert "Enter four digits" in en_client.post(withdraw_url(named), {"phone_last4": "12a"}).content.decode()


def test_five_wrong_proofs_in_all_lock_withdrawal_for_good(named):
    clients = [Client(REMOTE_ADDR=f"10.0.0.{n}") for n in range(5)]  # from five networks: still five in all
    for client, digits in zip(clients, ["0000", "1111", "2222", "3333", "4444"], strict=True):
        client.post(withdraw_url(named), {"phone_last4": digits})
    locked = Client().post(withdraw_url(named), {"phone_last4": "5678", "confirm": "1"})
    assert locked.status_code == 200 and 'id="withdraw-locked"' in locked.content.decode()
    assert named.station.phone in locked.content.decode()  # where to ask instead
    assert Suggestion.objects.get(pk=named.pk).submitter_phone == PHONE
    assert Suggestion.objects.get(pk=named.pk).withdraw_failures == personal_data.WITHDRAW_MAX_FAILURES


def test_withdrawal_counts_against_the_networks_lookup_limit(client, named, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "track_ip": [(2, 600)]}
    client.get(withdraw_url(named))
    client.get(withdraw_url(named))
    assert client.post(withdraw_url(named), {"phone_last4": "5678", "confirm": "1"}).status_code == 429
    assert Suggestion.objects.get(pk=named.pk).submitter_phone == PHONE


def test_a_name_without_a_number_is_withdrawn_with_the_tracking_code_alone(client, world):
    only_name = f.SuggestionFactory(station=world.station, submitter_name="张先生")
    page = client.get(withdraw_url(only_name)).content.decode()
    assert 'name="phone_last4"' not in page
    assert 'id="confirm-withdraw"' in client.post(withdraw_url(only_name), {}).content.decode()
    client.post(withdraw_url(only_name), {"confirm": "1"})
    assert Suggestion.objects.get(pk=only_name.pk).submitter_name == ""


def test_an_unknown_code_goes_back_to_the_tracking_page(client, world):
    response = client.get(reverse("public:track_withdraw", args=["ABCDEFGHJKMN"]))
    assert response.status_code == 302


@pytest.fixture
def reception_visit(world):
    day = ReceptionDay.objects.create(
        station=world.station, date=dt.date.today(), start_time=dt.time(0, 0), end_time=dt.time(23, 59)
    )
    day.on_duty.set([world.rep])
    return visit_log(
        day=day,
        by=world.staff,
        visitor_name="赵先生",
        visitor_phone="13712345678",
        received_by=[world.rep],
        summary="垃圾清运和路灯",
        suggestions=[{"title": "垃圾无人清运"}, {"title": "路灯损坏"}],
    )


def test_withdrawing_a_reception_suggestion_also_clears_the_visit_and_its_other_suggestions(client, reception_visit):
    first, second = reception_visit.suggestions.order_by("pk")
    client.post(withdraw_url(first), {"phone_last4": "1234", "confirm": "1"})
    assert Suggestion.objects.get(pk=first.pk).submitter_phone == "13712345678"  # wrong digits: nothing
    client.post(withdraw_url(first), {"phone_last4": "5678", "confirm": "1"})
    visit = Visit.objects.get(pk=reception_visit.pk)
    assert (visit.visitor_name, visit.visitor_phone) == ("", "")
    for item in (first, second):
        item = Suggestion.objects.get(pk=item.pk)
        assert (item.submitter_name, item.submitter_phone) == ("", "")
        assert item.events.filter(kind=Event.Kind.CONTACT_REMOVED, public_text=WITHDRAWN_TEXT).exists()


# Retention -----------------------------------------------------------------------------------------------------

NOW = dt.datetime(2029, 6, 1, 3, 0, tzinfo=SHANGHAI)


def closed(world, when, **extra):
    return f.SuggestionFactory(
        station=world.station,
        submitter_name="王女士",
        submitter_phone=PHONE,
        stage=Stage.CLOSED,
        outcome=Outcome.SATISFIED,
        closed_at=when,
        **extra,
    )


def test_contacts_of_items_closed_more_than_the_retention_period_ago_are_erased(world, settings):
    settings.PERSONAL_DATA_RETENTION_YEARS = 3
    old = closed(world, NOW - dt.timedelta(days=3 * 365 + 2))
    recent = closed(world, NOW - dt.timedelta(days=3 * 365 - 2))
    still_open = f.SuggestionFactory(
        station=world.station, submitter_phone=PHONE, stage=Stage.ASSIGN, received_at=NOW - dt.timedelta(days=2000)
    )
    merged = f.SuggestionFactory(
        station=world.station, submitter_phone="13800001111", stage=Stage.CLOSED, duplicate_of=old
    )
    with time_machine.travel(NOW, tick=False):
        result = personal_data.contacts_purge_expired(batch_size=1)
    assert result["suggestions"] == 2
    for item in (old, merged):
        item = Suggestion.objects.get(pk=item.pk)
        assert (item.submitter_name, item.submitter_phone, item.submitter_phone_hash) == ("", "", "")
        assert item.stage == Stage.CLOSED  # the statistics keep the item as it was
        event = item.events.get(kind=Event.Kind.CONTACT_REMOVED)
        assert event.public_text == "联系方式保存期限已满，已删除。"
    assert Suggestion.objects.get(pk=old.pk).outcome == Outcome.SATISFIED
    for item in (recent, still_open):
        assert Suggestion.objects.get(pk=item.pk).submitter_phone == PHONE
    with time_machine.travel(NOW, tick=False):
        assert personal_data.contacts_purge_expired()["suggestions"] == 0  # a second sweep writes nothing
    assert Event.objects.filter(kind=Event.Kind.CONTACT_REMOVED).count() == 2


def test_the_retention_period_is_a_setting(world, settings):
    item = closed(world, NOW - dt.timedelta(days=400))
    settings.PERSONAL_DATA_RETENTION_YEARS = 1
    with time_machine.travel(NOW, tick=False):
        personal_data.contacts_purge_expired()
    assert Suggestion.objects.get(pk=item.pk).submitter_phone == ""


def test_visits_are_erased_once_everything_they_became_has_expired(world, reception_visit):
    spot = Visit.objects.create(
        reception_day=reception_visit.reception_day, visitor_name="钱女士", visitor_phone="13500001111", summary="咨询"
    )
    first, second = reception_visit.suggestions.order_by("pk")
    Suggestion.objects.filter(pk=first.pk).update(stage=Stage.CLOSED, closed_at=NOW - dt.timedelta(days=4 * 365))
    later = NOW + dt.timedelta(days=5 * 365)
    with time_machine.travel(later, tick=False):
        personal_data.contacts_purge_expired()
    assert Visit.objects.get(pk=spot.pk).visitor_phone == ""  # answered on the spot, and old enough
    assert Visit.objects.get(pk=reception_visit.pk).visitor_phone == "13712345678"  # the second is still open
    Suggestion.objects.filter(pk=second.pk).update(stage=Stage.CLOSED, closed_at=NOW)
    with time_machine.travel(later, tick=False):
        personal_data.contacts_purge_expired()
    assert Visit.objects.get(pk=reception_visit.pk).visitor_phone == ""


def test_beat_runs_the_retention_sweep_daily(world):
    from suggestions.intake.tasks import purge_expired_contacts

    entry = django_settings.CELERY_BEAT_SCHEDULE["purge-expired-contacts"]
    assert entry["task"] == "suggestions.intake.tasks.purge_expired_contacts" and entry["schedule"] <= 24 * 3600
    item = closed(world, NOW - dt.timedelta(days=4 * 365))
    with time_machine.travel(NOW, tick=False):
        assert purge_expired_contacts.delay().get() == {"suggestions": 1, "visits": 0}
    assert Suggestion.objects.get(pk=item.pk).submitter_name == ""


def test_years_before_keeps_the_calendar_day():
    assert personal_data.years_before(dt.datetime(2028, 2, 29, 12), 3) == dt.datetime(2025, 2, 28, 12)
    assert personal_data.years_before(dt.datetime(2029, 6, 1), 3) == dt.datetime(2026, 6, 1)


# The privacy notice --------------------------------------------------------------------------------------------


def test_the_privacy_notice_is_public_chinese_and_says_what_the_settings_say(client, settings, db):
    settings.PERSONAL_DATA_RETENTION_YEARS = 4
    settings.PRIVACY_NOTICE_VERSION = "2027-01"
    response = client.get(reverse("privacy"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "个人信息保护说明" in body and "2027-01" in body
    assert "办结满4年后自动删除" in body
    for heading in ("我们收集哪些信息", "为什么收集", "谁能看到", "保存多久", "如何撤回同意"):
        assert heading in body


def test_every_form_that_asks_for_a_name_or_number_links_the_notice(client, login, world, named):
    privacy = f'href="{reverse("privacy")}"'
    assert privacy in client.get(reverse("public:station_suggest", args=[world.station.code])).content.decode()
    Suggestion.objects.filter(pk=named.pk).update(stage=Stage.FEEDBACK, answer="已修复", answer_released_at=NOW)
    track = client.get(reverse("public:track", args=[named.tracking_code])).content.decode()
    rating = track[track.index('id="rating"') : track.index("</section>", track.index('id="rating"'))]
    assert privacy in rating
    staff = login(world.staff)
    assert privacy in staff.get(reverse("suggestions:new")).content.decode()
    day = ReceptionDay.objects.create(station=world.station, date=dt.date.today(), start_time="00:00", end_time="23:59")
    day_page = staff.get(reverse("reception:day", args=[day.pk])).content.decode()
    form = day_page[day_page.index('id="visit-form"') : day_page.index("</form>", day_page.index('id="visit-form"'))]
    assert privacy in form
    footer = client.get(reverse("stations:directory")).content.decode()
    assert 'id="footer-privacy"' in footer
