"""Import of a station's historical register from Excel (staff of the station, committee admins of its region)."""

from django.urls import path

from suggestions.imports import views as import_views

app_name = "imports"

urlpatterns = [
    path("stations/<code:code>/import/", import_views.register_upload, name="upload"),
    path("stations/<code:code>/import/confirm/", import_views.register_confirm, name="confirm"),
    path("stations/<code:code>/import/cancel/", import_views.register_cancel, name="cancel"),
    path("stations/<code:code>/import/template.xlsx", import_views.register_template, name="template"),
]
