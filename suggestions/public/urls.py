"""The citizen's pages (public) and the attachment download (staff), mounted at the site root."""

from django.urls import path

from suggestions.public import views as public_views

app_name = "public"

urlpatterns = [
    # Reached from the "提建议" button of the pages printed on QR posters.
    path("s/<code:code>/suggest/", public_views.station_suggest, name="station_suggest"),
    path("r/<code:code>/suggest/", public_views.representative_suggest, name="representative_suggest"),
    # /t/<code>/ is sent to citizens by text message: it must never change.
    path("t/", public_views.track_lookup, name="track_lookup"),
    path("t/<code:code>/", public_views.track, name="track"),
    # PIPL: the submitter withdraws their name and number, reached from the tracking page.
    path("t/<code:code>/withdraw/", public_views.track_withdraw, name="track_withdraw"),
    # Login required (not public): only people who may see the suggestion get its files.
    path("suggestions/<code:code>/files/<int:pk>/", public_views.attachment_download, name="attachment"),
]
