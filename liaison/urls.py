from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import codes  # noqa: F401  (registers the <code:...> URL converter)
from . import views

admin.site.site_header = _("Liaison station portal administration")
admin.site.site_title = _("Liaison station portal")
admin.site.index_title = _("Registries")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("stations.urls")),
    path("", include("representatives.urls")),
    path("", include("suggestions.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
