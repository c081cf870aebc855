from django.urls import path

from . import views

app_name = "representatives"

urlpatterns = [
    path("representatives/", views.staff_list, name="list"),
    # Printed on QR codes: these must never change.
    path("r/<code:code>/", views.representative_public, name="public"),
    path("r/<code:code>/qr.svg", views.representative_qr, {"fmt": "svg"}, name="qr_svg"),
    path("r/<code:code>/qr.png", views.representative_qr, {"fmt": "png"}, name="qr_png"),
    path("r/<code:code>/poster/", views.representative_poster, name="poster"),
]
