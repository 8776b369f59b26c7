"""``bench_scale``'s set-based builders write books the product could have written: every invariant
``ledger_check``, ``rewards_check`` and ``affiliates_check`` verify holds after them (an entry dated
as its transaction included: the builders load with the row triggers off). ``make bench`` runs them
at a million rewards; here they run small, so a change to a table they fill fails in ``make test``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from rewards.models import Reward
from tikjoy import scale_billing, scale_data, scale_data_apps, scale_promote
from wallets.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)  # the builders end with VACUUM ANALYZE


def _quiet(_line: str) -> None:
    pass


def test_the_scale_builders_leave_every_check_clean(capsys):
    now = timezone.now()
    data = scale_data.build(rewards=2_000, now=now, log=_quiet)
    apps = scale_data_apps.build(
        merchant=data.merchant,
        owner=data.owner,
        now=now,
        payouts=200,
        clicks=1_000,
        conversions=100,
        events=100,
        log=_quiet,
    )
    billing = scale_billing.build(
        merchant=data.merchant,
        owner=data.owner,
        now=now,
        first_own=now - timedelta(days=scale_data.DAYS + 1),
        merchants=3,
        months=3,
        log=_quiet,
    )
    promote = scale_promote.build(merchant=data.merchant, owner=data.owner, now=now, orders=20, log=_quiet)

    assert Reward.objects.filter(merchant=data.merchant).count() == data.rewards >= 2_000
    assert apps.payouts > 0 and apps.commissions > 0
    assert billing.statements > 0 and promote.orders == 20
    assert Entry.objects.count() > 10_000
    for check in ("ledger_check", "rewards_check", "affiliates_check"):
        call_command(check)  # raises CommandError (exit 1) on any violation
    out = capsys.readouterr().out
    assert "All invariants hold." in out
    assert "All reward invariants hold." in out
