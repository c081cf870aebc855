"""Reception-day pages: a station's schedule, the day's desk where visits are logged, a representative's duties."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import permissions
from audit import services as audit
from core import resilience
from core.pagination import paginate
from stations import reception
from stations.models import ReceptionRule
from stations.selectors import station_for_manager
from suggestions.reception import selectors
from suggestions.reception.forms import OneOffDayForm, RosterForm, RuleForm, SuggestionRowFormSet, VisitForm
from suggestions.reception.services import visit_log
from suggestions.selectors import active_categories

# A saved visit form's token is remembered this long: a resubmit (double Enter, back and submit) is ignored.
TOKEN_TIMEOUT = 24 * 3600


def _add_errors(form, exc: ValidationError) -> list[str]:
    """Put a service's errors on the form's fields; returns those that belong to no field of it."""
    leftover = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            if field in form.fields:
                form.add_error(field, errors)
            else:
                leftover.extend(message for error in errors for message in error.messages)
    else:
        leftover.extend(exc.messages)
    return leftover


def station_reception(request, code):
    """A station's reception days: the coming ones, the register of past ones, and the forms to schedule more."""
    station = station_for_manager(request.user, code)
    residents = list(station.residents.all())  # prefetched with the station
    action = request.POST.get("action") if request.method == "POST" else None
    today = timezone.localdate()
    rule_form = RuleForm(
        request.POST if action == "rule" else None,
        prefix="rule",
        initial={
            "kind": ReceptionRule.Kind.WEEKLY,
            "weekday": ReceptionRule.Weekday.WEDNESDAY,
            "start_time": dt.time(9, 0),
            "end_time": dt.time(11, 30),
            "starts_on": today,
        },
    )
    day_form = OneOffDayForm(
        request.POST if action == "day" else None,
        prefix="day",
        residents=residents,
        initial={"start_time": dt.time(9, 0), "end_time": dt.time(11, 30)},
    )
    if action == "rule" and rule_form.is_valid():
        try:
            rule = reception.reception_rule_save(station=station, by=request.user, data=rule_form.cleaned_data)
        except ValidationError as exc:
            for message in _add_errors(rule_form, exc):
                rule_form.add_error(None, message)
        else:
            messages.success(
                request,
                _("The rule “%(rule)s” has been saved; its reception days for the next eight weeks are scheduled.")
                % {"rule": rule},
            )
            return redirect("reception:station", code=station.code)
    elif action == "day" and day_form.is_valid():
        data = day_form.cleaned_data
        try:
            day = reception.reception_day_create(
                station=station,
                by=request.user,
                date=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                on_duty=data["on_duty"],
                note=data["note"],
            )
        except ValidationError as exc:
            for message in _add_errors(day_form, exc):
                day_form.add_error(None, message)
        else:
            messages.success(request, _("The reception day of %(date)s has been scheduled.") % {"date": day.date})
            return redirect("reception:day", pk=day.pk)
    elif action == "stop_rule":
        rule_id = request.POST.get("rule", "")
        rule = get_object_or_404(ReceptionRule, pk=int(rule_id) if rule_id.isdigit() else 0, station=station)
        reception.reception_rule_save(station=station, by=request.user, data={"is_active": False}, rule=rule)
        messages.success(
            request, _("The rule “%(rule)s” is stopped; its coming days without visits are cancelled.") % {"rule": rule}
        )
        return redirect("reception:station", code=station.code)
    if action in ("rule", "day"):
        messages.error(request, _("Nothing was saved: correct the marked fields."))
    return render(
        request,
        "reception/station_days.html",
        {
            "station": station,
            "rules": selectors.station_rules(station),
            "upcoming": selectors.upcoming_days_with_totals(station),
            "page": paginate(request, selectors.past_days_with_totals(station), per_page=20),
            "missed_count": selectors.missed_days_count(station),
            "rule_form": rule_form,
            "day_form": day_form,
            "open_form": action if action in ("rule", "day") else "",
        },
    )


def reception_day(request, pk):
    """The desk on a reception day: log each visitor fast, see the day's visits and totals, fix the roster."""
    day = selectors.reception_day_for_manager(request.user, pk)
    station = day.station
    on_duty = list(day.on_duty.all())
    residents = list(station.residents.all())
    categories = list(active_categories())
    action = request.POST.get("action") if request.method == "POST" else None
    day_url = reverse("reception:day", args=[day.pk])

    visit_form = VisitForm(
        request.POST if action == "visit" else None,
        representatives=on_duty or residents,
        initial={"received_by": [rep.pk for rep in on_duty]},
    )
    rows = SuggestionRowFormSet(
        request.POST if action == "visit" else None, prefix="s", form_kwargs={"categories": categories}
    )
    roster_form = RosterForm(
        request.POST if action == "roster" else None,
        residents=residents,
        initial={"representatives": [rep.pk for rep in on_duty]},
    )
    suggestion_errors: list[str] = []
    today = timezone.localdate()
    can_log = not day.is_cancelled and day.date <= today

    if action == "visit" and not can_log:
        # The page offers no form then; a stale tab or a hand-made request gets the reason, not a hidden error.
        messages.error(request, _("No visit can be logged on a cancelled or future reception day."))
        return redirect(day_url)
    if action == "visit":
        forms_valid = visit_form.is_valid()
        rows_valid = rows.is_valid()
        if forms_valid and rows_valid:
            data = visit_form.cleaned_data
            token_key = f"reception-visit:{data['token']}"
            # While the cache is away the token cannot be checked: suggestions are still kept once by their
            # idempotency keys, and a visit answered on the spot might be logged twice; never a 500.
            if resilience.cache_add(token_key, True, TOKEN_TIMEOUT) is False:
                messages.info(request, _("This visit had already been saved."))
                return redirect(day_url)
            try:
                visit = visit_log(
                    day=day,
                    by=request.user,
                    visitor_name=data["visitor_name"],
                    visitor_phone=data["visitor_phone"],
                    received_by=data["received_by"],
                    summary=data["summary"],
                    answered_on_spot=data["answered_on_spot"],
                    spot_answer=data["spot_answer"],
                    suggestions=[form.row() for form in rows if form.has_changed()],
                    idempotency_key=data["token"],
                )
            except ValidationError as exc:
                resilience.cache_delete(token_key)
                suggestion_errors = _add_errors(visit_form, exc)
            except Exception:
                resilience.cache_delete(token_key)  # nothing was saved: a retry must not be taken for a resubmit
                raise
            else:
                created = visit.suggestions.count()
                if created:
                    text = ngettext(
                        "Visit saved; it became %(count)d suggestion.",
                        "Visit saved; it became %(count)d suggestions.",
                        created,
                    ) % {"count": created}
                else:
                    text = _("Visit saved, answered on the spot.")
                messages.success(request, text)
                return redirect(day_url)
        suggestion_errors += [str(error) for error in rows.non_form_errors()]
        messages.error(request, _("The visit was not saved: correct the marked fields."))
    elif action == "roster":
        if roster_form.is_valid():
            try:
                reception.reception_day_set_roster(
                    day=day, by=request.user, representatives=roster_form.cleaned_data["representatives"]
                )
            except ValidationError as exc:
                for message in _add_errors(roster_form, exc):
                    roster_form.add_error(None, message)
            else:
                messages.success(request, _("The roster has been saved."))
                return redirect(day_url)
        messages.error(request, _("The roster was not saved."))

    visits = selectors.day_visits(day)
    # The rule for suggestions' phones applies to visitors too: only the station's own staff see them whole.
    for visit in visits:
        visit.shown_phone = permissions.phone_shown_to(request.user, day, visit.visitor_phone)
    in_full = [visit.pk for visit in visits if visit.visitor_phone]
    if in_full and permissions.may_see_full_phone(request.user, day):
        audit.record(
            audit.AuditAction.PERSONAL_DATA_VIEW,
            request=request,
            obj=day,
            detail={"where": "reception_day", "shown": "mobile_number", "ids": in_full},
        )
    return render(
        request,
        "reception/day.html",
        {
            "day": day,
            "station": station,
            "on_duty": on_duty,
            "visits": visits,
            "totals": selectors.day_totals(visits),
            "visit_form": visit_form,
            "rows": rows,
            "suggestion_errors": suggestion_errors,
            "roster_form": roster_form,
            "can_log": can_log,
            "is_future": day.date > today,
        },
    )


def my_duties(request):
    """A representative's coming reception duties, with the station and who else is on duty."""
    representative_id = permissions.representative_id(request.user)
    if not representative_id:
        raise PermissionDenied(_("This page is for representatives."))
    page = paginate(request, selectors.upcoming_duties(representative_id), per_page=20)
    return render(request, "reception/my_duties.html", {"page": page, "representative_id": representative_id})
