from django.contrib.auth.models import AbstractUser
from django.db import models
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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or super().get_full_name() or self.username
