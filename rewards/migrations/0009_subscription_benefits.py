"""Subscriptions in the engine: a reward's bonus (JoyPlus) and early availability (JoyFast), and the
schedule that advances due rewards every 10 minutes."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations, models

SCHEDULE = ("rewards: make available early (JoyFast)", "rewards.tasks.advance_due", 10)


def create_schedule(apps, schema_editor):
    name, func, minutes = SCHEDULE
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=name, defaults={"func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0008_reported_actions"),
        ("merchants", "0008_consent_evidence"),
        ("rewards", "0008_console_at_scale"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("social", "0007_constraint_messages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="reward",
            name="advance_at",
            field=models.DateTimeField(
                blank=True,
                help_text="A fast subscription (JoyFast): when TikJoy makes it available early.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="reward",
            name="advanced_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When TikJoy made it available, before the hold ended (JoyFast).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="reward",
            name="bonus",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                help_text="A subscription's bonus (JoyPlus): part of the person's share, taken from the margin.",
                max_digits=12,
            ),
        ),
        migrations.AddIndex(
            model_name="reward",
            index=models.Index(
                condition=models.Q(
                    ("advance_at__isnull", False), ("advanced_at__isnull", True), ("status", "PENDING")
                ),
                fields=["advance_at"],
                name="rewards_reward_advance_due",
            ),
        ),
        migrations.AddConstraint(
            model_name="reward",
            constraint=models.CheckConstraint(
                condition=models.Q(("bonus__gte", 0), ("bonus__lte", models.F("user_amount"))),
                name="rewards_reward_bonus_within_share",
                violation_error_message="A subscription's bonus is part of the person's share, never negative.",
            ),
        ),
        migrations.AddConstraint(
            model_name="reward",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("advanced_at__isnull", True), ("advance_at__isnull", False), _connector="OR"
                ),
                name="rewards_reward_advanced_when_due",
                violation_error_message="Only a reward with an early availability date can be advanced.",
            ),
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
