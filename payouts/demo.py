"""Demo data for payouts (``manage.py seed_demo``): Ana, Ben and Ivy are verified and have bank details
past their hold (Ivy has enough available to ask for a payout)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from accounts.models import User
from payouts import services
from payouts.models import BankAccount, PayeeIdentity

# Valid German IBANs (DKB, Commerzbank, Postbank)
DEMO_IBANS = ["DE02120300000000202051", "DE89370400440532013000", "DE02100100100006820101"]


def demo_payouts_seed(*, people: list[User], ops: User, now: datetime) -> list[str]:
    lines = []
    for person, iban in zip(people, DEMO_IBANS, strict=False):
        lines += _seed_one(person, iban=iban, ops=ops, now=now)
    return lines


def _seed_one(ana: User, *, iban: str, ops: User, now: datetime) -> list[str]:
    lines = []
    name = ana.display_name or "Demo Consumer"
    if not PayeeIdentity.objects.filter(user=ana).exists():
        identity = services.identity_submit(
            user=ana,
            legal_name=name,
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
            holder_name=name,
            street="Torstrasse",
            building_number="12",
            postcode="10119",
            town="Berlin",
            country="DE",
            iban=iban,
        )
        # Added "three days ago", so the 48-hour hold is over and a payout can be asked for at once.
        account = services.bank_account_replace(user=ana, details=details, now=now - timedelta(days=3))
        lines.append(f"{ana.email}: bank details {account.iban_masked}, payouts at /wallet/payouts/")
    return lines
