"""``wallets_post``: the ledger's write as one PostgreSQL function.

``wallets.services.post`` validates in Python, then on PostgreSQL makes this
single call: insert the transaction unless its idempotency key exists, insert
its entries, then move each account's stored balance with a conditional UPDATE
in primary-key order (one lock order for every caller: no deadlock). A balance
that would go below zero on a non-negative account raises SQLSTATE TJ001 with
the account id as detail. One round trip instead of five; the same triggers
and constraints as any other write apply. SQLite runs the same steps from Python.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION wallets_post(
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

BACKWARD = "DROP FUNCTION IF EXISTS wallets_post(text, text, text, text, bigint, text, text, timestamptz, bigint[], numeric[], text[]);"


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("wallets", "0002_postgres_invariants")]

    operations = [migrations.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD), elidable=False)]
