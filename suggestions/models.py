from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.codes import new_tracking_code
from core.fields import EncryptedCharField, KeyedHashField
from core.files import private_storage
from core.sms import normalize_phone


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


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Outcome(models.TextChoices):
    """How an item left the loop (``Suggestion.outcome`` once closed)."""

    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically", _("Basically satisfied")
    UNRATED = "unrated", _("Not rated")
    MERGED = "merged", _("Merged into another")


class Suggestion(models.Model):
    """One suggestion (社情民意 / 意见建议): the unit of work of the closed loop."""

    # Unique by the constraints in Meta: ``unique=True`` would add a second, pattern-matching index that
    # nothing uses (look-ups are by equality) and every submission would write.
    tracking_code = models.CharField(_("tracking code"), max_length=16, default=new_tracking_code, editable=False)
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
        db_index=False,  # see Meta.indexes
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="suggestions",
        db_index=False,  # suggestion_station_idx starts with it
    )
    # Copied from the station when the suggestion is created: scoping and duplicate search by region
    # are then one indexed column, not a join.
    region = models.ForeignKey(
        "stations.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="suggestions",
        db_index=False,  # suggestion_region_stage_idx starts with it
    )
    representative = models.ForeignKey(
        "representatives.Representative",
        verbose_name=_("addressed to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
        db_index=False,  # see Meta.indexes
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.COLLECT)
    is_enterprise = models.BooleanField(_("raised for an enterprise"), default=False)
    enterprise_name = models.CharField(_("enterprise name"), max_length=100, blank=True)
    # Encrypted at rest (core/crypto.py); the list finds a number through its keyed hash, never by substring.
    submitter_name = EncryptedCharField(_("name"), max_length=40, blank=True)
    submitter_phone = EncryptedCharField(_("mobile number"), max_length=20, blank=True)
    submitter_phone_hash = KeyedHashField(source="submitter_phone", normalize=normalize_phone)
    # PIPL: which privacy notice (settings.PRIVACY_NOTICE_VERSION) the citizen agreed to on the form, and when.
    consent_version = models.CharField(_("privacy notice agreed to"), max_length=20, blank=True, editable=False)
    consent_at = models.DateTimeField(_("agreed on"), null=True, blank=True, editable=False)
    # Wrong phone proofs given to withdraw the contact details; at WITHDRAW_MAX_FAILURES the page refuses.
    withdraw_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    received_at = models.DateTimeField(_("received"), help_text=_("When it actually arrived; the clock starts here."))
    visit = models.ForeignKey(
        "stations.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
        db_index=False,  # see Meta.indexes
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        db_index=False,  # see Meta.indexes
    )
    idempotency_key = models.CharField(max_length=40, null=True, blank=True, editable=False)  # unique: see Meta
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    assessor = models.ForeignKey(
        "representatives.Representative",
        verbose_name=_("representative assessing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessing",
        db_index=False,  # see Meta.indexes
    )
    redo_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    under_committee_supervision = models.BooleanField(_("under committee supervision"), default=False)
    flagged = models.BooleanField(_("flagged supervision (挂牌督办)"), default=False)
    marked_for_proposal = models.BooleanField(_("marked for a formal proposal"), default=False)
    answer = models.TextField(_("answer to the citizen"), blank=True)
    answer_released_at = models.DateTimeField(_("answer released"), null=True, blank=True)
    rating_due = models.DateField(_("rating due"), null=True, blank=True)
    # Wrong phone digits given on the tracking page, over the item's whole life; at loop.actions.RATING_TRIES
    # rating by digits is locked until the station unlocks it (which sets it back to 0).
    rating_failures = models.PositiveSmallIntegerField(_("wrong digits when rating"), default=0, editable=False)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    stage_changed_at = models.DateTimeField(_("stage changed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # see Meta.indexes
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
            # Keys that most suggestions leave empty are indexed only where set: a citizen's submission
            # then writes none of these entries, and under load every index written is a page that
            # concurrent submissions queue for. Look-ups by a key (reverse relations, deletions) still
            # use them.
            *(
                models.Index(fields=[key], name=f"suggestion_{key}_idx", condition=Q(**{f"{key}__isnull": False}))
                for key in ("category", "visit", "duplicate_of", "assessor", "created_by")
            ),
            models.Index(fields=["id"], name="suggestion_flagged_idx", condition=Q(flagged=True)),
            models.Index(
                fields=["submitter_phone_hash"], name="suggestion_phone_hash_idx", condition=~Q(submitter_phone_hash="")
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tracking_code"], name="suggestion_tracking_code_unique"),
            models.UniqueConstraint(fields=["idempotency_key"], name="suggestion_idempotency_key_unique"),
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
        RECEIVED = "received", pgettext_lazy("timeline", "Received")
        MERGED = "merged", _("Merged as a duplicate")
        DUPLICATE_ADDED = "duplicate_added", _("Duplicate merged into this")
        EDITED = "edited", _("Edited")
        ACTION = "action", _("Workflow step")
        REMINDER = "reminder", _("Reminder sent")
        ESCALATION = "escalation", _("Escalated")
        CONTACT_REMOVED = "contact_removed", _("Contact details removed")

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=30, blank=True)
    from_stage = models.CharField(_("from stage"), max_length=10, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=10, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # see Meta.indexes
    )
    note = models.TextField(_("internal note"), blank=True)
    public_text = models.CharField(_("shown to the citizen"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["created_at", "id"]
        # A citizen's steps have no actor: indexed only where there is one (see Suggestion.Meta).
        indexes = [models.Index(fields=["actor"], name="event_actor_idx", condition=Q(actor__isnull=False))]

    def __str__(self):
        return f"{self.suggestion.tracking_code} {self.get_kind_display()}"


class Assignment(models.Model):
    """交办单: one suggestion sent to one unit — the "三知": which unit, who is responsible, what came of it."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead unit")
        CO = "co", _("Co-unit")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned as misrouted")
        REPLIED = "replied", _("Replied")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.LEAD)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    instructions = models.TextField(_("instructions"), blank=True)
    accept_due = models.DateField(_("accept by"))
    reply_due = models.DateField(_("reply by"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    flagged = models.BooleanField(_("flagged supervision (挂牌督办)"), default=False)
    created_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    reply_workdays = models.PositiveSmallIntegerField(_("working days to reply"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["reply_due", "id"]
        indexes = [
            # The deadline sweep: open assignments by due date, one indexed range scan each.
            models.Index(fields=["status", "reply_due"], name="assignment_open_due_idx"),
            models.Index(fields=["status", "accept_due"], name="assignment_accept_due_idx"),
            models.Index(fields=["unit", "status"], name="assignment_unit_idx"),
        ]

    def __str__(self):
        return f"{self.suggestion.tracking_code} → {self.unit}"


class Reply(models.Model):
    """答复: the lead unit's result, or a co-unit's opinion."""

    class Result(models.TextChoices):
        SOLVED = "solved", _("Solved")
        PARTLY = "partly", _("Partly solved")
        EXPLAINED = "explained", _("Explained")
        OPINION = "opinion", _("Co-unit opinion")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="replies"
    )
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    text = models.TextField(_("reply"))
    file = models.FileField(_("file"), upload_to="replies/%Y/%m/", storage=private_storage, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("replied"), auto_now_add=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.assignment} {self.get_result_display()}"


class ExtensionRequest(models.Model):
    """延期申请: a unit asks for more time; a committee admin decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    reason = models.TextField(_("reason"))
    requested_due = models.DateField(_("new deadline asked"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    granted_due = models.DateField(_("new deadline granted"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=models.Q(status="pending"), name="one_pending_extension_per_assignment"
            ),
        ]

    def __str__(self):
        return f"{self.assignment} → {self.requested_due}"


class Supervision(models.Model):
    """督办 / 催办: one reminder or escalation, made at most once per assignment, kind and deadline."""

    class Kind(models.TextChoices):
        ACCEPT_OVERDUE = "accept_overdue", _("Not accepted in time")
        REMIND_BEFORE = "remind_before", _("Reminder before the deadline")
        REMIND_DUE = "remind_due", _("Reminder on the deadline")
        ESCALATION = "escalation", _("Escalated to the committee")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="supervisions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    deadline = models.DateField(_("deadline"))
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "kind", "deadline"], name="supervision_once"),
        ]

    def __str__(self):
        return f"{self.assignment} {self.get_kind_display()} {self.deadline}"


class Rating(models.Model):
    """评价: the citizen's verdict on an answer; 不满意 reopens the item."""

    class Verdict(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY = "basically", _("Basically satisfied")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="ratings"
    )
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    created_at = models.DateTimeField(_("rated"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["suggestion", "round"], name="one_rating_per_round")]

    def __str__(self):
        return f"{self.suggestion.tracking_code} {self.get_verdict_display()}"


class DeadlinePolicy(models.Model):
    """Working days allowed, per category and urgency; the row without a category is the default."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_policies",
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    accept_days = models.PositiveSmallIntegerField(_("working days to accept"), default=2)
    reply_days = models.PositiveSmallIntegerField(_("working days to reply"), default=15)
    rating_days = models.PositiveSmallIntegerField(_("working days for the citizen to rate"), default=10)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency"], name="one_policy_per_category_urgency"),
            models.UniqueConstraint(
                fields=["urgency"], condition=models.Q(category__isnull=True), name="one_default_policy_per_urgency"
            ),
        ]

    def __str__(self):
        return f"{self.category or _('All categories')} · {self.get_urgency_display()}"


class CalendarOverride(models.Model):
    """A holiday or make-up working day entered by a committee admin; wins over the calendar package."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"), help_text=_("Ticked: a working day (调休). Unticked: a holiday.")
    )
    note = models.CharField(_("note"), max_length=60, blank=True, help_text=_("For example 2027年春节."))

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'班' if self.is_workday else '休'}"


class Notification(models.Model):
    """An in-app notification for a portal user (staff, representatives, handlers, committee admins)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
            # The sweep's look for e-mail never sent (suggestions.loop.notifications.queue_unsent_email): a range of
            # the last day over the few rows still waiting, however many notifications there are.
            models.Index(
                fields=["created_at"],
                name="notification_unsent_idx",
                condition=Q(emailed_at__isnull=True, read_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.text
