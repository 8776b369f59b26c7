"""The approved templates, the rate card (``chats/catalogue.py``; ops edit both at /ops/), and the
schedule that fails and refunds messages the Cloud API never answered for."""

from datetime import UTC, datetime

from django.db import migrations

from chats.catalogue import ENGLISH, catalogue_ensure

SCHEDULE = "chats: fail and refund messages WhatsApp never confirmed"


def create(apps, schema_editor):
    # English only: a template name is unique until 0005, which adds the translations.
    catalogue_ensure(
        apps.get_model("chats", "ChatTemplate"), apps.get_model("chats", "ChatRate"), languages=(ENGLISH,)
    )
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE,
        defaults={
            "func": "chats.tasks.chats_pending_expire_now",
            "schedule_type": "I",
            "minutes": 15,
            "repeats": -1,
            "next_run": datetime.now(tz=UTC),
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chats", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
