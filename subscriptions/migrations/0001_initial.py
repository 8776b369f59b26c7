"""Plans, subscriptions and their monthly payments."""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Plan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="A short name for the plan, e.g. joyplus.", max_length=30, unique=True
                    ),
                ),
                ("name", models.CharField(help_text="What consumers see, e.g. JoyPlus.", max_length=60)),
                (
                    "currency",
                    models.CharField(
                        choices=[("EUR", "Euro"), ("USD", "US dollar"), ("GBP", "Pound sterling")],
                        default="EUR",
                        max_length=3,
                    ),
                ),
                (
                    "monthly_fee",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="Paid each month, in advance, from the available balance.",
                        max_digits=8,
                    ),
                ),
                (
                    "bonus_rate",
                    models.DecimalField(
                        decimal_places=4,
                        default=Decimal("0"),
                        help_text="Extra share for the person, as a fraction of their share (0.2000 = 20 % more). 0: no bonus.",
                        max_digits=5,
                    ),
                ),
                (
                    "bonus_margin_cap",
                    models.DecimalField(
                        decimal_places=4,
                        default=Decimal("1"),
                        help_text="The bonus takes at most this fraction of TikJoy's margin on a reward (1.0000 = all of it).",
                        max_digits=5,
                    ),
                ),
                (
                    "fast_hold_hours",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Rewards become available this many hours after they are paid (TikJoy advances them). Empty: the campaign's hold applies.",
                        null=True,
                    ),
                ),
                (
                    "is_offered",
                    models.BooleanField(default=True, help_text="Shown to consumers, who may subscribe."),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "edit_version",
                    models.PositiveIntegerField(
                        default=0, help_text="Raised by each edit: a stale form is refused."
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("monthly_fee__gt", 0)),
                        name="subscriptions_plan_fee_positive",
                        violation_error_message="The monthly fee must be more than zero.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("bonus_rate__gte", 0), ("bonus_rate__lte", 1)),
                        name="subscriptions_plan_bonus_0_to_1",
                        violation_error_message="The bonus must be between 0 and 1 (0% and 100% of the person's share).",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("bonus_margin_cap__gte", 0), ("bonus_margin_cap__lte", 1)),
                        name="subscriptions_plan_margin_cap_0_to_1",
                        violation_error_message="The part of TikJoy's margin the bonus may take must be between 0 and 1.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("fast_hold_hours__isnull", True), ("fast_hold_hours__lte", 1440), _connector="OR"
                        ),
                        name="subscriptions_plan_fast_hold_bounded",
                        violation_error_message="A fast hold is at most 60 days (1440 hours).",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("bonus_rate__gt", 0), ("fast_hold_hours__isnull", False), _connector="OR"
                        ),
                        name="subscriptions_plan_has_a_benefit",
                        violation_error_message="A plan needs a benefit: a bonus above 0, a fast hold, or both.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("currency__in", ["EUR", "USD", "GBP"])),
                        name="subscriptions_plan_currency_known",
                        violation_error_message="Choose a currency from the list.",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Subscription",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("ACTIVE", "Active"), ("ENDED", "Ended")], default="ACTIVE", max_length=8
                    ),
                ),
                ("currency", models.CharField(max_length=3)),
                ("monthly_fee", models.DecimalField(decimal_places=2, max_digits=8)),
                ("bonus_rate", models.DecimalField(decimal_places=4, max_digits=5)),
                ("bonus_margin_cap", models.DecimalField(decimal_places=4, max_digits=5)),
                ("fast_hold_hours", models.PositiveIntegerField(blank=True, null=True)),
                ("terms", models.TextField(help_text="The rules the person accepted, as they were shown.")),
                ("started_at", models.DateTimeField()),
                ("period_start", models.DateTimeField()),
                (
                    "period_end",
                    models.DateTimeField(help_text="The renewal date: the next fee is taken then."),
                ),
                ("cancel_at_period_end", models.BooleanField(default=False)),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                (
                    "end_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("CANCELLED", "Cancelled by the person"),
                            ("RENEWAL_FAILED", "Not renewed: the available balance could not pay the fee"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="subscriptions",
                        to="subscriptions.plan",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="subscriptions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="SubscriptionPayment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period_start", models.DateTimeField()),
                ("period_end", models.DateTimeField()),
                ("amount", models.DecimalField(decimal_places=2, max_digits=8)),
                ("currency", models.CharField(max_length=3)),
                ("paid_at", models.DateTimeField()),
                (
                    "subscription",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="payments",
                        to="subscriptions.subscription",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="subscription",
            index=models.Index(fields=["status", "period_end"], name="subscriptions_due"),
        ),
        migrations.AddIndex(
            model_name="subscription",
            index=models.Index(fields=["user", "status"], name="subscriptions_user"),
        ),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "ACTIVE")),
                fields=("user", "plan"),
                name="subscriptions_one_active_per_plan",
                violation_error_message="You already have this plan.",
            ),
        ),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.CheckConstraint(
                condition=models.Q(("period_end__gt", models.F("period_start"))),
                name="subscriptions_period_forward",
                violation_error_message="A period ends after it starts.",
            ),
        ),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["ACTIVE", "ENDED"])),
                name="subscriptions_status_known",
                violation_error_message="Choose a status from the list.",
            ),
        ),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "ACTIVE"), ("ended_at__isnull", True), ("end_reason", "")),
                    models.Q(
                        ("status", "ENDED"),
                        ("ended_at__isnull", False),
                        ("end_reason__in", ["CANCELLED", "RENEWAL_FAILED"]),
                    ),
                    _connector="OR",
                ),
                name="subscriptions_ended_has_reason",
                violation_error_message="An ended subscription says when and why it ended.",
            ),
        ),
        migrations.AddConstraint(
            model_name="subscriptionpayment",
            constraint=models.UniqueConstraint(
                fields=("subscription", "period_start"),
                name="subscriptions_one_payment_per_period",
                violation_error_message="This period is already paid.",
            ),
        ),
        migrations.AddConstraint(
            model_name="subscriptionpayment",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)),
                name="subscriptions_payment_positive",
                violation_error_message="A payment is more than zero.",
            ),
        ),
    ]
