"""An index on a statement's month: the statements' filter in /ops/ offers every year that has
statements, read one index entry per month (``billing.selectors.statement_years``), and the list is
ordered newest month first.

PostgreSQL only, built ``CONCURRENTLY`` (statements are issued while it builds); raw SQL, as
``billing.0009``, so ``makemigrations`` leaves it alone.
"""

from django.db import migrations

from core.migration_ops import index_create_concurrently

INDEXES = {
    "billing_statement_month": "billing_statement (month)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        index_create_concurrently(schema_editor, name, definition)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("billing", "0012_invoice_affiliate_line"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
