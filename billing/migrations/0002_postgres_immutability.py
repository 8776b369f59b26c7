"""Issued documents never change, enforced by PostgreSQL itself.

- An issued statement is never updated or deleted.
- A finalised invoice or credit note is never updated; no invoice row is ever deleted (a
  correction is a credit note). Drafts may be updated until they are finalised.
On SQLite (``make run``) the service layer is the only writer; these triggers are PostgreSQL only.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION billing_statement_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'billing: an issued statement is never updated or deleted'
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER billing_statement_frozen
    BEFORE UPDATE OR DELETE ON billing_statement
    FOR EACH ROW EXECUTE FUNCTION billing_statement_frozen();

CREATE FUNCTION billing_invoice_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'billing: invoices are never deleted; issue a credit note'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'FINALISED' THEN
        RAISE EXCEPTION 'billing: finalised invoice % is never changed; issue a credit note', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER billing_invoice_frozen
    BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_frozen();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS billing_invoice_frozen ON billing_invoice;
DROP FUNCTION IF EXISTS billing_invoice_frozen();
DROP TRIGGER IF EXISTS billing_statement_frozen ON billing_statement;
DROP FUNCTION IF EXISTS billing_statement_frozen();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
