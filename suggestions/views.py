from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from audit import services as audit
from core.html import select_options
from core.pagination import paginate, querystring_without_page
from stations.models import Station
from stations.selectors import managed_station_choices
from suggestions import exports, listing, selectors
from suggestions.forms import MergeForm, OfflineSuggestionForm
from suggestions.intake import services
from suggestions.loop import actions as loop
from suggestions.loop import forms as loop_forms
from suggestions.workflow import Action, may_act


def unit_list(request):
    """Handling units: a committee admin's region, or a handler's own units."""
    if not permissions.may_list_units(request.user):
        raise PermissionDenied(_("The handling units list is for committee admins and unit handlers."))
    query = request.GET.get("q", "").strip()[:50]
    page = paginate(request, selectors.units_for_user(request.user, query=query), per_page=30)
    return render(
        request,
        "suggestions/unit_list.html",
        {"page": page, "query": query, "querystring": querystring_without_page(request)},
    )


def _drill_down_chips(form, filters) -> list[str]:
    """Plain-language labels of the dashboard drill-down filters in force."""
    if not form.is_valid():
        return []
    data, chips = form.cleaned_data, []
    if filters.region is not None:
        chips.append(_("Region: %(name)s") % {"name": filters.region.full_name or filters.region.name})
    if data["kind"]:
        chips.append(_("Station kind: %(kind)s") % {"kind": Station.Kind(data["kind"]).label})
    if data["colour"]:
        chips.append(
            _("Supervision colour: %(colour)s") % {"colour": dict(form.fields["colour"].choices)[data["colour"]]}
        )
    if data["overdue"]:
        chips.append(_("Overdue now"))
    if data["replied"]:
        chips.append(_("Lead unit replied"))
    if filters.unit is not None:
        chips.append(_("Handling unit: %(name)s") % {"name": filters.unit.name})
    if data["outcome"]:
        chips.append(_("Outcome: %(outcome)s") % {"outcome": dict(form.fields["outcome"].choices)[data["outcome"]]})
    return chips


def suggestion_list(request, export: str = ""):
    """The one list of suggestions, scoped to the user; ``export`` gives the same rows as CSV or XLSX."""
    form, filters, suggestions = listing.list_queryset(request.user, request.GET)
    stations = form.fields["station"].queryset
    if export in ("csv", "xlsx"):
        audit.record(
            audit.AuditAction.EXPORT,
            request=request,
            detail={"register": "suggestion_list", "format": export, "filters": querystring_without_page(request)},
        )
        return (exports.csv_response if export == "csv" else exports.xlsx_response)(request.user, suggestions)
    page = paginate(request, suggestions, per_page=25, capped=True)
    in_full = []
    for suggestion in page:
        suggestion.shown_phone = permissions.phone_shown_to(request.user, suggestion, suggestion.submitter_phone)
        if suggestion.submitter_phone and permissions.may_see_full_phone(request.user, suggestion):
            in_full.append(suggestion.tracking_code)
    if in_full:
        audit.record(
            audit.AuditAction.PERSONAL_DATA_VIEW,
            request=request,
            detail={"where": "suggestion_list", "shown": "mobile_number", "code": in_full},
        )
    return render(
        request,
        "suggestions/list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "filtered": any(v for k, v in vars(filters).items() if k != "include_merged"),
            "drill_down": _drill_down_chips(form, filters),
            "station_options": select_options(stations.values_list("pk", "name"), request.GET.get("station", "")),
            "can_enter": permissions.may_keep_stations(request.user),
        },
    )


def suggestion_new(request):
    """Staff enter a suggestion that arrived offline, with the date it actually arrived."""
    stations = managed_station_choices(request.user)
    if not stations.exists():
        raise PermissionDenied(_("Only station staff and committee admins enter suggestions."))
    form = OfflineSuggestionForm(request.POST or None, stations=stations, categories=selectors.active_categories())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suggestion, _created = services.suggestion_create(
                station=data["station"],
                channel=data["channel"],
                title=data["title"],
                content=data["content"],
                by=request.user,
                received_at=form.received_at(),
                category=data["category"],
                location=data["location"],
                is_enterprise=data["is_enterprise"],
                enterprise_name=data["enterprise_name"],
                submitter_name=data["submitter_name"],
                submitter_phone=data["submitter_phone"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Suggestion %(code)s has been recorded.") % {"code": suggestion.tracking_code})
            return redirect(suggestion.get_absolute_url())
    return render(request, "suggestions/new.html", {"form": form})


def suggestion_detail(request, code):
    suggestion = selectors.suggestion_for_user(request.user, code, with_assignments=True)
    return render_detail(request, suggestion)


def render_detail(request, suggestion, *, bound=None, status=200):
    """The detail page; ``bound`` is a loop form that did not validate, shown again with its errors."""
    can_merge = permissions.can_merge_suggestion(request.user, suggestion) and suggestion.duplicate_of_id is None
    similar = selectors.similar_open_suggestions(suggestion) if can_merge and suggestion.stage != "closed" else []
    phone = permissions.phone_shown_to(request.user, suggestion, suggestion.submitter_phone)
    if suggestion.submitter_phone and permissions.may_see_full_phone(request.user, suggestion):
        audit.record(
            audit.AuditAction.PERSONAL_DATA_VIEW,
            request=request,
            obj=suggestion,
            detail={"where": "suggestion_page", "shown": "mobile_number", "code": suggestion.tracking_code},
        )
    locked = loop.rating_locked(suggestion)
    return render(
        request,
        "suggestions/detail.html",
        {
            "s": suggestion,
            "similar": similar,
            "can_merge": can_merge,
            "shown_phone": phone,
            "rating_locked": locked,
            "rating_tries": loop.RATING_TRIES,
            "can_unlock_rating": locked and may_act(request.user, suggestion, Action.UNLOCK_RATING),
            **loop_forms.detail_context(request.user, suggestion, bound=bound),
        },
        status=status,
    )


@require_POST
def suggestion_merge(request, code):
    duplicate = selectors.suggestion_for_user(request.user, code)
    if not permissions.can_merge_suggestion(request.user, duplicate):
        raise PermissionDenied(_("Merging duplicates is done by the station's staff or the committee."))
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the suggestion to merge into."))
        return redirect(duplicate.get_absolute_url())
    original = selectors.suggestion_for_user(request.user, form.cleaned_data["original"].strip().upper())
    try:
        services.suggestion_merge(duplicate=duplicate, original=original, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(duplicate.get_absolute_url())
    messages.success(
        request,
        _("Merged into %(code)s; the citizen follows it from their own tracking page.")
        % {"code": original.tracking_code},
    )
    return redirect(original.get_absolute_url())
