"""The ledger's invariants, enforced by PostgreSQL itself.

1. The entries of a transaction sum to zero per currency, and a transaction has
   at least two entries (deferred constraint triggers: checked at COMMIT, so a
   transaction's entries can be inserted one by one).
2. An entry's currency is its account's currency.
3. Entries and transactions are append-only: UPDATE and DELETE raise.
4. An account's owner, purpose, currency and negative flag never change.
The CHECK on non-negative balances and the unique idempotency key are plain
constraints from 0001. On SQLite (``make run``) the service layer upholds the
same rules; these triggers are PostgreSQL only.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION wallets_transaction_is_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT currency, SUM(amount) AS total INTO bad
      FROM wallets_entry WHERE transaction_id = NEW.transaction_id
     GROUP BY currency HAVING SUM(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: transaction % is unbalanced (% sums to %)', NEW.transaction_id, bad.currency, bad.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER wallets_entry_balanced
    AFTER INSERT ON wallets_entry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallets_transaction_is_balanced();

CREATE FUNCTION wallets_transaction_has_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT COUNT(*) FROM wallets_entry WHERE transaction_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'ledger: transaction % has fewer than two entries', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER wallets_transaction_entries
    AFTER INSERT ON wallets_transaction DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallets_transaction_has_entries();

CREATE FUNCTION wallets_entry_currency_matches() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.currency IS DISTINCT FROM (SELECT currency FROM wallets_account WHERE id = NEW.account_id) THEN
        RAISE EXCEPTION 'ledger: entry in % on an account in another currency', NEW.currency
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER wallets_entry_currency
    BEFORE INSERT ON wallets_entry
    FOR EACH ROW EXECUTE FUNCTION wallets_entry_currency_matches();

CREATE FUNCTION wallets_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % rows are never updated or deleted; post a reversing transaction', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER wallets_entry_append_only
    BEFORE UPDATE OR DELETE ON wallets_entry
    FOR EACH ROW EXECUTE FUNCTION wallets_append_only();

CREATE TRIGGER wallets_transaction_append_only
    BEFORE UPDATE OR DELETE ON wallets_transaction
    FOR EACH ROW EXECUTE FUNCTION wallets_append_only();

CREATE FUNCTION wallets_account_identity_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.owner_type, NEW.owner_id, NEW.purpose, NEW.currency, NEW.allow_negative)
       IS DISTINCT FROM (OLD.owner_type, OLD.owner_id, OLD.purpose, OLD.currency, OLD.allow_negative) THEN
        RAISE EXCEPTION 'ledger: an account''s owner, purpose, currency and negative flag never change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER wallets_account_identity
    BEFORE UPDATE ON wallets_account
    FOR EACH ROW EXECUTE FUNCTION wallets_account_identity_fixed();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS wallets_account_identity ON wallets_account;
DROP TRIGGER IF EXISTS wallets_transaction_append_only ON wallets_transaction;
DROP TRIGGER IF EXISTS wallets_entry_append_only ON wallets_entry;
DROP TRIGGER IF EXISTS wallets_entry_currency ON wallets_entry;
DROP TRIGGER IF EXISTS wallets_transaction_entries ON wallets_transaction;
DROP TRIGGER IF EXISTS wallets_entry_balanced ON wallets_entry;
DROP FUNCTION IF EXISTS wallets_account_identity_fixed();
DROP FUNCTION IF EXISTS wallets_append_only();
DROP FUNCTION IF EXISTS wallets_entry_currency_matches();
DROP FUNCTION IF EXISTS wallets_transaction_has_entries();
DROP FUNCTION IF EXISTS wallets_transaction_is_balanced();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("wallets", "0001_initial")]

    operations = [migrations.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD), elidable=False)]
