from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "suggestions"

    def ready(self):
        # A unit's handlers see and answer its assignments: adding or removing one is a role change.
        from audit.receivers import watch_links
        from suggestions.models import HandlingUnit

        watch_links(HandlingUnit, "handlers")

        # Each area's Celery tasks, registered in every process (web and worker alike): services queue them by
        # name, since the tasks modules sit above the services they wrap.
        from suggestions.imports import tasks as import_tasks  # noqa: F401
        from suggestions.intake import tasks as intake_tasks  # noqa: F401
        from suggestions.loop import tasks as loop_tasks  # noqa: F401
