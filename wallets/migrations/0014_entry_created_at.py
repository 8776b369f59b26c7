"""An entry carries its transaction's time, so an account's history reads in time order from an index.

The merchant's wallet history is shown by when each movement happened (a movement recorded
later with an earlier date, a backdated correction, sits where its date puts it), and at a
million lines a page must not sort them all: ``(account, -created_at, -id)`` is walked newest
first and stops at the page. The time is the transaction's, copied: the existing entries are
filled from their transaction (the append-only trigger is lifted for that one statement), and on
PostgreSQL the entry's BEFORE INSERT trigger (the one that checks its currency) now also sets it
from the transaction, so an entry's time is its transaction's whoever writes it (the ``wallets_post``
function, a bulk load of test data). On SQLite (``make run``) the service layer writes it.
"""

from django.db import migrations, models

BACKFILL_POSTGRES = r"""
ALTER TABLE wallets_entry DISABLE TRIGGER wallets_entry_append_only;
UPDATE wallets_entry e SET created_at = t.created_at FROM wallets_transaction t WHERE t.id = e.transaction_id;
ALTER TABLE wallets_entry ENABLE TRIGGER wallets_entry_append_only;
"""

BACKFILL_SQLITE = (
    "UPDATE wallets_entry SET created_at = "
    "(SELECT t.created_at FROM wallets_transaction t WHERE t.id = wallets_entry.transaction_id)"
)

TRIGGER_FORWARD = r"""
CREATE OR REPLACE FUNCTION wallets_entry_currency_matches() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.currency IS DISTINCT FROM (SELECT currency FROM wallets_account WHERE id = NEW.account_id) THEN
        RAISE EXCEPTION 'ledger: entry in % on an account in another currency', NEW.currency
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.created_at := (SELECT created_at FROM wallets_transaction WHERE id = NEW.transaction_id);
    RETURN NEW;
END $$;
"""

TRIGGER_BACKWARD = r"""
CREATE OR REPLACE FUNCTION wallets_entry_currency_matches() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.currency IS DISTINCT FROM (SELECT currency FROM wallets_account WHERE id = NEW.account_id) THEN
        RAISE EXCEPTION 'ledger: entry in % on an account in another currency', NEW.currency
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
"""


def _forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKFILL_POSTGRES, params=None)
        schema_editor.execute(TRIGGER_FORWARD, params=None)
    else:
        schema_editor.execute(BACKFILL_SQLITE, params=None)


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("wallets", "0013_platform_write_off")]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="created_at",
            field=models.DateTimeField(null=True, verbose_name="created at"),
        ),
        migrations.RunPython(_forward, _backward, elidable=False),
        migrations.AlterField(
            model_name="entry",
            name="created_at",
            field=models.DateTimeField(verbose_name="created at"),
        ),
        migrations.AddIndex(
            model_name="entry",
            index=models.Index(fields=["account", "-created_at", "-id"], name="wallets_entry_account_time"),
        ),
    ]
