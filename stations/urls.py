from django.urls import path

from . import views

app_name = "stations"

urlpatterns = [
    path("stations/", views.directory, name="directory"),
    path("stations/manage/", views.manage_list, name="manage"),
    path("stations/regions/", views.region_list, name="regions"),
    path("stations/regions/<int:region_id>/posters.zip", views.region_posters, name="region_posters"),
    # Printed on posters: these must never change.
    path("s/<code:code>/", views.station_public, name="public"),
    path("s/<code:code>/qr.svg", views.station_qr, {"fmt": "svg"}, name="qr_svg"),
    path("s/<code:code>/qr.png", views.station_qr, {"fmt": "png"}, name="qr_png"),
    path("s/<code:code>/poster/", views.station_poster, name="poster"),
    path("s/<code:code>/edit/", views.station_edit, name="edit"),
]
