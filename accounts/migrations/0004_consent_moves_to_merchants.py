"""Consent moves to merchants (the merchant it is given to); its table keeps its name and rows."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_consent"),
    ]

    # Consent now belongs to merchants (merchants.0003): the table stays where it is, only
    # Django's state moves. No data moves.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Consent")],
            database_operations=[],
        ),
    ]
