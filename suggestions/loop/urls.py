"""The closed loop's pages, mounted at the site root."""

from django.urls import path

from suggestions.loop import views as loop_views
from suggestions.public import views as public_views

app_name = "loop"

urlpatterns = [
    path("inbox/station/", loop_views.station_inbox, name="station_inbox"),
    path("inbox/representative/", loop_views.representative_inbox, name="representative_inbox"),
    path("inbox/unit/", loop_views.unit_inbox, name="unit_inbox"),
    path("supervision/", loop_views.supervision, name="supervision"),
    path("suggestions/<code:code>/replies/<int:pk>/file/", loop_views.reply_file, name="reply_file"),
    path("suggestions/<code:code>/act/<str:action>/", loop_views.act, name="act"),
    path("suggestions/<code:code>/unlock-rating/", loop_views.unlock_rating, name="unlock_rating"),
    path("notifications/", loop_views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", loop_views.notification_read, name="notification_read"),
    path("notifications/read-all/", loop_views.notifications_read_all, name="notifications_read_all"),
    # Public: the citizen rates the released answer from the tracking page (/t/<code>/ itself never changes).
    path("t/<code:code>/rate/", public_views.track_rate, name="rate"),
]
