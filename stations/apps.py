from django.apps import AppConfig


class StationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stations"

    def ready(self):
        # Who keeps a station and who supervises a region are roles: every change goes to the audit trail.
        from audit.receivers import watch_links

        from .models import Region, Station

        watch_links(Region, "committee_admins")
        watch_links(Station, "staff")
