from django.conf import settings
from django.db import migrations, models


def drop_duplicate_queued(apps, schema_editor):
    """Exports asked for twice by a double click before the constraint: the first stays queued (its
    job makes the ZIP); the others were never more than a second copy of it."""
    DataExport = apps.get_model("privacy", "DataExport")
    first = {}
    for export_id, user_id in (
        DataExport.objects.filter(status="QUEUED").order_by("pk").values_list("pk", "user_id")
    ):
        if user_id in first:
            DataExport.objects.filter(pk=export_id).delete()
        else:
            first[user_id] = export_id


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0005_translatable_field_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_duplicate_queued, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="dataexport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "QUEUED")),
                fields=("user",),
                name="privacy_export_one_queued_per_user",
                violation_error_message="Your data is already being prepared.",
            ),
        ),
    ]
