"""The portal's admin site (``django.contrib.admin``'s default site, see :mod:`accounts.apps`)."""

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    """The portal's admin site: Django's, with the "view on site" shortcut held to the admin's own scope.

    Django's shortcut (``/admin/r/<type>/<id>/``) redirects any staff account to
    any object's page, which would reveal, for one, the tracking code in a
    suggestion's address; here the object must be one the model's admin lists
    for the user.
    """

    site_header = _("Liaison station portal administration")
    site_title = _("Liaison station portal")
    index_title = _("Registries")

    def get_urls(self):
        urls = super().get_urls()
        shortcut = path(
            "r/<int:content_type_id>/<path:object_id>/", self.admin_view(self.view_on_site), name="view_on_site"
        )
        return [shortcut if getattr(url, "name", None) == "view_on_site" else url for url in urls]

    def view_on_site(self, request, content_type_id, object_id):
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            model_admin = self.get_model_admin(model)
        except (ContentType.DoesNotExist, NotRegistered) as exc:
            raise Http404("no such object") from exc
        if not model_admin.has_view_or_change_permission(request):
            raise Http404("no such object")
        try:
            listed = model_admin.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, TypeError) as exc:
            raise Http404("no such object") from exc
        if not listed:
            raise Http404("no such object")
        return contenttype_views.shortcut(request, content_type_id, object_id)
