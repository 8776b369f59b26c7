"""The wallet explains every movement of the available balance: rewards in the history, the rest
(coins bought, commissions paid, payouts, debts repaid) under "Other movements"."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from moneyed import Money

from accounts.models import User
from promote.services import coins_buy_from_wallet
from rewards.models import Reward, RewardStatus
from wallets.models import PLATFORM, Entry, Purpose
from wallets.services import account_for, transfer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo stores a UGC placeholder file


def _movements(page: str) -> list[tuple[str, str]]:
    section = page.split('data-testid="movements"', 1)[1].split("</section>", 1)[0]
    items = re.findall(
        r'data-testid="movement">.*?<strong>(.*?)</strong>.*?wallet-history__amount">(.*?)</div>',
        section,
        re.S,
    )
    return [(what.strip(), amount.strip()) for what, amount in items]


def _available(user: User) -> Decimal:
    return account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency="EUR").balance


def test_ben_and_pia_see_what_made_their_available_balance(client):
    call_command("seed_demo")
    ben = User.objects.get(email="ben@demo.tikjoy.local")
    client.force_login(ben)
    page = client.get("/wallet/").content.decode()
    assert _movements(page) == [("Promote coins bought", "-€0.99")]
    # Available = the confirmed rewards of the history + the other movements.
    confirmed = sum(r.user_amount for r in Reward.objects.filter(user=ben, status=RewardStatus.CONFIRMED))
    moved = sum(
        e.amount
        for e in Entry.objects.filter(
            account__owner_id=ben.pk,
            account__owner_type="accounts.user",
            account__purpose=Purpose.USER_AVAILABLE,
            transaction__kind="PROMOTE_COIN_PURCHASE",
        )
    )
    assert confirmed + moved == _available(ben) == Decimal("0.21")

    pia = User.objects.get(email="pia@demo.tikjoy.local")
    client.force_login(pia)
    page = client.get("/wallet/").content.decode()
    lines = _movements(page)
    assert "Affiliate commission credited" in dict(lines)
    assert "No rewards yet." in page and not Reward.objects.filter(user=pia).exists()
    total = sum(Decimal(amount.replace("€", "").replace("+", "").replace(",", "")) for _, amount in lines)
    assert total == _available(pia) == Decimal("20.00")

    User.objects.filter(pk=pia.pk).update(language="de")
    page = client.get("/wallet/").content.decode()
    assert "Weitere Bewegungen" in page and "Affiliate-Provision gutgeschrieben" in page
    assert "Affiliate commission credited" not in page
    call_command("ledger_check")


def test_a_commission_and_a_coin_purchase_show_on_the_very_next_request(client, make_consumer, ops):
    ben = make_consumer("Ben")
    client.force_login(ben)
    now = timezone.now()
    assert 'data-testid="movements"' not in client.get("/wallet/").content.decode()
    assert 'data-testid="movements"' not in client.get("/wallet/").content.decode()  # from the cache

    transfer(  # as a commission reaches a person's balance (affiliates: locked -> available)
        source=account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR"),
        destination=account_for(owner=ben, purpose=Purpose.USER_AVAILABLE, currency="EUR"),
        amount=Money("5.00", "EUR"),
        kind="AFFILIATE_APPROVE",
        reason="test: a commission approved",
        actor=ops,
        idempotency_key="test:commission:1",
        now=now,
    )
    assert _movements(client.get("/wallet/").content.decode()) == [
        ("Affiliate commission credited", "+€5.00")
    ]

    coins_buy_from_wallet(holder=ben, coins_count=100, currency="EUR", actor=ben, now=now)
    lines = _movements(client.get("/wallet/").content.decode())
    assert lines[0][0] == "Promote coins bought" and lines[0][1].startswith("-€")
    assert lines[1] == ("Affiliate commission credited", "+€5.00")
    total = sum(Decimal(a.replace("€", "").replace("+", "")) for _, a in lines)
    assert total == _available(ben)
    call_command("ledger_check")


def _commissions(person: User, *, count: int, actor: User, tag: str) -> None:
    """``count`` commissions of 1.00, 2.00, ... EUR reaching ``person``'s balance, in that order."""
    now = timezone.now()
    for n in range(1, count + 1):
        transfer(
            source=account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR"),
            destination=account_for(owner=person, purpose=Purpose.USER_AVAILABLE, currency="EUR"),
            amount=Money(Decimal(n), "EUR"),
            kind="AFFILIATE_APPROVE",
            reason="test: a commission approved",
            actor=actor,
            idempotency_key=f"test:{tag}:{n}",
            now=now,
        )


def test_the_wallet_links_every_movement_and_the_full_list_pages_through_all_of_them(
    client, make_consumer, ops, monkeypatch
):
    ben = make_consumer("Ben")
    _commissions(ben, count=13, actor=ops, tag="ben")
    client.force_login(ben)

    wallet = client.get("/wallet/").content.decode()
    assert len(_movements(wallet)) == 10
    assert 'data-testid="all-movements"' in wallet and 'href="/wallet/movements/"' in wallet

    monkeypatch.setattr("rewards.views.MOVEMENTS_PAGE_SIZE", 5)
    seen, url = [], "/wallet/movements/"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        seen += _movements(page)
        older = re.search(r'href="(\?before=\d+)" data-testid="movements-older"', page)
        url = "/wallet/movements/" + older.group(1) if older else None
    # The same words and amounts as the wallet, newest first, each once: 13.00 down to 1.00.
    assert seen == [("Affiliate commission credited", f"+€{n}.00") for n in range(13, 0, -1)]
    assert _movements(wallet) == seen[:10]


def test_the_full_list_shows_only_the_signed_in_persons_movements(client, make_consumer, ops):
    ben, eve = make_consumer("Ben"), make_consumer("Eve")
    _commissions(eve, count=3, actor=ops, tag="eve")
    _commissions(ben, count=1, actor=ops, tag="ben")
    eves_newest = (
        Entry.objects.filter(account__owner_id=eve.pk, account__purpose=Purpose.USER_AVAILABLE)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    client.force_login(ben)
    for url in (
        "/wallet/movements/",
        f"/wallet/movements/?before={eves_newest}",
        f"/wallet/movements/?before={eves_newest + 1000}",
    ):
        page = client.get(url).content.decode()
        assert all(amount == "+€1.00" for _, amount in _movements(page)), url
    assert _movements(client.get("/wallet/movements/").content.decode()) == [
        ("Affiliate commission credited", "+€1.00")
    ]
    for hostile in ("abc", "-1", "1" * 40, "1e3", "%20", "²", "١٢"):
        assert client.get(f"/wallet/movements/?before={hostile}").status_code == 200
    client.logout()
    assert client.get("/wallet/movements/").status_code == 302  # to sign in
