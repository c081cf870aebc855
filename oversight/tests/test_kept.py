"""Figures kept for a few minutes: the same numbers until someone counts again, never another scope's."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from devtools.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeping(settings):
    settings.DASHBOARD_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def received(client, **params) -> int:
    html = client.get(reverse("oversight:dashboard"), params).content.decode()
    return int(re.search(r'id="figure-1".*?<div class="fs-3 fw-bold[^"]*">(\d+)</div>', html, re.S).group(1))


def test_figures_are_kept_until_counted_again(login, world, keeping):
    f.SuggestionFactory(station=world.station)
    client = login(world.admin)
    assert received(client) == 1
    f.SuggestionFactory(station=world.station)
    assert received(client) == 1  # kept
    assert received(client, refresh="1") == 2  # counted again
    assert received(client) == 2


def test_kept_figures_are_never_another_scopes(login, world, keeping):
    f.SuggestionFactory(station=world.station)
    f.SuggestionFactory(station=world.other_station)
    assert received(login(world.city_admin)) == 2
    assert received(login(world.admin)) == 1
    assert received(login(world.other_admin)) == 1


def test_beat_warms_every_committees_default_view(world, keeping):
    from oversight.dashboard import warm_committee_dashboards

    assert warm_committee_dashboards() >= 3  # the two counties' and the city's committees
