"""``manage.py audit_verify``: walk the audit chain; exit 1 naming the first broken record, 0 when intact."""

import sys
import time

from django.core.management.base import BaseCommand

from audit import chain, services


class Command(BaseCommand):
    help = "Check every link of the audit trail's hash chain and name the first broken record."

    def add_arguments(self, parser):
        parser.add_argument(
            "--record", action="store_true", help="Also append the result to the audit trail, as the daily task does."
        )

    def handle(self, *args, record=False, **options):
        started = time.perf_counter()
        result = services.verify_and_record() if record else chain.verify()
        seconds = time.perf_counter() - started
        if not result.ok:
            self.stderr.write(self.style.ERROR(f"BROKEN at record #{result.broken_seq}: {result.problem}"))
            self.stderr.write(f"{result.checked} records were intact before it ({seconds:.2f} s).")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(result.summary()) + f" ({seconds:.2f} s)")
