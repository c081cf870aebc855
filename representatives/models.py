from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.codes import new_code
from core.images import validate_pixels


class CongressLevel(models.TextChoices):
    """The five levels of people's congresses (五级人大)."""

    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")
    TOWNSHIP = "township", _("Township")


LEVEL_ORDER = {level.value: index for index, level in enumerate(CongressLevel)}


class ProfessionalGroup(models.Model):
    """A professional representative group (专业代表小组)."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("professional group")
        verbose_name_plural = _("professional groups")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Representative(models.Model):
    """A people's congress representative (人大代表) with a public profile (亮身份)."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    code = models.CharField(
        _("public code"),
        max_length=16,
        unique=True,
        default=new_code,
        editable=False,
        help_text=_("Printed on the representative's QR code; it never changes."),
    )
    name = models.CharField(_("name"), max_length=40)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    photo = models.ImageField(_("photo"), upload_to="representatives/", blank=True, validators=[validate_pixels])
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    group = models.ForeignKey(
        ProfessionalGroup,
        verbose_name=_("professional group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    stations = models.ManyToManyField(
        "stations.Station", through="Residency", verbose_name=_("resident at"), related_name="residents", blank=True
    )
    phone = models.CharField(_("contact phone"), max_length=20, blank=True, help_text=_("Shown to staff only."))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="representative",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("representatives:public", args=[self.code])


class CongressMembership(models.Model):
    """A seat in one congress: level, term (届) and the region whose congress it is."""

    representative = models.ForeignKey(
        Representative, verbose_name=_("representative"), on_delete=models.CASCADE, related_name="memberships"
    )
    level = models.CharField(_("level"), max_length=12, choices=CongressLevel.choices)
    term = models.CharField(_("term"), max_length=20, help_text=_("For example 第十二届."))
    region = models.ForeignKey(
        "stations.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="congress_memberships",
    )

    class Meta:
        verbose_name = _("congress membership")
        verbose_name_plural = _("congress memberships")
        constraints = [
            models.UniqueConstraint(fields=["representative", "level", "term"], name="membership_unique_seat"),
        ]

    def __str__(self):
        return _("%(region)s %(term)s people's congress (%(level)s)") % {
            "region": self.region.name if self.region_id else "",
            "term": self.term,
            "level": self.get_level_display(),
        }


class Residency(models.Model):
    """A representative resident (驻点) at a station. Protects both sides from deletion."""

    representative = models.ForeignKey(
        Representative, verbose_name=_("representative"), on_delete=models.PROTECT, related_name="residencies"
    )
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), on_delete=models.PROTECT, related_name="residencies"
    )
    since = models.DateField(_("resident since"), null=True, blank=True)

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        constraints = [
            models.UniqueConstraint(fields=["representative", "station"], name="residency_unique"),
        ]

    def __str__(self):
        return f"{self.representative} @ {self.station}"
