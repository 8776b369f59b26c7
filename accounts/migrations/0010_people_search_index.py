"""A trigram index for finding a person by a part of their name (issue #22): the console's coupon
form searches the merchant's consenting consumers by the name they shared
(``merchants.selectors.consenting_people_search``: ``UPPER(display_name) LIKE '%...%'``, Django's
``icontains``), and at 200,000 consumers a brand can no longer list them all.

PostgreSQL only (``make run`` on SQLite searches without it), built ``CONCURRENTLY`` so a deployment
does not stop sign-ups while it builds; not declared on the model (raw SQL, as
``payouts.0005``), so ``makemigrations`` leaves it alone.
"""

from django.db import migrations

from core.migration_ops import indexes_create, indexes_drop

INDEXES = {
    "accounts_user_display_name_trgm": "accounts_user USING gin (UPPER(display_name::text) gin_trgm_ops)",
}


def create(apps, schema_editor):
    indexes_create(schema_editor, INDEXES, trigram=True)


def drop(apps, schema_editor):
    indexes_drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0009_user_session_generation"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
