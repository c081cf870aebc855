from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liaison.codes import new_tracking_code


def private_storage():
    """Citizens' attachments never sit under a public URL; a view checks who may fetch them."""
    return storages["private"]


class HandlingUnit(models.Model):
    """A government department or township office that answers suggestions (承办单位)."""

    name = models.CharField(_("name"), max_length=80)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    region = models.ForeignKey(
        "stations.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="handling_units"
    )
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("handlers"), blank=True, related_name="handling_units"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["region__path", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unit_unique_name_in_region")]

    def __str__(self):
        return self.name


class Category(models.Model):
    """A problem category (问题类别), configurable by committee admins."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class Channel(models.TextChoices):
    QR_STATION = "qr_station", _("Station QR code")
    QR_REPRESENTATIVE = "qr_representative", _("Representative QR code")
    RECEPTION = "reception", _("Reception day")
    VISIT = "visit", _("Door-to-door visit")
    MAILBOX = "mailbox", _("Suggestion box")
    WECHAT = "wechat", _("WeChat group")
    ONLINE = "online", _("Online")
    PLATFORM = "platform", _("External platform")


OFFLINE_CHANNELS = (Channel.MAILBOX, Channel.WECHAT, Channel.VISIT, Channel.PLATFORM)


class Stage(models.TextChoices):
    COLLECT = "collect", _("Collecting")
    ASSESS = "assess", _("Assessing")
    ASSIGN = "assign", _("Assigned and supervised")
    FEEDBACK = "feedback", _("Feedback and rating")
    CLOSED = "closed", _("Closed")


OPEN_STAGES = (Stage.COLLECT, Stage.ASSESS, Stage.ASSIGN, Stage.FEEDBACK)


class Suggestion(models.Model):
    """One suggestion (社情民意 / 意见建议): the unit of work of the closed loop."""

    tracking_code = models.CharField(
        _("tracking code"), max_length=16, unique=True, default=new_tracking_code, editable=False
    )
    title = models.CharField(_("title"), max_length=100)
    content = models.TextField(_("what happened and what is asked"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), on_delete=models.PROTECT, related_name="suggestions"
    )
    # Copied from the station when the suggestion is created: scoping and duplicate search by region
    # are then one indexed column, not a join.
    region = models.ForeignKey(
        "stations.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="suggestions"
    )
    representative = models.ForeignKey(
        "representatives.Representative",
        verbose_name=_("addressed to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.COLLECT)
    is_enterprise = models.BooleanField(_("raised for an enterprise"), default=False)
    enterprise_name = models.CharField(_("enterprise name"), max_length=100, blank=True)
    submitter_name = models.CharField(_("name"), max_length=40, blank=True)
    submitter_phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("received"), help_text=_("When it actually arrived; the clock starts here."))
    visit = models.ForeignKey(
        "stations.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    idempotency_key = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["region", "stage", "-received_at"], name="suggestion_region_stage_idx"),
            models.Index(fields=["station", "-received_at"], name="suggestion_station_idx"),
            models.Index(fields=["-received_at", "-id"], name="suggestion_received_idx"),
            models.Index(fields=["representative", "-received_at"], name="suggestion_rep_idx"),
        ]

    def __str__(self):
        return f"{self.tracking_code} {self.title}"

    def get_absolute_url(self):
        return reverse("suggestions:detail", args=[self.tracking_code])

    @property
    def is_anonymous(self) -> bool:
        return not (self.submitter_name or self.submitter_phone)


class Attachment(models.Model):
    """A photo or PDF sent with a suggestion; served only to people who may see the suggestion."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="suggestions/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class Event(models.Model):
    """One line of a suggestion's timeline (办理记录): who did what, when.

    ``note`` is internal; ``public_text`` is what the citizen's tracking page shows
    (empty: the step is not shown publicly).
    """

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        MERGED = "merged", _("Merged as a duplicate")
        DUPLICATE_ADDED = "duplicate_added", _("Duplicate merged into this")
        EDITED = "edited", _("Edited")

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("internal note"), blank=True)
    public_text = models.CharField(_("shown to the citizen"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.suggestion.tracking_code} {self.get_kind_display()}"
