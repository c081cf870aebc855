"""Trigram indexes for the staff list's search on PostgreSQL.

The search is ``icontains`` on title and content, which Django turns into
``UPPER(col) LIKE UPPER('%…%')``; a GIN ``gin_trgm_ops`` index on ``UPPER(col)``
serves it, for Chinese text too. SQLite has no such index and scans: fine for
the embedded default's sizes.
"""

from django.db import migrations

INDEXES = {
    "suggestion_title_trgm": "title",
    "suggestion_content_trgm": "content",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON suggestions_suggestion USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0002_suggestion_intake")]

    operations = [migrations.RunPython(create, drop)]
