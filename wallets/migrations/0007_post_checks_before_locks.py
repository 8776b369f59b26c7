"""``wallets_post`` checks its transaction before it takes the accounts' row locks.

The deferred constraint triggers of migration 0002 (a transaction is balanced and
has at least two entries) fired at COMMIT, that is while the transaction held the
row lock of every account it moved: on a hot account (a merchant's wallet paying
many rewards) every other writer waited for those checks too. ``SET CONSTRAINTS ...
IMMEDIATE`` right after the entries are written runs the same checks there, before
the conditional balance UPDATEs take the locks; the constraints are then deferred
again for whatever else the caller's transaction does. Same checks, same errors;
only where they run moves (docs/benchmarks.md has the figures).
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION wallets_post(
    p_key text, p_fingerprint text, p_kind text, p_reason text, p_actor bigint,
    p_subject_type text, p_subject_id text, p_created timestamptz,
    p_accounts bigint[], p_amounts numeric[], p_currencies text[]
) RETURNS TABLE (txn_id bigint, created boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_account bigint;
    v_delta numeric;
    v_rows int;
BEGIN
    INSERT INTO wallets_transaction
        (kind, reason, actor_id, subject_type, subject_id, idempotency_key, fingerprint, created_at)
    VALUES (p_kind, p_reason, p_actor, p_subject_type, p_subject_id, p_key, p_fingerprint, p_created)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO v_id;

    IF v_id IS NULL THEN
        RETURN QUERY SELECT t.id, false FROM wallets_transaction t WHERE t.idempotency_key = p_key;
        RETURN;
    END IF;

    INSERT INTO wallets_entry (transaction_id, account_id, amount, currency)
    SELECT v_id, u.account_id, u.amount, u.currency
      FROM unnest(p_accounts, p_amounts, p_currencies) AS u(account_id, amount, currency);

    -- Check the transaction (balanced, at least two entries) now, before the balances are
    -- moved: the deferred constraint triggers would otherwise run at COMMIT, while this
    -- transaction holds the row locks of the accounts it moves (the hot merchant wallet).
    SET CONSTRAINTS wallets_entry_balanced, wallets_transaction_entries IMMEDIATE;
    SET CONSTRAINTS wallets_entry_balanced, wallets_transaction_entries DEFERRED;

    FOR v_account, v_delta IN
        SELECT u.account_id, SUM(u.amount) FROM unnest(p_accounts, p_amounts) AS u(account_id, amount)
         GROUP BY u.account_id HAVING SUM(u.amount) <> 0 ORDER BY u.account_id
    LOOP
        UPDATE wallets_account SET balance = balance + v_delta
         WHERE id = v_account AND (allow_negative OR balance + v_delta >= 0);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        IF v_rows <> 1 THEN
            RAISE EXCEPTION 'ledger: insufficient funds on account %', v_account
                USING ERRCODE = 'TJ001', DETAIL = v_account::text;
        END IF;
    END LOOP;

    RETURN QUERY SELECT v_id, true;
END $$;
"""

BACKWARD = r"""
CREATE OR REPLACE FUNCTION wallets_post(
    p_key text, p_fingerprint text, p_kind text, p_reason text, p_actor bigint,
    p_subject_type text, p_subject_id text, p_created timestamptz,
    p_accounts bigint[], p_amounts numeric[], p_currencies text[]
) RETURNS TABLE (txn_id bigint, created boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_account bigint;
    v_delta numeric;
    v_rows int;
BEGIN
    INSERT INTO wallets_transaction
        (kind, reason, actor_id, subject_type, subject_id, idempotency_key, fingerprint, created_at)
    VALUES (p_kind, p_reason, p_actor, p_subject_type, p_subject_id, p_key, p_fingerprint, p_created)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO v_id;

    IF v_id IS NULL THEN
        RETURN QUERY SELECT t.id, false FROM wallets_transaction t WHERE t.idempotency_key = p_key;
        RETURN;
    END IF;

    INSERT INTO wallets_entry (transaction_id, account_id, amount, currency)
    SELECT v_id, u.account_id, u.amount, u.currency
      FROM unnest(p_accounts, p_amounts, p_currencies) AS u(account_id, amount, currency);

    FOR v_account, v_delta IN
        SELECT u.account_id, SUM(u.amount) FROM unnest(p_accounts, p_amounts) AS u(account_id, amount)
         GROUP BY u.account_id HAVING SUM(u.amount) <> 0 ORDER BY u.account_id
    LOOP
        UPDATE wallets_account SET balance = balance + v_delta
         WHERE id = v_account AND (allow_negative OR balance + v_delta >= 0);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        IF v_rows <> 1 THEN
            RAISE EXCEPTION 'ledger: insufficient funds on account %', v_account
                USING ERRCODE = 'TJ001', DETAIL = v_account::text;
        END IF;
    END LOOP;

    RETURN QUERY SELECT v_id, true;
END $$;
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("wallets", "0006_account_partition")]

    operations = [migrations.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD), elidable=False)]
