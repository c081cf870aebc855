"""``manage.py audit_purge``: what the daily beat task does, by hand."""

from django.core.management.base import BaseCommand

from audit import services


class Command(BaseCommand):
    help = "Delete audit records older than AUDIT_RETENTION_DAYS (at least 180) and anchor the chain's new start."

    def handle(self, *args, **options):
        deleted = services.purge()
        self.stdout.write(f"{deleted} audit records older than {services.retention_days()} days were purged.")
