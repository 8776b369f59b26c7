"""The django-q2 schedule that issues last month's statements and invoices on the 1st (idempotent)."""

from datetime import UTC, datetime

from django.db import migrations

NAME = "billing: issue last month's statements and invoices"
FUNC = "billing.tasks.billing_run_last_month"
CRON = "0 3 1 * *"  # 03:00 on the 1st


def _next_first(now: datetime) -> datetime:
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 1, 3, tzinfo=UTC)


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={
            "func": FUNC,
            "schedule_type": "C",
            "cron": CRON,
            "repeats": -1,
            "next_run": _next_first(datetime.now(tz=UTC)),
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_postgres_immutability"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
