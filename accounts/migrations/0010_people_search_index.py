"""A trigram index for finding a person by a part of their name (issue #22): the console's coupon
form searches the merchant's consenting consumers by the name they shared
(``merchants.selectors.consenting_people_search``: ``UPPER(display_name) LIKE '%...%'``, Django's
``icontains``), and at 200,000 consumers a brand can no longer list them all.

PostgreSQL only (``make run`` on SQLite searches without it), built ``CONCURRENTLY`` so a deployment
does not stop sign-ups while it builds; not declared on the model (raw SQL, as
``payouts.0005``), so ``makemigrations`` leaves it alone.
"""

from django.db import migrations

from core.migration_ops import index_create_concurrently

INDEXES = {
    "accounts_user_display_name_trgm": "accounts_user USING gin (UPPER(display_name::text) gin_trgm_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is shared (campaigns.0009, payouts.0005): created when missing, never dropped here.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
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
        ("accounts", "0009_user_session_generation"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
