"""An index on a statement's SHA-256 (issue #22): ops and the console find a statement by the
SHA-256 of its PDF (a whole hex digest, typed in any case, compared in lower case as
``hashlib.hexdigest`` stores it), which read every statement without it (24,000 rows at 1,000
merchants over two years, and growing by each merchant every month).

PostgreSQL only, built ``CONCURRENTLY`` (statements are issued while it builds); raw SQL, as
``payouts.0005``, so ``makemigrations`` leaves it alone.
"""

from django.db import migrations

from core.migration_ops import indexes_create, indexes_drop

INDEXES = {
    "billing_statement_sha256": "billing_statement (sha256)",
}


def create(apps, schema_editor):
    indexes_create(schema_editor, INDEXES)


def drop(apps, schema_editor):
    indexes_drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("billing", "0008_translatable_field_names"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
