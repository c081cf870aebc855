from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("dashboard/", views.committee_dashboard, name="dashboard"),
    path("dashboard/station/", views.my_station_dashboard, name="my_station_dashboard"),
    path("stations/<code:code>/dashboard/", views.station_dashboard, name="station_dashboard"),
    path("registers/", views.register_index, name="registers"),
    path("registers/<str:key>/", views.register_page, name="register"),
    path("registers/<str:key>/export/", views.register_export, name="register_export"),
    path("exports/suggestions/", views.list_export, name="list_export"),
    path("exports/<uuid:pk>/", views.export_page, name="export"),
    path("exports/<uuid:pk>/status/", views.export_status, name="export_status"),
    path("exports/<uuid:pk>/download/", views.export_download, name="export_download"),
]
