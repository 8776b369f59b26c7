"""The ops payouts queue at scale (issue #22, ``bench_scale --apps``): a page of payouts reads a
fixed number of queries, whatever its rows and their risk signals (shared IBANs, bans, debts),
and shows the same signals ``payout_risk_signals`` gives one payout."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from payouts import services
from payouts.models import Payout
from payouts.tests.conftest import IBAN_DE, LATER, NOW, eur
from rewards.services import user_ban
from wallets.debts import debt_incur
from wallets.models import Purpose
from wallets.services import account_for

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def _payouts(make_payee, make_user, n: int, *, offset: int) -> None:
    creditor = account_for(owner=make_user(), purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
    for i in range(n):
        # Every other payee shares one IBAN; every third owes (after asking), the fourth is banned.
        user = make_payee(
            "50.00", iban=IBAN_DE if i % 2 else f"DE{_check(offset + i)}370400440532{offset + i:06d}"
        )
        services.payout_request(user=user, amount=eur("20.00"), now=LATER)
        if i % 3 == 0:
            debt_incur(
                owner=user,
                creditor=creditor,
                amount=eur("3.00"),
                reason="adjusted",
                idempotency_key=f"scale-debt:{user.pk}",
                now=NOW,
            )
        if i % 4 == 1:
            user_ban(user=user, reason="Fake engagement", actor=make_user(), now=LATER)


def _check(n: int) -> str:
    bban = f"370400440532{n:06d}"
    return f"{98 - int(bban + '131400') % 97:02d}"


@pytest.mark.parametrize("url", ["/ops/payouts/payout/", "/ops/payouts/bankaccount/"])
def test_the_ops_payout_lists_read_a_fixed_number_of_queries(make_payee, make_user, ops, url):
    client = Client()
    client.force_login(ops)
    _payouts(make_payee, make_user, 4, offset=0)
    few, _ = _queries(client, url)
    _payouts(make_payee, make_user, 12, offset=100)
    many, page = _queries(client, url)
    assert many == few
    if "payout/" in url:
        assert "same IBAN as" in page and "banned" in page and "owes" in page


def test_the_signals_of_a_page_are_each_payouts_own(make_payee, make_user, ops):
    _payouts(make_payee, make_user, 9, offset=200)
    payouts = list(Payout.objects.select_related("bank_account").order_by("pk"))
    many = services.payout_risk_signals_many(payouts)
    assert any("same IBAN as" in s for signals in many.values() for s in signals)
    assert any("banned" in signals for signals in many.values())
    assert any(s.startswith("owes ") for signals in many.values() for s in signals)
    for payout in payouts:
        assert many[payout.pk] == services.payout_risk_signals(payout)
    assert services.payout_risk_signals_many([]) == {}


def _batch(make_payee, ops, offset: int) -> None:
    user = make_payee("50.00", iban=f"DE{_check(offset)}370400440532{offset:06d}")
    payout = services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    services.batch_build(actor=ops, now=LATER)


def test_the_ops_batch_list_reads_a_fixed_number_of_queries(make_payee, ops):
    client = Client()
    client.force_login(ops)
    _batch(make_payee, ops, 300)
    few, _ = _queries(client, "/ops/payouts/payoutbatch/")
    for offset in (301, 302, 303):
        _batch(make_payee, ops, offset)
    many, page = _queries(client, "/ops/payouts/payoutbatch/")
    assert many == few
    assert page.count("ops1@tikjoy.example") >= 4
