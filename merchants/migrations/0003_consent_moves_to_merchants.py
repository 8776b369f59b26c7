"""Consent moves here from accounts: Django's state only; the table ``accounts_consent`` stays."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0002_bank_transfer"),
        ("accounts", "0004_consent_moves_to_merchants"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Consent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("shares_display_name", models.BooleanField(default=False)),
                        ("shares_tiktok_handle", models.BooleanField(default=False)),
                        ("shares_phone", models.BooleanField(default=False)),
                        ("shares_email", models.BooleanField(default=False)),
                        ("given_at", models.DateTimeField()),
                        ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="consents",
                                to="merchants.merchant",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="consents",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_consent",
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("withdrawn_at__isnull", True)),
                                fields=("user", "merchant"),
                                name="accounts_consent_one_active_per_merchant",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("shares_display_name", True),
                                    ("shares_tiktok_handle", True),
                                    ("shares_phone", True),
                                    ("shares_email", True),
                                    _connector="OR",
                                ),
                                name="accounts_consent_shares_something",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("withdrawn_at__isnull", True),
                                    ("withdrawn_at__gte", models.F("given_at")),
                                    _connector="OR",
                                ),
                                name="accounts_consent_withdrawn_after_given",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
