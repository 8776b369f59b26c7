"""Indexes for the /ops/ lists of payouts and bank accounts at scale (issue #22, docs/payouts.md,
"Ops lists at scale"): each filter with the list's order (``-id``), and trigram indexes for the
searches by name (``UPPER(column) LIKE '%...%'``, Django's ``icontains``).

PostgreSQL only (``make run`` on SQLite lists without them), built ``CONCURRENTLY`` so that a
deployment does not stop payouts being written while they build; not declared on the models
(raw SQL, as ``campaigns.0009``'s trigram index), so ``makemigrations`` leaves them alone.
"""

from django.db import migrations

from core.migration_ops import indexes_create, indexes_drop

INDEXES = {
    # ?escalation__exact=...: the few escalated payouts, newest first.
    "payouts_payout_escalated": "payouts_payout (escalation, id) WHERE escalation <> ''",
    # Search by the payee's name (creditor_name icontains).
    "payouts_payout_creditor_trgm": "payouts_payout USING gin (UPPER(creditor_name::text) gin_trgm_ops)",
    # ?country=DE, ?sepa_eea__exact=0 on the bank accounts, newest first.
    "payouts_bankaccount_country_id": "payouts_bankaccount (country, id)",
    "payouts_bankaccount_non_eea": "payouts_bankaccount (id) WHERE NOT sepa_eea",
    # Search by the holder's name (holder_name icontains).
    "payouts_bankaccount_holder_trgm": "payouts_bankaccount USING gin (UPPER(holder_name::text) gin_trgm_ops)",
}


def create(apps, schema_editor):
    indexes_create(schema_editor, INDEXES, trigram=True)


def drop(apps, schema_editor):
    indexes_drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("payouts", "0004_translatable_names"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
