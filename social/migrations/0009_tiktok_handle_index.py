"""An index for finding a person by the start of their TikTok handle (issue #22): the console's
coupon form searches the merchant's consenting consumers by the handle they shared
(``merchants.selectors.consenting_people_search``: ``UPPER(username) LIKE 'ana%'``, Django's
``istartswith``; ``text_pattern_ops`` so ``LIKE`` uses it whatever the database's collation).

PostgreSQL only, built ``CONCURRENTLY`` (sign-ins with TikTok write this table); raw SQL, as
``payouts.0005``, so ``makemigrations`` leaves it alone.
"""

from django.db import migrations

from core.migration_ops import indexes_create, indexes_drop

INDEXES = {
    "social_tiktokprofile_username_upper": "social_tiktokprofile (UPPER(username::text) text_pattern_ops)",
}


def create(apps, schema_editor):
    indexes_create(schema_editor, INDEXES)


def drop(apps, schema_editor):
    indexes_drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("social", "0008_engagement_figures"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
