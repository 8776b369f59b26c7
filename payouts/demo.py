"""Demo data for payouts (``manage.py seed_demo``): Ana is verified and has bank details past their hold."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from accounts.models import User
from payouts import services
from payouts.models import BankAccount, PayeeIdentity

DEMO_IBAN = "DE02120300000000202051"  # a valid German test IBAN (Deutsche Kreditbank)


def demo_payouts_seed(*, ana: User, ops: User, now: datetime) -> list[str]:
    lines = []
    if not PayeeIdentity.objects.filter(user=ana).exists():
        identity = services.identity_submit(
            user=ana,
            legal_name="Ana Consumer",
            date_of_birth=date(1996, 5, 17),
            street="Torstrasse",
            building_number="12",
            postcode="10119",
            town="Berlin",
            country="DE",
            now=now,
        )
        services.identity_review(identity=identity, actor=ops, verified=True, reason="", now=now)
        lines.append(f"{ana.email}: identity verified")
    if not BankAccount.objects.current().filter(user=ana).exists():
        details = services.bank_details_clean(
            holder_name="Ana Consumer",
            street="Torstrasse",
            building_number="12",
            postcode="10119",
            town="Berlin",
            country="DE",
            iban=DEMO_IBAN,
        )
        # Added "three days ago", so the 48-hour hold is over and a payout can be asked for at once.
        account = services.bank_account_replace(user=ana, details=details, now=now - timedelta(days=3))
        lines.append(f"{ana.email}: bank details {account.iban_masked}, payouts at /wallet/payouts/")
    return lines
