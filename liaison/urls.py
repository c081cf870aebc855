from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from core import (
    codes,  # noqa: F401  (registers the <code:...> URL converter)
    views,
)
from oversight import views as oversight_views

urlpatterns = [
    # The citizen's form and tracking page first: they take the most traffic, and Django tries patterns in order.
    path("", include("suggestions.public.urls")),
    path("", oversight_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.privacy, name="privacy"),
    path("accounts/", include("accounts.urls")),
    # Citizens switch language without an account.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("stations.urls")),
    path("", include("representatives.urls")),
    path("", include("suggestions.urls")),
    path("", include("suggestions.reception.urls")),
    path("", include("suggestions.imports.urls")),
    path("", include("suggestions.loop.urls")),
    path("", include("activities.urls")),
    path("", include("oversight.urls")),
    path("", include("audit.urls")),
]

# A database that cannot be reached is a 503 with Retry-After, not a 500 (see core.views.server_error).
handler500 = "core.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
