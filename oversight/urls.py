from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("dashboard/", views.committee_dashboard, name="dashboard"),
]
