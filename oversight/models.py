"""Export jobs: large registers written by a Celery task, fetched only by the person who asked."""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.files import private_storage

KEEP_FOR = dt.timedelta(hours=24)


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    register = models.CharField(_("register"), max_length=20)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("rows in all"), default=0)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", storage=private_storage, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(self.done * 100 / self.total)) if self.total else 0

    @property
    def expires_at(self):
        return (self.finished_at or self.created_at or timezone.now()) + KEEP_FOR

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.DONE and timezone.now() >= self.expires_at
