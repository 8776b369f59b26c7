"""The default pricing plan (users get 80 % of the merchant's price) and per-currency platform limits.

Ops change them in /ops/; docs/campaigns.md explains them.
"""

from decimal import Decimal

from django.db import migrations

LIMITS = {
    "EUR": ("0.01", "50.00", "500.00"),
    "USD": ("0.01", "50.00", "500.00"),
    "GBP": ("0.01", "50.00", "500.00"),
}


def create_defaults(apps, schema_editor):
    PricingPlan = apps.get_model("campaigns", "PricingPlan")
    PlatformLimit = apps.get_model("campaigns", "PlatformLimit")
    if not PricingPlan.objects.filter(is_default=True).exists():
        PricingPlan.objects.get_or_create(
            name="Standard", defaults={"user_share": Decimal("0.8000"), "is_default": True}
        )
    for currency, (low, high, per_post) in LIMITS.items():
        PlatformLimit.objects.get_or_create(
            currency=currency,
            defaults={
                "min_reward": Decimal(low),
                "max_reward": Decimal(high),
                "max_per_post": Decimal(per_post),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
