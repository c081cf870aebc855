"""Representatives' activities (履职活动) and the rules that score them (履职量化考评)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.files import private_storage


class ActivityKind(models.Model):
    """进园区, 进企业, 调研, 视察 …: a committee admin keeps the list."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("activity kind")
        verbose_name_plural = _("activity kinds")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class Activity(models.Model):
    """One activity of representatives, entered by station staff or a participating representative."""

    kind = models.ForeignKey(ActivityKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="activities")
    date = models.DateField(_("date"))
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), on_delete=models.PROTECT, related_name="activities"
    )
    representatives = models.ManyToManyField(
        "representatives.Representative", verbose_name=_("participating representatives"), related_name="activities"
    )
    title = models.CharField(_("title"), max_length=100)
    summary = models.TextField(_("summary"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["station", "date"], name="activity_station_date_idx")]

    def __str__(self):
        return f"{self.date} {self.title}"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos")
    file = models.ImageField(_("photo"), upload_to="activities/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class ScoringRule(models.Model):
    """Points for one kind of record, capped per period. Rules are data: a committee admin edits them."""

    class Basis(models.TextChoices):
        DUTY = "duty", _("Reception-day duty attended")
        TRIAGE = "triage", _("Suggestion triaged within the working days set")
        SATISFIED = "satisfied", _("Item closed satisfied (满意)")
        ACTIVITY = "activity", _("Activity of a kind")
        PROPOSAL = "proposal", _("Suggestion taken into a formal proposal")

    basis = models.CharField(_("what earns the points"), max_length=12, choices=Basis.choices)
    activity_kind = models.ForeignKey(
        ActivityKind,
        verbose_name=_("activity kind"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scoring_rules",
        help_text=_("Only for activity rules."),
    )
    points = models.DecimalField(
        _("points per record"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    within_days = models.PositiveSmallIntegerField(
        _("within working days"), null=True, blank=True, help_text=_("Only for triage rules.")
    )
    cap = models.DecimalField(
        _("cap per period"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "The most points this rule gives one representative in a quarter; "
            "a year allows four times as many. Empty: no cap."
        ),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["basis", "activity_kind__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["basis", "activity_kind"], name="one_scoring_rule_per_basis_kind"),
            models.UniqueConstraint(
                fields=["basis"], condition=models.Q(activity_kind__isnull=True), name="one_scoring_rule_per_basis"
            ),
        ]

    def __str__(self):
        if self.activity_kind_id:
            return _("Activity: %(kind)s") % {"kind": self.activity_kind}
        return self.get_basis_display()

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.basis == self.Basis.ACTIVITY and not self.activity_kind_id:
            raise ValidationError({"activity_kind": _("Choose the kind of activity this rule scores.")})
        if self.basis != self.Basis.ACTIVITY and self.activity_kind_id:
            raise ValidationError({"activity_kind": _("Only activity rules name a kind of activity.")})
        if self.basis == self.Basis.TRIAGE and self.within_days is None:
            raise ValidationError({"within_days": _("Say within how many working days a triage earns the points.")})
