from django.urls import path

from suggestions.reception import views as reception_views

app_name = "reception"

urlpatterns = [
    path("stations/<code:code>/reception/", reception_views.station_reception, name="station"),
    path("reception/<int:pk>/", reception_views.reception_day, name="day"),
    path("my/duties/", reception_views.my_duties, name="my_duties"),
]
