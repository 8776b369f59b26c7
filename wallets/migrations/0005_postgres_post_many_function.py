"""``wallets_post_many``: a batch of ledger transactions in one PostgreSQL call.

Locks every account the batch touches once, in primary-key order, then posts
each transaction through ``wallets_post`` (migration 0003), in order. Batch
callers (the engagement engine) get one round trip for the whole batch, and a
global lock order across its transactions. Any failure (SQLSTATE TJ001 for
insufficient funds) aborts the caller's transaction: the whole batch.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION wallets_post_many(
    p_keys text[], p_fingerprints text[], p_kinds text[], p_reasons text[], p_actors bigint[],
    p_subject_types text[], p_subject_ids text[], p_created timestamptz,
    p_leg_posting int[], p_leg_accounts bigint[], p_leg_amounts numeric[], p_leg_currencies text[]
) RETURNS TABLE (posting int, txn_id bigint, created boolean) LANGUAGE plpgsql AS $$
DECLARE
    i int;
    r record;
BEGIN
    PERFORM 1 FROM wallets_account WHERE id = ANY(p_leg_accounts) ORDER BY id FOR UPDATE;
    FOR i IN 1 .. COALESCE(array_length(p_keys, 1), 0) LOOP
        SELECT * INTO r FROM wallets_post(
            p_keys[i], p_fingerprints[i], p_kinds[i], p_reasons[i], p_actors[i],
            p_subject_types[i], p_subject_ids[i], p_created,
            ARRAY(SELECT p_leg_accounts[j] FROM generate_subscripts(p_leg_posting, 1) AS j
                   WHERE p_leg_posting[j] = i ORDER BY j),
            ARRAY(SELECT p_leg_amounts[j] FROM generate_subscripts(p_leg_posting, 1) AS j
                   WHERE p_leg_posting[j] = i ORDER BY j),
            ARRAY(SELECT p_leg_currencies[j] FROM generate_subscripts(p_leg_posting, 1) AS j
                   WHERE p_leg_posting[j] = i ORDER BY j)
        );
        posting := i;
        txn_id := r.txn_id;
        created := r.created;
        RETURN NEXT;
    END LOOP;
END $$;
"""

BACKWARD = (
    "DROP FUNCTION IF EXISTS wallets_post_many(text[], text[], text[], text[], bigint[], text[], text[], "
    "timestamptz, int[], bigint[], numeric[], text[]);"
)


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("wallets", "0004_alter_account_purpose")]

    operations = [migrations.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD), elidable=False)]
