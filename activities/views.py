"""Activities (履职活动), the performance ranking and each representative's own page."""

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from audit import services as audit
from core.files import private_file_response
from core.kept import kept
from core.pagination import paginate, querystring_without_page
from representatives.models import Representative
from stations.models import ReceptionDay
from suggestions.models import Stage, Suggestion

from . import scoring, selectors, services
from .forms import ActivityFilterForm, ActivityForm, RankingForm
from .models import ActivityPhoto, ScoringRule

# Photos were checked by their bytes and renamed with the extension of what they are (see inspect_upload).
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}


def activity_list(request):
    if not permissions.may_see_activities(request.user):
        raise PermissionDenied(_("Activities are for station staff, representatives and committee admins."))
    form = ActivityFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    activities = selectors.activity_list(
        request.user,
        kind=filters.get("kind"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        query=(filters.get("q") or "").strip(),
    )
    page = paginate(request, activities, per_page=25)
    return render(
        request,
        "activities/list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "filtered": any(filters.values()),
            "can_record": selectors.recordable_stations(request.user).exists(),
        },
    )


def activity_new(request):
    stations = selectors.recordable_stations(request.user)
    station_list = list(stations)
    if not station_list:
        raise PermissionDenied(
            _("Only station staff, committee admins and resident representatives record activities.")
        )
    code = request.GET.get("station", "")
    station = next((s for s in station_list if s.code == code), None)
    if code and station is None:
        raise Http404("no such station among yours")
    if station is None and len(station_list) == 1:
        station = station_list[0]
    if station is None:
        return render(request, "activities/pick_station.html", {"stations": station_list})
    residents = selectors.station_residents(station)
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        stations=stations.filter(pk=station.pk),
        representatives=residents,
        initial={"station": station, "date": timezone.localdate()},
    )
    own = permissions.representative_id(request.user)
    if not form.is_bound and own:
        form.initial["representatives"] = [own]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.activity_create(
                by=request.user,
                station=data["station"],
                kind=data["kind"],
                date=data["date"],
                representatives=data["representatives"],
                title=data["title"],
                summary=data["summary"],
                photos=data["photos"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("The activity has been recorded."))
            return redirect("activities:detail", pk=activity.pk)
    return render(request, "activities/new.html", {"form": form, "station": station, "residents": residents})


def activity_detail(request, pk):
    activity = selectors.activity_for_user(request.user, pk)
    return render(request, "activities/detail.html", {"activity": activity})


def activity_photo(request, pk):
    photo = ActivityPhoto.objects.filter(pk=pk).select_related("activity").first()
    if photo is None:
        raise Http404("no such photo")
    selectors.activity_for_user(request.user, photo.activity_id)  # 404 unless the activity is visible
    extension = photo.original_name.rsplit(".", 1)[-1].lower()
    audit.record(audit.AuditAction.FILE_DOWNLOAD, request=request, obj=photo, detail={"object": str(photo.activity)})
    return private_file_response(
        photo.file, photo.original_name, PHOTO_TYPES.get(extension, "application/octet-stream")
    )


def _kept_scores(request, reps, period, data):
    """Scores of the ranking, kept like the dashboard's figures (counting 2,000 representatives' year takes seconds)."""
    group = data.get("group")
    parts = (permissions.figures_scope(request.user), period.key, data.get("level", ""), group.pk if group else None)
    return kept(
        "ranking",
        (*parts, timezone.localdate().isoformat()),
        lambda: (scoring.scores(reps.values("pk"), period), timezone.now()),
        refresh=request.GET.get("refresh") == "1",
    )


def ranking(request):
    """Scores of the representatives in the committee admin's region, best first."""
    if not permissions.may_rank_representatives(request.user):
        raise PermissionDenied(_("The performance ranking is for committee admins."))
    form = RankingForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    period = scoring.parse_period(data.get("period", ""))
    reps = selectors.ranked_representatives(request.user, level=data.get("level", ""), group=data.get("group"))
    totals, counted_at = _kept_scores(request, reps, period, data)
    rules = scoring.active_rules()
    basis_of = {rule.pk: rule.basis for rule in rules}
    columns = [(value, label) for value, label in ScoringRule.Basis.choices if value in set(basis_of.values())]
    rows = []
    for rep in reps.select_related("group").only("pk", "name", "code", "group__name").order_by("name", "pk"):
        entry = totals.get(rep.pk, {"total": Decimal("0"), "by_rule": {}})
        by_basis = defaultdict(Decimal)
        for rule_id, points in entry["by_rule"].items():
            by_basis[basis_of[rule_id]] += points
        rows.append({"rep": rep, "total": entry["total"], "by_basis": [by_basis[value] for value, _label in columns]})
    rows.sort(key=lambda row: (-row["total"], row["rep"].name, row["rep"].pk))
    rank, previous = 0, None
    for index, row in enumerate(rows, start=1):
        if row["total"] != previous:
            rank, previous = index, row["total"]
        row["rank"] = rank
    page = paginate(request, rows, per_page=50)
    return render(
        request,
        "activities/ranking.html",
        {
            "form": form,
            "period": period,
            "rules": rules,
            "columns": columns,
            "counted_at": counted_at,
            "page": page,
            "querystring": querystring_without_page(request),
        },
    )


def performance(request, code):
    """A representative's own page: items, duties, activities and score with the records behind each point."""
    rep = selectors.representative_for_performance(request.user, code)
    period = scoring.parse_period(request.GET.get("period", ""))
    total, lines = scoring.breakdown(rep, period)
    today = timezone.localdate()
    # Their items, as far as the viewer may see them (a committee admin of one county does not read another's).
    items = Suggestion.objects.filter(
        Q(assessor=rep) | Q(representative=rep),
        permissions.visible_suggestions_q(request.user),
        duplicate_of__isnull=True,
    )
    stage_counts = dict(items.values_list("stage").annotate(n=Count("id")).order_by())
    duties = list(
        ReceptionDay.objects.filter(on_duty=rep, date__gte=today, is_cancelled=False)
        .select_related("station")
        .order_by("date", "start_time")[:5]
    )
    activities = list(rep.activities.select_related("kind", "station").order_by("-date", "-id")[:10])
    return render(
        request,
        "activities/performance.html",
        {
            "rep": rep,
            "period": period,
            "periods": scoring.period_choices(),
            "total": total,
            "lines": lines,
            "stage_counts": [(stage.label, stage.value, stage_counts.get(stage.value, 0)) for stage in Stage],
            "open_items": items.exclude(stage=Stage.CLOSED).select_related("station").order_by("received_at")[:10],
            "duties": duties,
            "activities": activities,
            "is_self": permissions.representative_id(request.user) == rep.pk,
        },
    )


def my_performance(request):
    rep = permissions.representative_id(request.user)
    if not rep:
        raise PermissionDenied(_("This page is for representatives."))
    code = Representative.objects.only("code").get(pk=rep).code
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return redirect(reverse("activities:performance", args=[code]) + query)
