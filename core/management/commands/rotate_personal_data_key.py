"""Re-encrypt citizens' names and phone numbers with the newest key of PERSONAL_DATA_KEYS.

    python manage.py rotate_personal_data_key [--batch-size 500] [--all [--after ID]] [--model app.Model]

To rotate: put the new key first in PERSONAL_DATA_KEYS, keep the old ones after
it, restart the portal (new values are now written with the new key), run this
command, then drop the old keys. It walks every model with encrypted fields in
batches by primary key, each batch one transaction, and prints its progress.
Rows already under the newest key are skipped, so an interrupted run picks up
where it stopped and a second run finds nothing to do.

``--all`` takes every row with a value, whatever its key: after a new
PERSONAL_DATA_HASH_KEY, whose hashes no prefix shows, it recomputes them all;
``--after ID`` resumes such a run from the last key it printed.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from core import crypto
from core.fields import encrypted_fields, reencrypt_rows, rows_with_values, stale_rows


class Command(BaseCommand):
    help = "Re-encrypt every stored name and phone number with the newest PERSONAL_DATA_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--all", action="store_true", help="every row with a value, also those on the newest key")
        parser.add_argument("--after", type=int, default=0, help="with --all: resume after this primary key")
        parser.add_argument("--model", help="only this model (app_label.ModelName)")

    def handle(self, *args, batch_size, all, after, model, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if after and not all:
            raise CommandError("--after only makes sense with --all (otherwise the run resumes by itself).")
        models = [m for m in apps.get_models() if encrypted_fields(m)]
        if model:
            models = [m for m in models if m._meta.label_lower == model.lower()]
            if not models:
                raise CommandError(f"No model with encrypted fields is called {model}.")
        prefix = crypto.current_prefix()
        self.stdout.write(f"Newest key: {prefix.split(':')[1]}")
        total = 0
        for current in models:
            label = current._meta.label
            rows = (rows_with_values(current) if all else stale_rows(current)).count()
            self.stdout.write(f"{label}: {rows} rows to re-encrypt")

            def progress(done, last, label=label, rows=rows):
                self.stdout.write(f"  {label}: {done}/{rows} (last id {last})")

            try:
                done = reencrypt_rows(current, batch_size=batch_size, everything=all, after=after, progress=progress)
            except crypto.PersonalDataError as error:
                raise CommandError(str(error)) from None
            total += done
        self.stdout.write(self.style.SUCCESS(f"Done: {total} rows now under key {prefix.split(':')[1]}."))
