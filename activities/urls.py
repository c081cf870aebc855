from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("activities/", views.activity_list, name="list"),
    path("activities/new/", views.activity_new, name="new"),
    path("activities/<int:pk>/", views.activity_detail, name="detail"),
    path("activities/photos/<int:pk>/", views.activity_photo, name="photo"),
    path("performance/", views.ranking, name="ranking"),
    path("performance/me/", views.my_performance, name="mine"),
    path("performance/<code:code>/", views.performance, name="performance"),
]
