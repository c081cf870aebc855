from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STATION_STAFF = "station_staff", _("Station staff")
    REPRESENTATIVE = "representative", _("Representative")
    UNIT_HANDLER = "unit_handler", _("Unit handler")
    COMMITTEE_ADMIN = "committee_admin", _("Committee admin")


class AdminDuty(models.TextChoices):
    """三员分立: the three administrator duties of 等保 2.0. One field, so no account can hold two."""

    SYSTEM = "system", _("System administrator")
    SECURITY = "security", _("Security administrator")
    AUDIT = "audit", _("Audit administrator")


class User(AbstractUser):
    """A portal account.

    Roles are not stored here: they follow from what the account is linked to,
    so they can never disagree with the registries. A person may hold several:
    staff of a station (``Station.staff``), a representative
    (``Representative.user``), a handler of a unit (``HandlingUnit.handlers``),
    a committee admin of a region subtree (``Region.committee_admins``). The
    links point from the higher apps to this one, so ``accounts`` depends on
    nothing; :mod:`accounts.permissions` reads them.
    """

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    admin_duty = models.CharField(
        _("administrator duty"),
        max_length=10,
        choices=AdminDuty.choices,
        blank=True,
        help_text=_("System, security or audit administrator (三员分立); an account holds at most one."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an administrator chose the password: the user must choose their own at the next log-in."),
    )
    password_changed_at = models.DateTimeField(_("password changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A superuser passes every permission check, so a duty on it would separate nothing.
            models.CheckConstraint(
                condition=Q(admin_duty="") | Q(is_superuser=False), name="accounts_user_duty_not_superuser"
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        # Django sets _password only when set_password() chose a new one (not on a hasher upgrade).
        new_password = self._password is not None
        super().save(*args, **kwargs)
        if new_password and self.has_usable_password():
            PasswordHistory.record(self)

    def set_password(self, raw_password):
        """Whoever sets a password through here chose it themself; administrators' forms raise the flag again."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False

    def get_full_name(self):
        return self.full_name or super().get_full_name() or self.username


class PasswordHistory(models.Model):
    """The hashes of an account's recent passwords, so that none of them is chosen again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_pwhist_user_recent")]

    def __str__(self):
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def record(cls, user) -> None:
        """Keep the new hash and drop those beyond the number the policy looks back on."""
        cls.objects.create(user=user, password=user.password)
        stale = cls.objects.filter(user=user).values_list("pk", flat=True)[settings.PASSWORD_HISTORY_COUNT :]
        cls.objects.filter(pk__in=list(stale)).delete()
