"""The plans TikJoy offers at first (ops edit them in /ops/), and the renewal schedule (every 10 minutes)."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    {
        "code": "joyplus",
        "name": "JoyPlus",
        "currency": "EUR",
        "monthly_fee": Decimal("2.99"),
        "bonus_rate": Decimal("0.1000"),
        "bonus_margin_cap": Decimal("0.5000"),
        "fast_hold_hours": None,
    },
    {
        "code": "joyfast",
        "name": "JoyFast",
        "currency": "EUR",
        "monthly_fee": Decimal("1.99"),
        "bonus_rate": Decimal("0"),
        "bonus_margin_cap": Decimal("1.0000"),
        "fast_hold_hours": 24,
    },
]
SCHEDULE = ("subscriptions: renew or end due subscriptions", "subscriptions.tasks.renew_due", 10)


def create_defaults(apps, schema_editor):
    Plan = apps.get_model("subscriptions", "Plan")
    for fields in PLANS:
        Plan.objects.get_or_create(code=fields["code"], defaults=fields)
    name, func, minutes = SCHEDULE
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=name, defaults={"func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1}
    )


def remove_defaults(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
