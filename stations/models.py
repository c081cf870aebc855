from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.codes import new_code
from core.fields import EncryptedCharField


class Region(models.Model):
    """A node of the administrative tree: city → county/district → township/street → village/community.

    ``path`` is a materialised path ("12/40/57/") so that a whole subtree is one
    indexed ``startswith`` query; it is kept by :meth:`save`.
    """

    class Level(models.TextChoices):
        CITY = "city", _("City")
        COUNTY = "county", _("County / district")
        TOWNSHIP = "township", _("Township / street")
        VILLAGE = "village", _("Village / community")

    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True, default="")
    full_name = models.CharField(_("full name"), max_length=255, editable=False, default="")
    committee_admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("committee admins"),
        blank=True,
        related_name="committee_regions",
        help_text=_("Committee admins who supervise this region and everything under it."),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_under_parent"),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._refresh_tree_fields()

    def _refresh_tree_fields(self):
        """Recompute ``path`` and ``full_name`` here and, if they moved, in the whole subtree."""
        parent = Region.objects.get(pk=self.parent_id) if self.parent_id else None
        path = f"{parent.path if parent else ''}{self.pk}/"
        full_name = f"{parent.full_name if parent else ''}{self.name}"
        if (path, full_name) == (self.path, self.full_name):
            return
        old_path = self.path
        self.path, self.full_name = path, full_name
        Region.objects.filter(pk=self.pk).update(path=path, full_name=full_name)
        if old_path:
            descendants = Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk)
            for child in sorted(descendants, key=lambda r: len(r.path)):
                child._refresh_tree_fields()

    def clean(self):
        if self.parent_id and self.pk and self.parent.path.startswith(self.path or "-"):
            raise ValidationError({"parent": _("A region cannot be placed under itself.")})

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this region, read from the path."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class IndustryChain(models.Model):
    """An industry chain (产业链) that industry-chain stations are built on."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    parks_count = models.PositiveIntegerField(_("industrial parks served"), default=0)
    enterprises_count = models.PositiveIntegerField(_("enterprises served"), default=0)
    cooperatives_count = models.PositiveIntegerField(_("cooperatives served"), default=0)

    class Meta:
        verbose_name = _("industry chain")
        verbose_name_plural = _("industry chains")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StandardItem(models.Model):
    """One line of the standardisation checklist a station is held to."""

    group = models.CharField(_("standard"), max_length=40, help_text=_("For example 3室1厅1中心, 九有六簿一册, 四得."))
    name = models.CharField(_("item"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("standardisation item")
        verbose_name_plural = _("standardisation items")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="standard_item_unique_in_group")]

    def __str__(self):
        return f"{self.group} · {self.name}"


class Station(models.Model):
    """A representative liaison station (代表联络站) or point (联络点)."""

    class Kind(models.TextChoices):
        INDUSTRY_CHAIN = "industry_chain", _("Industry-chain station")
        TOWNSHIP = "township", _("Township / street station")
        COMMUNITY = "community", _("Community liaison point")

    class Status(models.TextChoices):
        BUILT = "built", _("Built")
        UNDER_CONSTRUCTION = "under_construction", _("Under construction")
        PLANNED = "planned", _("Planned")

    code = models.CharField(
        _("public code"),
        max_length=16,
        unique=True,
        default=new_code,
        editable=False,
        help_text=_("Printed on the station's QR poster; it never changes."),
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TOWNSHIP)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BUILT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_points",
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="stations")
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    description = models.TextField(_("introduction"), blank=True)
    head = models.ForeignKey(
        "representatives.Representative",
        verbose_name=_("head of station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="headed_stations",
    )
    industry_chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("industry chain"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
    )
    is_legislative_contact_point = models.BooleanField(_("grassroots legislative contact point"), default=False)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("station staff"), blank=True, related_name="staff_stations"
    )
    standard_items_met = models.ManyToManyField(
        StandardItem, verbose_name=_("standardisation items met"), blank=True, related_name="stations"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("liaison station")
        verbose_name_plural = _("liaison stations")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="station_unique_name_in_region"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("stations:public", args=[self.code])

    def clean(self):
        errors = {}
        if self.kind == self.Kind.INDUSTRY_CHAIN and not self.industry_chain_id:
            errors["industry_chain"] = _("An industry-chain station needs its industry chain.")
        if self.parent_id and self.pk and self.parent_id == self.pk:
            errors["parent"] = _("A station cannot be its own parent.")
        elif self.parent_id and self.parent.parent_id:
            errors["parent"] = _("A liaison point can only hang under a station that is not itself a point.")
        if errors:
            raise ValidationError(errors)


class ReceptionRule(models.Model):
    """How a station schedules its reception days (代表接待日): weekly on one weekday, or monthly on one date."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        MONTHLY = "monthly", _("Every month")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="reception_rules"
    )
    kind = models.CharField(_("repeats"), max_length=10, choices=Kind.choices, default=Kind.WEEKLY)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices, null=True, blank=True)
    day_of_month = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True)
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    duty_min = models.PositiveSmallIntegerField(_("representatives on duty, at least"), default=3)
    duty_max = models.PositiveSmallIntegerField(_("representatives on duty, at most"), default=5)
    starts_on = models.DateField(_("first day"))
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("reception day rule")
        verbose_name_plural = _("reception day rules")

    def __str__(self):
        if self.kind == self.Kind.WEEKLY:
            return _("Every %(weekday)s") % {"weekday": self.get_weekday_display()}
        return _("The %(day)s of every month") % {"day": self.day_of_month}

    def clean(self):
        errors = {}
        if self.kind == self.Kind.WEEKLY and self.weekday is None:
            errors["weekday"] = _("Choose the weekday of a weekly reception day.")
        if self.kind == self.Kind.MONTHLY and not (self.day_of_month and 1 <= self.day_of_month <= 28):
            errors["day_of_month"] = _("Choose a day between 1 and 28, so that every month has it.")
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("The reception must end after it starts.")
        if self.duty_max < self.duty_min:
            errors["duty_max"] = _("The most cannot be fewer than the least.")
        if errors:
            raise ValidationError(errors)


class ReceptionDay(models.Model):
    """One scheduled reception session at a station, with its roster of representatives on duty."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="reception_days"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    rule = models.ForeignKey(
        ReceptionRule, verbose_name=_("rule"), null=True, blank=True, on_delete=models.SET_NULL, related_name="days"
    )
    on_duty = models.ManyToManyField(
        "representatives.Representative",
        verbose_name=_("representatives on duty"),
        blank=True,
        related_name="reception_duties",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    missed_flagged_at = models.DateTimeField(
        _("flagged as missed"),
        null=True,
        blank=True,
        help_text=_("Set when the day ended with no visit logged."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reception day")
        verbose_name_plural = _("reception days")
        ordering = ["date", "start_time"]
        constraints = [models.UniqueConstraint(fields=["station", "date"], name="reception_day_unique_per_date")]
        indexes = [models.Index(fields=["date", "station"], name="reception_day_date_idx")]

    def __str__(self):
        return f"{self.station} {self.date:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("reception:day", args=[self.pk])


class Visit(models.Model):
    """One visitor received on a reception day (来访接待); may raise suggestions or be answered on the spot."""

    reception_day = models.ForeignKey(
        ReceptionDay, verbose_name=_("reception day"), on_delete=models.PROTECT, related_name="visits"
    )
    # Encrypted at rest (core/crypto.py). Nothing looks visitors up by number, so no hash is kept.
    visitor_name = EncryptedCharField(_("visitor's name"), max_length=40, blank=True)
    visitor_phone = EncryptedCharField(_("visitor's mobile number"), max_length=20, blank=True)
    received_by = models.ManyToManyField(
        "representatives.Representative", verbose_name=_("received by"), related_name="visits_received"
    )
    summary = models.TextField(_("what was raised"))
    answered_on_spot = models.BooleanField(_("answered on the spot"), default=False)
    spot_answer = models.TextField(_("answer given on the spot"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("logged by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["created_at", "id"]

    def __str__(self):
        # str(): a lazy translation is not a str, and Python refuses it from __str__ (the admin's 500).
        return self.visitor_name or str(_("Anonymous visitor"))
