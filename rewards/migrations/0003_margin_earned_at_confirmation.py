"""The platform's margin is earned at confirmation (issue #10).

Until now a reward's margin went straight to a PLATFORM_REVENUE account owned by
the merchant. Revenue is the platform's: it now lives in platform-owned accounts
partitioned per merchant, PLATFORM_REVENUE_PENDING while the reward may still be
reversed and PLATFORM_REVENUE once confirmed. This migration moves what the old
accounts hold with one balanced ledger transaction per account (a correction is a
new transaction, never an edit): the margin of the merchant's PENDING rewards to
pending revenue, the rest (confirmed rewards) to revenue.
"""

import hashlib
from decimal import Decimal

from django.db import migrations
from django.db.models import Sum
from django.utils import timezone

KIND = "LEDGER_MIGRATION"


def forward(apps, schema_editor):
    Account = apps.get_model("wallets", "Account")
    Transaction = apps.get_model("wallets", "Transaction")
    Entry = apps.get_model("wallets", "Entry")
    Reward = apps.get_model("rewards", "Reward")
    now = timezone.now()
    for old in Account.objects.filter(owner_type="merchants.merchant", purpose="PLATFORM_REVENUE").exclude(
        balance=0
    ):
        pending = Reward.objects.filter(
            merchant_id=old.owner_id, currency=old.currency, status="PENDING"
        ).aggregate(total=Sum("margin"))["total"] or Decimal(0)
        pending = Decimal(pending).quantize(Decimal("0.01"))
        confirmed = old.balance - pending
        partition = f"merchants.merchant:{old.owner_id}"
        legs = [(old, -old.balance)]
        for purpose, amount in (("PLATFORM_REVENUE_PENDING", pending), ("PLATFORM_REVENUE", confirmed)):
            if amount:
                account, _ = Account.objects.get_or_create(
                    owner_type="platform",
                    owner_id=0,
                    purpose=purpose,
                    currency=old.currency,
                    partition=partition,
                    defaults={"allow_negative": False},
                )
                legs.append((account, amount))
        key = f"migration:revenue-partition:{old.pk}"
        fingerprint = hashlib.sha256(
            "|".join([KIND, *sorted(f"{a.pk}:{amount}:{a.currency}" for a, amount in legs)]).encode()
        ).hexdigest()
        txn = Transaction.objects.create(
            kind=KIND,
            reason=(
                "Platform revenue on this merchant moved to the platform's own accounts: the margin of "
                "pending rewards to pending revenue, the rest to revenue"
            ),
            idempotency_key=key,
            fingerprint=fingerprint,
            created_at=now,
        )
        Entry.objects.bulk_create(
            [Entry(transaction=txn, account=a, amount=amount, currency=a.currency) for a, amount in legs]
        )
        for account, amount in legs:
            Account.objects.filter(pk=account.pk).update(balance=account.balance + amount)


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0002_schedules"),
        ("wallets", "0006_account_partition"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
