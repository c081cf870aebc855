"""Rating by the phone's last four digits: five wrong tries in all lock it; the station unlocks it.

A stranger who holds a tracking code must not be able to guess the four digits
(10,000 endings): at most RATING_TRIES of them are ever compared, so the chance
stays at 5 / 10,000 = 0.05 %, whatever the addresses, the time or the
parallelism used.
"""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import codes
from devtools.testing import factories as f
from suggestions.loop import actions as loop
from suggestions.models import Event, Notification, Rating, Stage, Suggestion

RIGHT = "5678"
WRONG = ["0000", "1111", "2222", "3333", "4444", "9999", "1234"]


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def released(world):
    """An answer released to a citizen who gave 13812345678."""
    world.station.head = world.rep
    world.station.save()
    s = f.SuggestionFactory(station=world.station, submitter_phone="13812345678", title="路灯不亮")
    loop.suggestion_hand_to_representative(suggestion=s, by=world.staff)
    loop.suggestion_answer_directly(suggestion=_reload(s), by=world.rep_user, answer="路灯已修复。")
    return _reload(s)


def _reload(s):
    return Suggestion.objects.select_related("station", "region").get(pk=s.pk)


def _guess(s, digits, verdict="satisfied"):
    return loop.suggestion_rate(suggestion=_reload(s), verdict=verdict, phone_last4=digits)


def _lock(s):
    for digits in WRONG[: loop.RATING_TRIES]:
        with pytest.raises(PermissionDenied):
            _guess(s, digits)


def _rate_url(s):
    return reverse("loop:rate", args=[s.tracking_code])


# The rule, through the service -----------------------------------------------------------------


def test_a_guessers_chance_stays_below_one_in_a_thousand():
    assert loop.RATING_TRIES / 10_000 < 0.001


def test_each_wrong_try_says_how_many_are_left_and_the_fifth_locks(released):
    left = []
    for digits in WRONG[:4]:
        with pytest.raises(loop.WrongDigits) as exc:
            _guess(released, digits)
        left.append(exc.value.tries_left)
    assert left == [4, 3, 2, 1]
    with pytest.raises(loop.RatingLocked):
        _guess(released, WRONG[4])
    assert _reload(released).rating_failures == loop.RATING_TRIES


def test_the_sixth_try_is_refused_even_with_the_right_digits(released):
    _lock(released)
    with pytest.raises(loop.RatingLocked):
        _guess(released, RIGHT)
    s = _reload(released)
    assert s.stage == Stage.FEEDBACK and s.rating_failures == loop.RATING_TRIES
    assert not Rating.objects.filter(suggestion=s).exists()


def test_the_limit_is_in_total_not_per_hour(released, settings):
    """No window: tries spread over days and networks add up (the per-address limit is not what protects)."""
    settings.RATE_LIMITS = {}
    for digits in WRONG[:3]:
        with pytest.raises(loop.WrongDigits):
            _guess(released, digits)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        for digits in WRONG[3:5]:
            with pytest.raises(PermissionDenied):
                _guess(released, digits)
        with pytest.raises(loop.RatingLocked):
            _guess(released, RIGHT)


def test_a_right_guess_read_before_the_lock_is_refused_by_the_conditional_update(released):
    """Parallel guesses: the right digits, compared on a row read before five wrong ones landed, do not rate."""
    stale = _reload(released)
    _lock(released)
    assert stale.rating_failures == 0
    with pytest.raises(loop.RatingLocked):
        loop.suggestion_rate(suggestion=stale, verdict="satisfied", phone_last4=RIGHT)
    assert _reload(released).stage == Stage.FEEDBACK
    assert not Rating.objects.filter(suggestion=released).exists()


def test_a_wrong_guess_read_before_the_lock_does_not_count_past_the_limit(released):
    stale = _reload(released)
    _lock(released)
    with pytest.raises(loop.RatingLocked):
        loop.suggestion_rate(suggestion=stale, verdict="satisfied", phone_last4="8888")
    assert _reload(released).rating_failures == loop.RATING_TRIES


def test_the_lock_is_on_the_timeline_and_the_station_staff_are_told(
    released, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _lock(released)
    lock = Event.objects.get(suggestion=released, action="lock_rating")
    assert lock.actor is None and lock.public_text == ""
    assert Notification.objects.filter(user=world.staff, url=released.get_absolute_url()).exists()


def test_a_right_guess_before_the_limit_rates_normally(released):
    for digits in WRONG[:4]:
        with pytest.raises(loop.WrongDigits):
            _guess(released, digits)
    _guess(released, RIGHT, verdict="basically")
    s = _reload(released)
    assert s.stage == Stage.CLOSED and s.outcome == "basically" and s.rating_failures == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_guesses_never_count_past_the_limit(world):
    world.station.head = world.rep
    world.station.save()
    s = f.SuggestionFactory(station=world.station, submitter_phone="13812345678")
    loop.suggestion_hand_to_representative(suggestion=s, by=world.staff)
    loop.suggestion_answer_directly(suggestion=_reload(s), by=world.rep_user, answer="已答复")
    barrier = threading.Barrier(12)
    outcomes = []

    def guess(n):
        try:
            row = _reload(s)  # every thread reads the row before any guess lands
            barrier.wait()
            loop.suggestion_rate(suggestion=row, verdict="satisfied", phone_last4=f"{n:04d}")
        except loop.RatingLocked:
            outcomes.append("locked")
        except loop.WrongDigits:
            outcomes.append("wrong")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _reload(s).rating_failures == loop.RATING_TRIES
    # Exactly five guesses were compared (four told the tries left, the fifth the lock); the rest found it locked.
    assert outcomes.count("wrong") == loop.RATING_TRIES - 1 and len(outcomes) == 12


# Unlocking -------------------------------------------------------------------------------------


def test_the_stations_staff_unlock_and_the_citizens_next_try_works(released, world):
    _lock(released)
    loop.suggestion_unlock_rating(suggestion=_reload(released), by=world.staff)
    unlock = Event.objects.get(suggestion=released, action="unlock_rating")
    assert unlock.actor == world.staff and unlock.public_text
    assert _reload(released).rating_failures == 0
    _guess(released, RIGHT)
    assert _reload(released).stage == Stage.CLOSED


def test_the_committee_of_the_region_may_unlock(released, world):
    _lock(released)
    loop.suggestion_unlock_rating(suggestion=_reload(released), by=world.city_admin)
    assert _reload(released).rating_failures == 0


@pytest.mark.parametrize("persona", ["other_staff", "rep_user", "handler", "other_admin"])
def test_nobody_else_may_unlock_in_the_service(released, world, persona):
    _lock(released)
    with pytest.raises(PermissionDenied):
        loop.suggestion_unlock_rating(suggestion=_reload(released), by=getattr(world, persona))
    assert _reload(released).rating_failures == loop.RATING_TRIES


def test_unlocking_what_is_not_locked_is_refused(released, world):
    with pytest.raises(loop.WrongDigits):
        _guess(released, WRONG[0])
    with pytest.raises(loop.WorkflowError):
        loop.suggestion_unlock_rating(suggestion=_reload(released), by=world.staff)
    assert _reload(released).rating_failures == 1


# Items given without a mobile number -------------------------------------------------------------


def test_the_tracking_code_alone_is_as_hard_to_guess_as_a_password():
    """Whoever holds the code of an item given without a number rates it: the code must be unguessable."""
    assert codes.TRACKING_CODE_LENGTH == 12
    assert len(codes.ALPHABET) ** codes.TRACKING_CODE_LENGTH > 2**59


def test_an_item_without_a_phone_is_rated_with_the_code_alone_and_never_locks(client, world, english):
    world.station.head = world.rep
    world.station.save()
    s = f.SuggestionFactory(station=world.station, submitter_name="王某", submitter_phone="")
    loop.suggestion_hand_to_representative(suggestion=s, by=world.staff)
    loop.suggestion_answer_directly(suggestion=_reload(s), by=world.rep_user, answer="已答复")
    body = client.get(reverse("public:track", args=[s.tracking_code])).content.decode()
    assert 'id="rating"' in body and 'name="phone_last4"' not in body and 'id="rating-locked"' not in body
    # Digits sent anyway are not compared: there is nothing to guess, and nothing is counted.
    assert client.post(_rate_url(s), {"verdict": "satisfied", "phone_last4": "0000"}).status_code == 302
    s = _reload(s)
    assert s.stage == Stage.CLOSED and s.outcome == "satisfied" and s.rating_failures == 0


# The citizen's page ---------------------------------------------------------------------------


def test_the_page_counts_down_the_tries_left(client, released, english):
    response = client.post(_rate_url(released), {"verdict": "satisfied", "phone_last4": "0000"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "These are not the last four digits" in body and "4 more tries" in body
    assert 'value="satisfied"' in body  # the choice made is kept


def test_the_sixth_try_on_the_page_is_refused_and_the_station_is_named(client, released, world, english):
    for digits in WRONG[:4]:
        assert client.post(_rate_url(released), {"verdict": "satisfied", "phone_last4": digits}).status_code == 400
    fifth = client.post(_rate_url(released), {"verdict": "satisfied", "phone_last4": WRONG[4]})
    assert fifth.status_code == 403 and 'id="rating-locked"' in fifth.content.decode()
    sixth = client.post(_rate_url(released), {"verdict": "satisfied", "phone_last4": RIGHT})
    body = sixth.content.decode()
    assert sixth.status_code == 403
    assert 'id="rating-locked"' in body and 'name="phone_last4"' not in body
    assert world.station.name in body and 'href="tel:0371-1234567"' in body
    assert _reload(released).stage == Stage.FEEDBACK


def test_the_locked_page_in_chinese_tells_the_citizen_to_call(client, released):
    _lock(released)
    body = client.get(reverse("public:track", args=[released.tracking_code])).content.decode()
    assert "评价已锁定" in body and "0371-1234567" in body and 'name="verdict"' not in body


def test_the_staff_page_shows_the_lock_and_unlocks_it(login, released, world, english):
    _lock(released)
    client = login(world.staff)
    body = client.get(released.get_absolute_url()).content.decode()
    assert 'id="rating-lock"' in body and 'id="unlock-rating"' in body
    response = client.post(reverse("loop:unlock_rating", args=[released.tracking_code]), follow=True)
    assert response.status_code == 200 and "Rating is unlocked" in response.content.decode()
    assert _reload(released).rating_failures == 0
    public = client.get(reverse("public:track", args=[released.tracking_code])).content.decode()
    assert 'name="phone_last4"' in public and 'id="rating-locked"' not in public
    assert client.post(_rate_url(released), {"verdict": "satisfied", "phone_last4": RIGHT}).status_code == 302
    assert _reload(released).stage == Stage.CLOSED


def test_a_representative_sees_the_lock_but_no_unlock_button(login, released, world):
    _lock(released)
    body = login(world.rep_user).get(released.get_absolute_url()).content.decode()
    assert 'id="rating-lock"' in body and 'id="unlock-rating"' not in body


@pytest.mark.parametrize(("persona", "status"), [("rep_user", 403), ("other_staff", 404), ("other_admin", 404)])
def test_nobody_else_may_unlock_through_the_page(login, released, world, persona, status):
    _lock(released)
    response = login(getattr(world, persona)).post(reverse("loop:unlock_rating", args=[released.tracking_code]))
    assert response.status_code == status
    assert _reload(released).rating_failures == loop.RATING_TRIES


def test_unlocking_needs_a_post(login, released, world):
    _lock(released)
    assert login(world.staff).get(reverse("loop:unlock_rating", args=[released.tracking_code])).status_code == 405


def test_the_lock_card_costs_the_staff_page_at_most_one_query(login, released, world):
    client = login(world.staff)
    url = released.get_absolute_url()
    client.get(url)  # warm the session and the user
    with CaptureQueriesContext(connection) as unlocked:
        client.get(url)
    _lock(released)
    with CaptureQueriesContext(connection) as locked:
        body = client.get(url).content.decode()
    assert 'id="unlock-rating"' in body
    assert len(locked.captured_queries) <= len(unlocked.captured_queries) + 1
