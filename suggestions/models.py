from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
