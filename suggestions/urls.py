from django.urls import path

from suggestions import views

app_name = "suggestions"

urlpatterns = [
    path("units/", views.unit_list, name="units"),
    path("suggestions/", views.suggestion_list, name="list"),
    path("suggestions/export.csv", views.suggestion_list, {"export": "csv"}, name="export_csv"),
    path("suggestions/export.xlsx", views.suggestion_list, {"export": "xlsx"}, name="export_xlsx"),
    path("suggestions/new/", views.suggestion_new, name="new"),
    path("suggestions/<code:code>/", views.suggestion_detail, name="detail"),
    path("suggestions/<code:code>/merge/", views.suggestion_merge, name="merge"),
]
