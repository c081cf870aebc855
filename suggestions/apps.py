from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "suggestions"

    def ready(self):
        # A unit's handlers see and answer its assignments: adding or removing one is a role change.
        from audit.receivers import watch_links
        from suggestions.models import HandlingUnit

        watch_links(HandlingUnit, "handlers")
