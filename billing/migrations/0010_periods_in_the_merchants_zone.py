"""Statements and service-fee invoices in the merchant's time zone (issue #23, docs/billing.md "Periods").

- ``Statement.time_zone``: the zone its month was counted in.
- ``Invoice.month`` (the month an invoice is for: the key of one invoice per merchant, currency and
  month, since the supply period's first day may now fall on the last day of the month before, after
  a change of zone), and its period's instants and zone.
- The documents issued before keep their periods: they were counted in ``BILLING_TIME_ZONE``, which
  is recorded on them with the instants their dates meant there. Issued documents are frozen by the
  triggers of billing.0002; this migration lifts them for its own UPDATE only, in its transaction.
- The schedule: every hour, each merchant's last month that has ended in its zone
  (``billing.tasks.billing_run_due``), instead of once on the 1st at 03:00 UTC.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

OLD_SCHEDULE = ("billing: issue last month's statements and invoices", "billing.tasks.billing_run_last_month")
SCHEDULE = (
    "billing: issue each merchant's month once it has ended in its time zone",
    "billing.tasks.billing_run_due",
    "5 * * * *",  # every hour, at :05
)


def _zone() -> str:
    return settings.BILLING_TIME_ZONE


def fill_periods(apps, schema_editor):
    """What the documents issued so far were: months and days in ``BILLING_TIME_ZONE``."""
    zone = _zone()
    Statement = apps.get_model("billing", "Statement")
    Invoice = apps.get_model("billing", "Invoice")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE billing_statement DISABLE TRIGGER billing_statement_frozen")
        schema_editor.execute("ALTER TABLE billing_invoice DISABLE TRIGGER billing_invoice_frozen")
        schema_editor.execute("UPDATE billing_statement SET time_zone = %s", [zone])
        schema_editor.execute(
            "UPDATE billing_invoice SET month = date_trunc('month', period_start)::date, period_time_zone = %s, "
            "period_starts_at = period_start::timestamp AT TIME ZONE %s, "
            "period_ends_at = (period_end + 1)::timestamp AT TIME ZONE %s",
            [zone, zone, zone],
        )
        schema_editor.execute("ALTER TABLE billing_statement ENABLE TRIGGER billing_statement_frozen")
        schema_editor.execute("ALTER TABLE billing_invoice ENABLE TRIGGER billing_invoice_frozen")
        return
    tz = ZoneInfo(zone)
    Statement.objects.update(time_zone=zone)
    for row in Invoice.objects.all():
        row.month = row.period_start.replace(day=1)
        row.period_time_zone = zone
        row.period_starts_at = datetime.combine(row.period_start, datetime.min.time(), tzinfo=tz)
        row.period_ends_at = datetime.combine(
            row.period_end + timedelta(days=1), datetime.min.time(), tzinfo=tz
        )
        row.save(update_fields=["month", "period_time_zone", "period_starts_at", "period_ends_at"])


def schedule_hourly(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func=OLD_SCHEDULE[1]).delete()
    name, func, cron = SCHEDULE
    now = datetime.now(tz=UTC)
    Schedule.objects.update_or_create(
        name=name,
        defaults={
            "func": func,
            "schedule_type": "C",
            "cron": cron,
            "repeats": -1,
            "next_run": now.replace(minute=5, second=0, microsecond=0) + timedelta(hours=1),
        },
    )


def schedule_monthly(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func=SCHEDULE[1]).delete()
    now = datetime.now(tz=UTC)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    Schedule.objects.update_or_create(
        name=OLD_SCHEDULE[0],
        defaults={
            "func": OLD_SCHEDULE[1],
            "schedule_type": "C",
            "cron": "0 3 1 * *",
            "repeats": -1,
            "next_run": datetime(year, month, 1, 3, tzinfo=UTC),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0009_statement_sha256_index"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="statement",
            name="time_zone",
            field=models.CharField(
                default="UTC",
                help_text="The time zone the month was counted in: the merchant's when the statement was issued.",
                max_length=64,
                verbose_name="time zone",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invoice",
            name="month",
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="period_starts_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="period_ends_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="period_time_zone",
            field=models.CharField(
                default="UTC",
                help_text="The time zone the supply period's days are dates in.",
                max_length=64,
                verbose_name="time zone",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_periods, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="invoice",
            name="month",
            field=models.DateField(
                help_text="The first day of the month the invoice is for (of the purchase, for coins).",
                verbose_name="month",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="period_starts_at",
            field=models.DateTimeField(help_text="Inclusive.", verbose_name="period starts at"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="period_ends_at",
            field=models.DateTimeField(help_text="Exclusive.", verbose_name="period ends at"),
        ),
        migrations.RemoveConstraint(model_name="invoice", name="billing_invoice_one_per_month"),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "INVOICE")),
                fields=("merchant", "currency", "month"),
                name="billing_invoice_one_per_month",
                violation_error_message="There is already an invoice for this merchant, currency and month.",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(("period_starts_at__lt", models.F("period_ends_at"))),
                name="billing_invoice_period_instants",
                violation_error_message="An invoice's period must end after it starts.",
            ),
        ),
        migrations.RunPython(schedule_hourly, schedule_monthly),
    ]
