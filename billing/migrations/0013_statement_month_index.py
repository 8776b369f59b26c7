"""An index on a statement's month: the statements' filter in /ops/ offers every year that has
statements, read one index entry per month (``billing.selectors.statement_years``), and the list is
ordered newest month first.

PostgreSQL only, built ``CONCURRENTLY`` (statements are issued while it builds); raw SQL, as
``billing.0009``, so ``makemigrations`` leaves it alone.
"""

from django.db import migrations

from core.migration_ops import indexes_create, indexes_drop

INDEXES = {
    "billing_statement_month": "billing_statement (month)",
}


def create(apps, schema_editor):
    indexes_create(schema_editor, INDEXES)


def drop(apps, schema_editor):
    indexes_drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("billing", "0012_invoice_affiliate_line"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
