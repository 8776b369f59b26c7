"""Indexes for the /ops/ lists of affiliates at scale (issue #22, docs/affiliates.md, "Ops lists at
scale"): each filter with the list's order (``-id``), the searches by order id and customer
reference, and the affiliates newest first.

PostgreSQL only (``make run`` on SQLite lists without them), built ``CONCURRENTLY`` so that a
deployment does not stop clicks and conversions being written while they build (a million clicks);
not declared on the models (raw SQL, as ``campaigns.0009``'s trigram index), so ``makemigrations``
leaves them alone. The click writer pays for two more index entries a click: the bots' (a partial index, 4 %
of them) and (link, id).
"""

from django.db import migrations

from core.migration_ops import indexes_create, indexes_drop

INDEXES = {
    # ?is_bot__exact=1: the bots' clicks (4 %), newest first; the other click filters keep 1 row in
    # 1 to 3 and are read on the primary key.
    "affiliates_click_bots": "affiliates_click (id) WHERE is_bot",
    # A link's clicks, newest first (the search by link code): (link, -at) has no id, and the planner
    # walked the whole primary key for a link with 0.7 % of the clicks (119 ms; this: 0.25 ms).
    "affiliates_click_link_id": "affiliates_click (link_id, id)",
    # Conversions: ?program__id__exact=, ?source__exact=, ?is_accepted__exact=0 / ?reject_reason__exact=.
    "affiliates_conversion_program_id": "affiliates_conversion (program_id, id)",
    "affiliates_conversion_source_id": "affiliates_conversion (source, id)",
    "affiliates_conversion_rejected": "affiliates_conversion (id) WHERE NOT is_accepted",
    # Search by order id (the unique index leads with the program) and by customer reference.
    "affiliates_conversion_order": "affiliates_conversion (order_id)",
    "affiliates_conversion_customer": "affiliates_conversion (customer_ref) WHERE customer_ref <> ''",
    # Commissions: ?state__exact=HELD, newest first.
    "affiliates_commission_state_id": "affiliates_commission (state, id)",
    # Affiliates: newest applications first (-applied_at, -id).
    "affiliates_affiliate_applied": "affiliates_affiliate (applied_at, id)",
}


def create(apps, schema_editor):
    indexes_create(schema_editor, INDEXES)


def drop(apps, schema_editor):
    indexes_drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("affiliates", "0006_rollups"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
