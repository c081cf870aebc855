"""A county committee admin cannot reach beyond the county through the Django admin, by any form.

The tests are generated from the admin registry: every registered ModelAdmin,
its add and change forms and every inline, and every relation field on them.
A relation to a model that is scoped by region must neither offer nor accept a
row of the other county; a relation to a shared list (categories, kinds …)
must be to a model named in ``SHARED`` below, so that a new relation cannot
ship without a decided rule.
"""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import ValidationError
from django.forms.models import _get_foreign_key
from django.test import RequestFactory
from django.urls import reverse

from activities.models import Activity, ActivityKind, ScoringRule
from devtools.testing import factories as f
from representatives.models import CongressMembership, ProfessionalGroup, Representative, Residency
from stations.models import IndustryChain, ReceptionDay, ReceptionRule, Region, StandardItem, Station, Visit
from suggestions.models import Category, HandlingUnit, Suggestion

# Lists that hold for every county: any of their rows may be chosen (only the top committee edits them).
SHARED = {Category, IndustryChain, StandardItem, ProfessionalGroup, ActivityKind}
# Never offered to a committee admin at all: they grant admin rights.
NEVER_OFFERED = {Permission, Group, ContentType}


@pytest.fixture
def county(world):
    """The county admin with every admin permission (as the demo gives), and a row of each kind on both sides."""
    world.admin.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["stations", "representatives", "suggestions", "activities", "accounts", "auth"]
        )
    )
    kind = ActivityKind.objects.create(name="进园区")
    inside = {
        Region: world.county,
        Station: world.station,
        Representative: world.rep,
        HandlingUnit: world.unit,
        get_user_model(): world.staff,
        ReceptionRule: _rule(world.station, weekday=2),
        Residency: world.rep.residencies.get(),
        CongressMembership: world.rep.memberships.get(),
        Activity: _activity(world.station, world.rep, kind),
        Suggestion: f.SuggestionFactory(station=world.station),
    }
    other_rule = _rule(world.other_station, weekday=3)
    other_day = ReceptionDay.objects.create(
        station=world.other_station,
        date=dt.date(2026, 11, 4),
        start_time=dt.time(9),
        end_time=dt.time(11),
        rule=other_rule,
    )
    outside = {
        Region: world.other_county,
        Station: world.other_station,
        Representative: world.other_rep,
        HandlingUnit: world.other_unit,
        get_user_model(): world.other_staff,
        ReceptionRule: other_rule,
        ReceptionDay: other_day,
        Visit: Visit.objects.create(reception_day=other_day, summary="来访"),
        Activity: _activity(world.other_station, world.other_rep, kind),
        Suggestion: f.SuggestionFactory(station=world.other_station),
    }
    ScoringRule.objects.create(basis="activity", activity_kind=kind, points=1)
    return world, inside, outside


def _rule(station, *, weekday):
    return ReceptionRule.objects.create(
        station=station,
        kind="weekly",
        weekday=weekday,
        start_time=dt.time(9),
        end_time=dt.time(11),
        starts_on=dt.date(2026, 11, 2),
    )


def _activity(station, representative, kind):
    activity = Activity.objects.create(
        station=station, kind=kind, title="进园区调研", summary="走访企业", date=dt.date(2026, 11, 2)
    )
    activity.representatives.add(representative)
    return activity


def get_user_model():
    from django.contrib.auth import get_user_model as get

    return get()


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _forms(request, inside):
    """(label, form class, instance) for every add and change form and every inline form in the registry."""
    for model, model_admin in admin.site._registry.items():
        obj = inside.get(model)
        for instance in (None, obj):
            if instance is None and not model_admin.has_add_permission(request):
                continue
            if instance is not None and not model_admin.has_change_permission(request, instance):
                continue
            label = f"{model._meta.label} {'change' if instance else 'add'}"
            yield label, model_admin.get_form(request, instance, change=instance is not None), instance
            for inline in model_admin.get_inline_instances(request, instance):
                formset = inline.get_formset(request, instance)
                yield f"{label} inline {inline.model._meta.label}", formset.form, None


def _relation_fields(form_class):
    return [
        (name, field) for name, field in form_class.base_fields.items() if isinstance(field, forms.ModelChoiceField)
    ]


def test_the_registry_has_forms_and_relation_fields_to_check(county):
    """Guards the generated tests below against checking nothing."""
    world, inside, _outside = county
    checked = [
        (label, name)
        for label, form_class, _instance in _forms(_request(world.admin), inside)
        for name, _field in _relation_fields(form_class)
    ]
    assert ("representatives.Residency add", "station") in checked
    assert ("representatives.Representative add inline representatives.Residency", "station") in checked
    assert ("stations.Station change", "staff") in checked
    assert len(checked) >= 25


def test_every_relation_field_offers_and_accepts_only_the_county(county):
    world, inside, outside = county
    request = _request(world.admin)
    undecided = []
    for label, form_class, instance in _forms(request, inside):
        form = form_class(instance=instance) if instance is not None else form_class()
        for name, field in _relation_fields(form_class):
            target = field.queryset.model
            bound_field = form.fields[name]
            if target in NEVER_OFFERED:
                assert not bound_field.queryset.exists(), f"{label}.{name} offers {target._meta.label}"
                continue
            if target in SHARED:
                continue
            if target not in outside:
                undecided.append(f"{label}.{name} -> {target._meta.label}")
                continue
            foreign = outside[target]
            assert not bound_field.queryset.filter(pk=foreign.pk).exists(), f"{label}.{name} offers {foreign}"
            posted = [str(foreign.pk)] if isinstance(field, forms.ModelMultipleChoiceField) else str(foreign.pk)
            with pytest.raises(ValidationError):
                bound_field.clean(posted)
    assert not undecided, (
        f"relation fields with no scope rule decided (add to SHARED or give an outside row): {undecided}"
    )


def test_shared_lists_are_read_only_for_a_county(county):
    world, _inside, _outside = county
    request = _request(world.admin)
    for model in (*SHARED, ScoringRule, Group):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model


# Through the pages: the forms as a browser submits them, with one value forged ---------------------------------


def _submitted(html: str) -> dict[str, list[str]]:
    """What a browser would post from the admin's change form."""
    document = lxml.html.fromstring(html)
    form = next(form for form in document.forms if form.get("id", "").endswith("_form"))
    data: dict[str, list[str]] = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    return data


def _relation_inputs(model_admin, request, obj, data) -> dict[str, type]:
    """Posted names that carry a relation, with the model they point to (inline rows included)."""
    names = {}
    for name, field in _relation_fields(model_admin.get_form(request, obj, change=True)):
        names[name] = field.queryset.model
    for inline in model_admin.get_inline_instances(request, obj):
        formset = inline.get_formset(request, obj)
        prefix = formset.get_default_prefix()
        rows = int(data.get(f"{prefix}-TOTAL_FORMS", ["0"])[0])
        parent_key = _get_foreign_key(type(obj), inline.model, fk_name=inline.fk_name).name
        for row in range(rows):
            for name, field in _relation_fields(formset.form):
                if name != parent_key:  # the row's own parent, fixed by the page, not chosen
                    names[f"{prefix}-{row}-{name}"] = field.queryset.model
    return names


def _snapshot(model_admin, request, obj) -> str:
    related = []
    for inline in model_admin.get_inline_instances(request, obj):
        if isinstance(inline, InlineModelAdmin):
            fk = _get_foreign_key(type(obj), inline.model, fk_name=inline.fk_name)
            related += list(inline.model.objects.filter(**{fk.name: obj}).order_by("pk"))
    fresh = type(obj).objects.get(pk=obj.pk)
    return serializers.serialize("json", [fresh, *related])


def test_a_forged_post_of_every_change_form_is_refused_and_saves_nothing(county, login):
    world, inside, outside = county
    client = login(world.admin)
    request = _request(world.admin)
    forged_fields = []
    for model, obj in inside.items():
        model_admin = admin.site._registry[model]
        if not model_admin.has_change_permission(request, obj):
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        page = client.get(url)
        assert page.status_code == 200, url
        data = _submitted(page.content.decode())

        # Unchanged, the form saves: a forged post refused below is refused for its forged value alone.
        control = client.post(url, data)
        assert control.status_code == 302, (url, control.context and control.context["errors"])

        before = _snapshot(model_admin, request, obj)
        for name, target in _relation_inputs(model_admin, request, obj, data).items():
            if target in SHARED or target not in outside:
                continue
            forged = dict(data)
            foreign = str(outside[target].pk)
            forged[name] = [*data.get(name, []), foreign] if len(data.get(name, [])) > 1 else [foreign]
            response = client.post(url, forged)
            assert response.status_code == 200, f"{url} accepted {name}={foreign}"
            assert 'class="errorlist' in response.content.decode(), name
            assert _snapshot(model_admin, request, obj) == before, f"{url} saved something with {name}={foreign}"
            forged_fields.append(f"{model._meta.label}.{name}")
    assert {
        "stations.Station.region",
        "stations.Station.staff",
        "representatives.Residency.station",
        "representatives.Representative.residencies-0-station",
        "representatives.CongressMembership.region",
    } <= set(forged_fields)


# The attacks as they were tried ---------------------------------------------------------------------------------


def test_county_admin_cannot_make_a_residency_at_another_countys_station(county, login):
    world, _inside, _outside = county
    response = login(world.admin).post(
        reverse("admin:representatives_residency_add"),
        {"representative": world.rep.pk, "station": world.other_station.pk, "since": ""},
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Residency.objects.filter(station=world.other_station, representative=world.rep).exists()


def test_county_admin_cannot_add_a_representative_for_themselves_resident_elsewhere(county, login):
    world, _inside, _outside = county
    response = login(world.admin).post(
        reverse("admin:representatives_representative_add"),
        {
            "name": "冒名代表",
            "gender": "male",
            "user": world.admin.pk,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "residencies-TOTAL_FORMS": "1",
            "residencies-INITIAL_FORMS": "0",
            "residencies-0-station": world.other_station.pk,
        },
    )
    assert response.status_code == 200
    assert not Representative.objects.filter(name="冒名代表").exists()
    assert not Residency.objects.filter(station=world.other_station).exclude(representative=world.other_rep).exists()


def test_autocomplete_offers_only_the_countys_stations(county, login):
    world, _inside, _outside = county
    response = login(world.admin).get(
        reverse("admin:autocomplete"),
        {"app_label": "representatives", "model_name": "residency", "field_name": "station", "term": ""},
    )
    names = {row["text"] for row in response.json()["results"]}
    assert world.station.name in names and world.other_station.name not in names


def test_a_representative_resident_also_elsewhere_is_read_only_for_the_county(county, login):
    world, _inside, _outside = county
    f.ResidencyFactory(representative=world.rep, station=world.other_station)
    client = login(world.admin)
    url = reverse("admin:representatives_representative_change", args=[world.rep.pk])
    page = client.get(url).content.decode()
    assert 'name="user"' not in page  # shown, not editable: its account would read the other county's items
    client.post(url, {"name": "改名", "gender": "male", "user": world.admin.pk})
    world.rep.refresh_from_db()
    assert world.rep.name == "代表甲" and world.rep.user == world.rep_user


def test_account_pages_stay_closed_to_a_county_given_their_permissions(county, login):
    """Accounts, groups and permissions are the duties' (三员分立), whatever permissions a committee admin holds."""
    world, _inside, _outside = county
    client = login(world.admin)
    url = reverse("admin:accounts_user_change", args=[world.staff.pk])
    assert client.get(url).status_code == 403
    client.post(url, {"username": world.staff.username, "is_superuser": "on", "is_staff": "on"})
    world.staff.refresh_from_db()
    assert not world.staff.is_superuser and not world.staff.is_staff


def test_station_staff_choices_are_the_countys_accounts_and_unlinked_ones(county):
    world, _inside, _outside = county
    fresh = f.UserFactory(username="newcomer")
    form_class = admin.site._registry[Station].get_form(_request(world.admin), world.station, change=True)
    offered = set(form_class(instance=world.station).fields["staff"].queryset.values_list("username", flat=True))
    assert {"staff", "rep", "handler", "newcomer"} <= offered
    assert not offered & {"otherstaff", "otherrep", "otherhandler", "admin_other"}
    assert fresh.username in offered


def test_view_on_site_does_not_reveal_another_countys_suggestion(county, login):
    world, inside, outside = county
    client = login(world.admin)
    content_type = ContentType.objects.get_for_model(Suggestion)
    mine = client.get(reverse("admin:view_on_site", args=[content_type.pk, inside[Suggestion].pk]))
    assert mine.status_code == 302 and inside[Suggestion].tracking_code in mine["Location"]
    theirs = client.get(reverse("admin:view_on_site", args=[content_type.pk, outside[Suggestion].pk]))
    assert theirs.status_code == 404


def test_a_region_needs_a_parent_inside_the_county(county, login):
    world, _inside, _outside = county
    client = login(world.admin)
    for parent in ("", world.other_county.pk):
        response = client.post(
            reverse("admin:stations_region_add"), {"name": "新社区", "level": "village", "parent": parent}
        )
        assert response.status_code == 200
    assert not Region.objects.filter(name="新社区").exists()
    client.post(reverse("admin:stations_region_add"), {"name": "新社区", "level": "village", "parent": world.county.pk})
    assert Region.objects.get(name="新社区").path.startswith(world.county.path)
