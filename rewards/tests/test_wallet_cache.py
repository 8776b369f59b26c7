"""The wallet is kept rendered while what it shows is unchanged (``rewards.wallet_page``): every
kind of change shows on the very next request, time passing included, and never another person's.

Each test first opens the wallet (so a copy is kept), changes something, then opens it again and
checks what the person reads, and that the page served is the page built afresh from the database
(``_served_is_fresh``: the same HTML but for the CSRF tokens)."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal
from html import unescape
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from accounts.services import user_ensure_with_email, user_locale_set
from campaigns.models import ActionType
from merchants.models import ConsentField, Merchant
from merchants.services import consent_give
from payouts import sandbox_bank
from payouts import services as payouts
from payouts.models import PayoutState
from payouts.tests.conftest import LATER, add_bank_account, fund, verify_identity
from rewards import selectors
from rewards.services import action_record, reward_reverse, rewards_settle_due
from rewards.tests.conftest import NOW, eur, login_rule
from rewards.tests.test_wallet import ana_wallet, shown  # noqa: F401 - the fixture
from wallets.formats import money_text

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def _html(client, path: str = "/wallet/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _served_is_fresh(client) -> str:
    """The page served now (kept or built), checked against the page built afresh; its text."""
    served = _html(client)
    json_served = _html(client, "/wallet/summary.json")
    cache.clear()
    assert CSRF.sub("", served) == CSRF.sub("", _html(client))
    assert json_served == _html(client, "/wallet/summary.json")
    return _text(served)


def _warm(client) -> None:
    """Open the wallet and its JSON twice: the second time they come from the cache."""
    for _ in range(2):
        _html(client)
        _html(client, "/wallet/summary.json")


def test_a_second_visit_costs_three_queries_and_gets_a_csrf_token_that_works(
    ana_wallet,  # noqa: F811
    django_assert_num_queries,
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ana_wallet)
    first = _html(client)
    with django_assert_num_queries(2):  # the session with its person, the fingerprint
        again = _html(client)
    assert CSRF.sub("", first) == CSRF.sub("", again)
    tokens = set(CSRF.findall(again))
    assert len(tokens) == 1 and "wallet-csrf" not in again  # the sign-out and the language forms

    # The kept page's token is the person's: the language form posts with it.
    response = client.post(
        "/i18n/language/", {"language": "it", "next": "/wallet/", "csrfmiddlewaretoken": tokens.pop()}
    )
    assert response.status_code == 302
    assert "Il tuo portafoglio" in _html(client)


def test_the_summary_from_the_cache_costs_three_queries(client, ana_wallet, django_assert_num_queries):  # noqa: F811
    client.force_login(ana_wallet)
    first = client.get("/wallet/summary.json").json()
    with django_assert_num_queries(2):
        again = client.get("/wallet/summary.json")
    assert again.json() == first
    assert again["Content-Type"] == "application/json"
    assert "no-store" in again["Cache-Control"]


def test_a_new_reward_shows_on_the_very_next_request(client, ana_wallet, make_merchant, make_campaign):  # noqa: F811
    client.force_login(ana_wallet)
    _warm(client)
    cosmo = make_merchant("cosmo")
    make_campaign(cosmo, rules=[login_rule(amount=Decimal("1.00"))])

    action_record(user=ana_wallet, merchant=cosmo, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    text = _served_is_fresh(client)
    assert "Cosmo" in text[text.index("History") :]
    summary = client.get("/wallet/summary.json").json()
    assert summary["counts"]["PENDING"] == 2
    assert summary["history"][0]["brand"] == "Cosmo"


def test_a_hold_ending_reads_being_checked_now_without_any_write_then_available_once_settled(
    client,
    make_merchant,
    make_campaign,
    make_consumer,
):
    merchant = make_merchant("acme")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.50"))], hold_days=3)
    ana = make_consumer("Ana")
    reward = action_record(
        user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
    ).rewards.get()
    client.force_login(ana)
    before, hold_ended = reward.available_at - timedelta(days=1), reward.available_at + timedelta(minutes=1)

    with mock.patch("django.utils.timezone.now", return_value=before):
        _warm(client)
        assert "Being checked now" not in _text(_html(client))
        assert client.get("/wallet/summary.json").json()["next_availability"]["due"] is False
    with mock.patch("django.utils.timezone.now", return_value=hold_ended):  # no write: only time passed
        text = _served_is_fresh(client)
        assert "Being checked now" in text
        assert client.get("/wallet/summary.json").json()["next_availability"]["due"] is True

        rewards_settle_due(now=hold_ended)

        html = _html(client)
        assert f'data-figure="available-EUR">{money_text(reward.user_money)}<' in html
        assert "Being checked now" not in _text(html)
        assert client.get("/wallet/summary.json").json()["counts"]["CONFIRMED"] == 1


def test_a_reversal_shows_on_the_very_next_request(client, ana_wallet, ops):  # noqa: F811
    client.force_login(ana_wallet)
    _warm(client)
    pending = ana_wallet.rewards.get(status="PENDING")

    reward_reverse(
        reward_id=pending.pk, reason="The post was taken down", actor=ops, now=NOW + timedelta(hours=3)
    )

    text = _served_is_fresh(client)
    assert "reversed: The post was taken down" in text
    assert f"Pending {shown('0.00')}" in text
    assert client.get("/wallet/summary.json").json()["counts"]["REVERSED"] == 2


def _bank_answers(batch, *, give_back=None) -> None:
    answer = sandbox_bank.BankAnswer(give_back=give_back or {})
    listed = list(batch.payouts.order_by("pk"))
    for raw, name in (
        (sandbox_bank.pain002_answer(batch=batch, payouts=listed, answer=answer, now=LATER), "status.xml"),
        (sandbox_bank.camt054_answer(batch=batch, payouts=listed, answer=answer, now=LATER), "notice.xml"),
    ):
        payouts.bank_file_import(raw=raw, name=name, actor=None, now=LATER)


def _paid_out(payout, *, ops, ops2, give_back: bool = False) -> None:
    payouts.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = payouts.batch_build(actor=ops, now=LATER)
    batch = payouts.batch_release(batch_id=batch.pk, actor=ops2, now=LATER)
    _bank_answers(batch, give_back={payout.end_to_end_id: "AC01"} if give_back else None)
    payout.refresh_from_db()


def test_a_payout_requested_paid_and_returned_shows_on_the_very_next_request(client, make_consumer, ops):
    ops2, _ = user_ensure_with_email(
        email="ops2@tikjoy.example", password="a-long-pass-phrase-42", is_staff=True
    )
    ana = make_consumer("Ana")
    fund(ana, "50.00")
    verify_identity(ana, ops)
    client.force_login(ana)
    _warm(client)

    add_bank_account(ana)  # bank details are not on the wallet: the page stays as it was
    assert f"Available {shown('50.00')}" in _served_is_fresh(client)

    first = payouts.payout_request(user=ana, amount=eur("20.00"), now=LATER)
    assert f"Available {shown('30.00')}" in _served_is_fresh(client)
    assert client.get("/wallet/summary.json").json()["balances"]["EUR"]["available"] == "30.00"

    _paid_out(first, ops=ops, ops2=ops2)
    assert first.state == PayoutState.PAID
    assert f"Available {shown('30.00')}" in _served_is_fresh(client)  # paid: the wallet had said so

    second = payouts.payout_request(user=ana, amount=eur("10.00"), now=LATER)
    assert f"Available {shown('20.00')}" in _served_is_fresh(client)
    _paid_out(second, ops=ops, ops2=ops2, give_back=True)
    assert second.state == PayoutState.RETURNED
    assert f"Available {shown('30.00')}" in _served_is_fresh(client)


def test_a_withdrawn_consent_and_its_message_show_once_and_the_message_is_never_kept(client, ana_wallet):  # noqa: F811
    acme = Merchant.objects.get(slug="acme")
    consent_give(user=ana_wallet, merchant=acme, fields=[ConsentField.DISPLAY_NAME], now=timezone.now())
    client.force_login(ana_wallet)
    _warm(client)
    assert "Stop sharing my data with Acme" in _text(_html(client))

    response = client.post("/b/acme/consent/withdraw/", {"next": "/wallet/"})
    assert response.status_code == 302

    flashed = _text(_html(client))  # the message waiting: built as always, shown once
    assert "Acme no longer receives your data" in flashed
    assert "Stop sharing my data with Acme" not in flashed
    after = _served_is_fresh(client)
    assert "Acme no longer receives your data" not in after
    assert "You share your data with no brand." in after


def test_a_language_and_a_time_zone_saved_show_on_the_very_next_request(client, ana_wallet):  # noqa: F811
    client.force_login(ana_wallet)
    _warm(client)

    user_locale_set(user=ana_wallet, language="de")

    text = _served_is_fresh(client)
    assert "Dein Wallet" in text and "Your wallet" not in text
    assert "22.11.2026" in text and "23.11.2026" not in text  # rewards earned at noon UTC

    user_locale_set(user=ana_wallet, time_zone="Pacific/Kiritimati")  # UTC+14: the next day already

    text = _served_is_fresh(client)
    assert "23.11.2026" in text and "22.11.2026" not in text


def test_each_browser_language_gets_its_own_copy(client, ana_wallet):  # noqa: F811
    client.force_login(ana_wallet)  # no language saved: the browser's counts (docs/i18n.md)

    for _ in range(2):
        assert "Your wallet" in _text(_html(client))
        italian = client.get("/wallet/", headers={"Accept-Language": "it"}).content.decode()
        assert "Il tuo portafoglio" in italian
        english = client.get("/wallet/summary.json").json()["history"][0]["status_label"]
        italian = client.get("/wallet/summary.json", headers={"Accept-Language": "it"}).json()["history"][0]
        assert english in ("Pending", "Available", "Under review", "Reversed")
        assert italian["status_label"] != english


def test_a_brand_renamed_by_a_bulk_update_shows_on_the_very_next_request(client, ana_wallet):  # noqa: F811
    client.force_login(ana_wallet)
    _warm(client)

    Merchant.objects.filter(slug="bravo").update(brand_name="Bravissimo")

    assert "Bravissimo" in _served_is_fresh(client)


def test_a_waiting_reward_turns_into_not_paid_when_its_deadline_passes_without_any_write(
    client,
    make_merchant,
    make_campaign,
    make_consumer,
):
    merchant = make_merchant(funds="1.00")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.60"))])
    ana, ben = make_consumer("Ana"), make_consumer("Ben")
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    action_record(user=ben, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)  # unfunded
    client.force_login(ben)
    deadline = NOW + timedelta(days=7)

    with mock.patch("django.utils.timezone.now", return_value=deadline - timedelta(minutes=1)):
        _warm(client)
        assert "Waiting: Acme's wallet is empty" in _text(_html(client))
    with mock.patch("django.utils.timezone.now", return_value=deadline):
        text = _served_is_fresh(client)
        assert "Not paid: Acme's wallet was empty" in text
        assert client.get("/wallet/summary.json").json()["waiting"][0]["expired"] is True


def test_two_people_never_get_each_others_wallet(client, ana_wallet, make_consumer):  # noqa: F811
    ben = make_consumer("Ben Nevis")
    client.force_login(ana_wallet)
    _warm(client)
    other = Client()
    other.force_login(ben)

    for _ in range(2):
        page = _text(_html(other))
        summary = other.get("/wallet/summary.json").json()
        assert "Ben Nevis" in page and "Ana" not in page and "Nothing here yet" in page
        assert summary["history"] == [] and summary["balances"] == {}
    assert "Signed in as Ana" in _text(_html(client))


@pytest.mark.django_db(transaction=True)
def test_a_page_is_built_from_one_snapshot_so_money_arriving_meanwhile_shows_on_the_next_request(
    client, make_consumer, monkeypatch
):
    ana = make_consumer("Ana")
    fund(ana, "10.00")
    client.force_login(ana)
    read_balances = selectors.wallet_money_get
    paid = []

    def balances_read_after_a_payment_committed(*, user):
        if not paid:  # the page's other reads are done: 5.00 more arrives, committed elsewhere
            paid.append(True)

            def pay():
                try:
                    fund(ana, "5.00")
                finally:
                    connection.close()

            thread = threading.Thread(target=pay)
            thread.start()
            thread.join()
        return read_balances(user=user)

    monkeypatch.setattr(selectors, "wallet_money_get", balances_read_after_a_payment_committed)

    # Built in the snapshot its key was computed in: the state before the payment, whole.
    assert f"Available {shown('10.00')}" in _text(_html(client))
    assert paid
    assert f"Available {shown('15.00')}" in _text(_html(client))


class _DownCache(LocMemCache):
    """A cache that is down: every call fails."""

    def get(self, *args, **kwargs):
        raise ConnectionError("cache down")

    def set(self, *args, **kwargs):
        raise ConnectionError("cache down")


@override_settings(
    CACHES={"default": {"BACKEND": "rewards.tests.test_wallet_cache._DownCache", "LOCATION": "down"}}
)
def test_a_cache_that_is_down_costs_a_build_not_an_error(client, ana_wallet):  # noqa: F811
    client.force_login(ana_wallet)

    for _ in range(2):
        assert "Views bought from a click farm" in _text(_html(client))
        assert client.get("/wallet/summary.json").json()["counts"]["HELD"] == 1


def test_the_summary_is_kept_through_what_only_the_page_shows_and_both_stay_fresh(client, ana_wallet):  # noqa: F811
    """The JSON's fingerprint reads only what the JSON shows: an e-mail address (how the person is
    told, on the page only) builds the page again and leaves the JSON as it was kept."""
    from allauth.account.models import EmailAddress

    from rewards import wallet_page

    client.force_login(ana_wallet)
    _warm(client)
    keys = {
        kind: wallet_page.wallet_key(user=ana_wallet, kind=kind, now=timezone.now())
        for kind in ("page", "json")
    }

    EmailAddress.objects.create(user=ana_wallet, email="ana.new@example.com", verified=True, primary=False)

    after = {
        kind: wallet_page.wallet_key(user=ana_wallet, kind=kind, now=timezone.now())
        for kind in ("page", "json")
    }
    assert after["page"] != keys["page"] and after["json"] == keys["json"]
    _served_is_fresh(client)
