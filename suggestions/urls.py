from django.urls import path

from . import views

app_name = "suggestions"

urlpatterns = [
    path("units/", views.unit_list, name="units"),
]
