"""``wallets_post_many`` groups the legs by posting in one pass (it scanned every leg per posting).

Migration 0005 built each posting's leg arrays with a subquery over the whole batch, so a
batch of n postings cost n x (all legs): 10,000 payouts took minutes. The legs are now
grouped by posting once (``unnest ... WITH ORDINALITY ... GROUP BY``), keeping their order,
and each group is posted through ``wallets_post`` as before: same locks (every account of
the batch first, in primary-key order), same checks, same results.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION wallets_post_many(
    p_keys text[], p_fingerprints text[], p_kinds text[], p_reasons text[], p_actors bigint[],
    p_subject_types text[], p_subject_ids text[], p_created timestamptz,
    p_leg_posting int[], p_leg_accounts bigint[], p_leg_amounts numeric[], p_leg_currencies text[]
) RETURNS TABLE (posting int, txn_id bigint, created boolean) LANGUAGE plpgsql AS $$
DECLARE
    g record;
    r record;
BEGIN
    PERFORM 1 FROM wallets_account WHERE id = ANY(p_leg_accounts) ORDER BY id FOR UPDATE;
    FOR g IN
        SELECT l.posting AS i,
               array_agg(l.account ORDER BY l.n) AS accounts,
               array_agg(l.amount ORDER BY l.n) AS amounts,
               array_agg(l.currency ORDER BY l.n) AS currencies
          FROM unnest(p_leg_posting, p_leg_accounts, p_leg_amounts, p_leg_currencies)
               WITH ORDINALITY AS l(posting, account, amount, currency, n)
         GROUP BY l.posting
         ORDER BY l.posting
    LOOP
        SELECT * INTO r FROM wallets_post(
            p_keys[g.i], p_fingerprints[g.i], p_kinds[g.i], p_reasons[g.i], p_actors[g.i],
            p_subject_types[g.i], p_subject_ids[g.i], p_created,
            g.accounts, g.amounts, g.currencies
        );
        posting := g.i;
        txn_id := r.txn_id;
        created := r.created;
        RETURN NEXT;
    END LOOP;
END $$;
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


def _previous(apps, schema_editor):
    module = __import__("wallets.migrations.0005_postgres_post_many_function", fromlist=["FORWARD"])
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            module.FORWARD.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"), params=None
        )


class Migration(migrations.Migration):
    dependencies = [("wallets", "0007_post_checks_before_locks")]

    operations = [migrations.RunPython(_on_postgres(FORWARD), _previous, elidable=False)]
