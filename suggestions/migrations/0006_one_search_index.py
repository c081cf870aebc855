"""One trigram index for the list's search, on title and content together.

The search looks in ``suggestions.selectors.SearchText`` (title, a line break,
content) with ``icontains``, which Django writes as ``UPPER(… ::text) LIKE
UPPER('%…%')``; the GIN ``gin_trgm_ops`` index below is on that expression.
It replaces one index per column (0003): every citizen's submission wrote the
trigrams of its title twice, once in each index, though the title is the start
of the text. SQLite has no such index and scans.
"""

from django.db import migrations

SEARCH_INDEX = (
    "CREATE INDEX IF NOT EXISTS suggestion_search_trgm ON suggestions_suggestion "
    "USING gin (UPPER(title || E'\\n' || content) gin_trgm_ops)"
)
COLUMN_INDEXES = {"suggestion_title_trgm": "title", "suggestion_content_trgm": "content"}


def one_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(SEARCH_INDEX)
    for name in COLUMN_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def index_per_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in COLUMN_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON suggestions_suggestion USING gin (UPPER({column}) gin_trgm_ops)"
        )
    schema_editor.execute("DROP INDEX IF EXISTS suggestion_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0005_assignment_reply_workdays")]

    operations = [migrations.RunPython(one_index, index_per_column)]
