"""Creators are a social fact: ``CreatorStatus`` moves to social (social.0004). State only here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0003_schedules")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CreatorStatus")],
            database_operations=[],
        ),
    ]
