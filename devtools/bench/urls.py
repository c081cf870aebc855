from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/insert/", views.insert),
    path("", include("liaison.urls")),
]
