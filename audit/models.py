"""The audit trail (安全审计): one append-only, hash-chained row per security-relevant event.

Rows are written only by :func:`audit.services.record`. Each row's ``hash`` is an
HMAC-SHA256 (key ``settings.AUDIT_HMAC_KEY``, kept outside the database) over its
own content and the previous row's hash, so an edited, deleted or inserted row
breaks the chain at that point (``manage.py audit_verify``). On PostgreSQL the
triggers below also refuse UPDATE and DELETE outright; only the retention purge
lifts the DELETE protection, for its one statement.
"""

import json

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

GENESIS = "0" * 64  # what the very first row chains to


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    LOCKOUT = "lockout", _("Account locked after failed logins")
    ACCOUNT_UNLOCK = "account_unlock", _("Unlocked an account")
    SECOND_FACTOR = "second_factor", _("Two-step verification changed")
    PASSWORD_CHANGE = "password_change", _("Changed own password")
    PASSWORD_RESET = "password_reset", _("Reset password by e-mail link")
    PASSWORD_SET = "password_set", _("Password set by another account")
    ROLE_CHANGE = "role_change", _("Role or permission changed")
    LOOP_ACTION = "loop_action", _("Closed-loop step")
    PERSONAL_DATA_VIEW = "personal_data_view", _("Viewed unmasked personal data")
    PERSONAL_DATA_ERASE = "personal_data_erase", _("Erased personal data")
    FILE_DOWNLOAD = "file_download", _("Downloaded a file")
    EXPORT = "export", _("Exported data")
    REGISTER_VIEW = "register_view", _("Viewed or printed a register")
    ADMIN_ADD = "admin_add", _("Added in the admin")
    ADMIN_CHANGE = "admin_change", _("Changed in the admin")
    ADMIN_DELETE = "admin_delete", _("Deleted in the admin")
    ADMIN_ACTION = "admin_action", _("Bulk action in the admin")
    AUDIT_VIEW = "audit_view", _("Read the audit log")
    AUDIT_VERIFY = "audit_verify", _("Verified the audit chain")
    AUDIT_PURGE = "audit_purge", _("Purged expired audit records")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", pgettext_lazy("audit outcome", "Success")
    DENIED = "denied", pgettext_lazy("audit outcome", "Denied")
    FAILED = "failed", pgettext_lazy("audit outcome", "Failed")


class AuditRecord(models.Model):
    """审计记录: who did what to which object, when, from where, with what outcome."""

    # The position in the chain, given by the writer under the chain-head lock: gap-free by construction,
    # so a missing number is a deleted row.
    seq = models.BigIntegerField(_("number"), primary_key=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    # Copied, not a foreign key: the record outlives the account and says who it was at the time.
    actor_id = models.BigIntegerField(_("account id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("account"), max_length=150, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # The canonical JSON that was hashed, stored as text so the database cannot reorder or re-encode it.
    detail = models.TextField(_("detail"), blank=True, default="{}")
    outcome = models.CharField(_("outcome"), max_length=10, choices=AuditOutcome.choices)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]
        triggers = [
            # Never lifted: no code path edits a record.
            pgtrigger.Protect(name="audit_no_update", operation=pgtrigger.Update),
            # Lifted by audit.services.purge for its one DELETE of rows past the retention.
            pgtrigger.Protect(name="audit_no_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self):
        return f"#{self.seq} {self.get_action_display()}"

    @property
    def detail_data(self) -> dict:
        try:
            return json.loads(self.detail or "{}")
        except ValueError:
            return {"_raw": self.detail}


class AuditChain(models.Model):
    """The chain head: one row, locked by every writer, so records are numbered and chained one at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        verbose_name = _("audit chain head")
        triggers = [
            pgtrigger.Protect(name="audit_head_no_delete", operation=pgtrigger.Delete),
            # Moving the head backwards would hide rows cut from the end of the chain.
            pgtrigger.Protect(
                name="audit_head_forward_only",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(new__last_seq__lt=pgtrigger.F("old__last_seq")),
            ),
        ]

    def __str__(self):
        return f"#{self.last_seq}"
