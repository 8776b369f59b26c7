"""Deleting an account keeps the books: money in every state, then no personal field left anywhere."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation
from moneyed import Money
from rest_framework.test import APIClient

from accounts.models import User
from api.models import Scope
from api.services import api_key_create
from campaigns.models import ActionType
from merchants.models import Consent, ConsentField
from merchants.services import consent_give
from payouts.models import BankAccount, PayeeIdentity, Payout, PayoutState
from payouts.services import payout_request
from payouts.tests.conftest import add_bank_account, verify_identity
from privacy.selectors import FORFEIT, PAYOUT, deletion_plan_get
from privacy.services import DeletionRefused, account_delete
from rewards.models import Reward, RewardStatus
from rewards.services import action_record, rewards_settle_due
from sandbox.models import SandboxTikTokGrant, SandboxTikTokPersona
from social.models import TikTokProfile
from tikjoy.tests.factories import NOW, login_rule, owner_of, response_text
from tikjoy.tests.test_personal_data import _console_pages, _export_selected
from wallets.models import PLATFORM, Purpose, Transaction
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE, HANDLE = (
    "Zoe Deletable",
    "zoe.delete@consumer.example",
    "+491701112233",
    "zoe_secret_handle",
)
# What the law makes us keep of a person who was paid out (docs/privacy.md): the bank
# details and identity payouts were made with, and the name each payout was sent to.
RETAINED_COLUMNS = {
    ("payouts_bankaccount", "holder_name"),
    ("payouts_payeeidentity", "legal_name"),
    ("payouts_payout", "creditor_name"),
}


def eur(value) -> Money:
    return Money(Decimal(str(value)), "EUR")


def _balance(owner, purpose) -> Money:
    return balance(account_for(owner=owner, purpose=purpose, currency="EUR"))


def _zoe() -> User:
    zoe = User.objects.create_user(email=EMAIL, display_name=NAME, phone=PHONE, phone_verified=True)
    EmailAddress.objects.create(user=zoe, email=EMAIL, verified=True, primary=True)
    TikTokProfile.objects.create(
        user=zoe,
        open_id="zoe-open-id",
        username=HANDLE,
        display_name=NAME,
        avatar_url=f"https://p16.tiktokcdn.example/{HANDLE}.jpg",
    )
    app = SocialApp.objects.create(provider="tiktok", name="TikTok", client_id="k", secret="s")
    account = SocialAccount.objects.create(
        user=zoe, provider="tiktok", uid="zoe-open-id", extra_data={"username": HANDLE, "display_name": NAME}
    )
    SocialToken.objects.create(app=app, account=account, token="access-secret", token_secret="refresh-secret")
    return zoe


@pytest.fixture
def world(make_merchant, make_campaign, make_consumer, ops, settings):
    """Zoe with money in every state: available, in a payout, pending, held for review."""
    settings.PAYOUTS_MIN_AMOUNT = Decimal("1.00")
    alpha, beta, gamma = (make_merchant(slug, funds="100.00", ops=ops) for slug in ("alpha", "beta", "gamma"))
    earlier = NOW - timedelta(days=20)
    make_campaign(alpha, rules=[login_rule(amount=Decimal("5.00"))], now=earlier)
    make_campaign(beta, rules=[login_rule()], now=NOW)
    make_campaign(gamma, rules=[login_rule()], now=NOW)
    zoe = _zoe()
    # Available: a login at alpha twenty days ago, confirmed at the end of its hold.
    action_record(
        user=zoe,
        merchant=alpha,
        action_type=ActionType.TIKTOK_LOGIN,
        now=earlier,
        device_id="zoe-device",
        ip_address="203.0.113.9",
    )
    rewards_settle_due(now=NOW)
    consent_give(
        user=zoe, merchant=alpha, fields=[ConsentField.DISPLAY_NAME, ConsentField.TIKTOK_HANDLE], now=NOW
    )
    # Pending: a login at beta now. Held: a login at gamma from a device another person earned on.
    action_record(
        user=zoe, merchant=beta, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="zoe-device"
    )
    other = make_consumer("Other Person")
    action_record(
        user=other, merchant=gamma, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="shared"
    )
    action_record(user=zoe, merchant=gamma, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="shared")
    # In a payout: part of the available balance, requested to bank details past their hold.
    verify_identity(zoe, ops)
    add_bank_account(zoe, holder=NAME, now=NOW - timedelta(days=3))
    payout_request(user=zoe, amount=eur("1.00"), now=NOW)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "zoe": zoe, "owner": owner_of(alpha)}


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def _text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema()
              AND data_type IN ('character varying', 'text', 'jsonb', 'json', 'character')
            ORDER BY table_name, column_name
            """
        )
        return cursor.fetchall()


def _where_found(needles: list[str]) -> set[tuple[str, str, str]]:
    """Every (table, column, needle) whose text contains a needle (case-insensitive)."""
    found = set()
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            if table.startswith("sandbox_"):  # the fake TikTok/WhatsApp: the outside world's data, not ours
                continue
            for needle in needles:
                cursor.execute(
                    f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1',  # noqa: S608
                    [f"%{needle}%"],
                )
                if cursor.fetchone():
                    found.add((table, column, needle))
    return found


def test_a_plan_read_in_one_language_is_confirmed_in_another(world, tiktok_revokes):
    """Zoe reads what deletion does in German and confirms in Spanish: the same money, the same plan."""
    zoe = world["zoe"]
    with translation.override("de"):
        plan = deletion_plan_get(user=zoe, now=NOW)
        assert [r.status_label for r in plan.to_reverse] == ["Ausstehend", "In Prüfung"]
        confirmed = plan.fingerprint  # what the German page posts back
    with translation.override("es"):
        result = account_delete(user=zoe, confirmed=confirmed, now=NOW)
    assert result.tiktok_revoked == 1
    assert _balance(zoe, Purpose.USER_PENDING) == eur("0.00")
    call_command("ledger_check")
    call_command("rewards_check")


def test_deletion_pays_out_reverses_and_erases_keeping_the_books(world, client, tiktok_revokes):
    zoe, alpha, beta, gamma = world["zoe"], world["alpha"], world["beta"], world["gamma"]
    available_before = _balance(zoe, Purpose.USER_AVAILABLE)
    assert available_before > eur("1.00")  # the login at alpha paid more than the minimum, minus the payout
    assert _where_found([NAME, EMAIL, PHONE, HANDLE])  # the scan finds her before

    plan = deletion_plan_get(user=zoe, now=NOW)
    assert [(b.amount, b.fate) for b in plan.balances] == [(available_before, PAYOUT)]
    assert [(r.status_label, r.count) for r in plan.to_reverse] == [("Pending", 1), ("Held for review", 1)]
    assert [p.state for p in plan.payouts_in_flight] == [PayoutState.REQUESTED]
    client.force_login(zoe)
    page = " ".join(response_text(client.get(reverse("privacy:delete"))).split())
    # Typographic quotes, as the rest of the site writes them (the page wrote "account deleted").
    assert "goes back to the brands, with the reason “account deleted”." in page
    funds_beta, funds_gamma = (
        _balance(beta, Purpose.MERCHANT_AVAILABLE),
        _balance(gamma, Purpose.MERCHANT_AVAILABLE),
    )

    result = account_delete(user=zoe, confirmed=plan.fingerprint, now=NOW)

    # TikTok was asked to revoke her authorization.
    assert result.tiktok_revoked == 1
    revoke = next(r for r, _ in tiktok_revokes.log if r.path == "/v2/oauth/revoke/")
    assert revoke.form["token"] == "access-secret"
    # Available: paid out. In a payout: goes on. Pending and held: back to the merchants.
    assert result.paid_out == [available_before] and result.forfeited == []
    assert _balance(zoe, Purpose.USER_AVAILABLE) == eur("0.00")
    assert _balance(zoe, Purpose.USER_PENDING) == eur("0.00")
    assert _balance(zoe, Purpose.PAYOUT_PENDING) == eur("1.00") + available_before
    assert (
        sorted(Payout.objects.filter(requested_by=zoe).values_list("state", flat=True)) == ["REQUESTED"] * 2
    )
    for merchant, before in ((beta, funds_beta), (gamma, funds_gamma)):
        reward = Reward.objects.get(user=zoe, merchant=merchant)
        assert (reward.status, reward.reason) == (RewardStatus.REVERSED, "account deleted")
        assert _balance(merchant, Purpose.MERCHANT_AVAILABLE) == before + reward.price_money
    assert Reward.objects.get(user=zoe, merchant=alpha).status == RewardStatus.CONFIRMED
    call_command("ledger_check")
    call_command("rewards_check")

    # Personal data: none left outside the payout records the law makes us keep.
    zoe.refresh_from_db()
    assert (zoe.email, zoe.phone, zoe.display_name, zoe.is_active) == (None, None, "", False)
    assert not zoe.has_usable_password()
    assert str(zoe) == f"deleted person #{zoe.pk}"
    with translation.override("de"):  # an /ops/ page in German (the walk read it in English)
        assert str(zoe) == f"gelöschte Person #{zoe.pk}"
    assert not SocialToken.objects.exists() and not SocialAccount.objects.filter(user=zoe).exists()
    assert not Consent.objects.active().filter(user=zoe).exists()
    leftovers = _where_found([NAME, EMAIL, PHONE, HANDLE, "203.0.113.9", "zoe-device"])
    assert {(table, column) for table, column, _ in leftovers} <= RETAINED_COLUMNS, leftovers
    assert {needle for _, _, needle in leftovers} <= {NAME}

    # The merchant's console (every page, CSV export) and API show "deleted person", nothing of her.
    client.force_login(world["owner"])
    pages = [_body(client.get(url, follow=True)) for url in _console_pages(world)]
    seen = "\n".join(pages + _export_selected(client, world))
    assert "deleted person" in seen
    for secret in (NAME, EMAIL, PHONE, HANDLE):
        assert secret.lower() not in seen.lower()
    key = api_key_create(
        merchant=alpha,
        name="s",
        kind="SECRET",
        scope=Scope.READ,
        expires_at=None,
        actor=world["owner"],
        now=NOW,
    )[1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get(reverse("api:consumers")).json()["data"] == []


def test_a_balance_that_cannot_be_paid_out_is_forfeited_with_its_reason(make_merchant, make_campaign, ops):
    merchant = make_merchant("alpha", funds="100.00", ops=ops)
    make_campaign(merchant, rules=[login_rule()], now=NOW - timedelta(days=20))
    zoe = _zoe()
    action_record(
        user=zoe, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW - timedelta(days=20)
    )
    rewards_settle_due(now=NOW)
    available = _balance(zoe, Purpose.USER_AVAILABLE)
    revenue = balance(account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR"))

    plan = deletion_plan_get(user=zoe, now=NOW)
    assert [(b.amount, b.fate, b.why) for b in plan.balances] == [
        (available, FORFEIT, "it is below the smallest payout (€10.00)")
    ]
    result = account_delete(user=zoe, confirmed=plan.fingerprint, now=NOW)

    assert result.forfeited == [available]
    forfeit = Transaction.objects.get(kind="BALANCE_FORFEITED")
    assert forfeit.reason == "Balance forfeited, account deleted: it is below the smallest payout (€10.00)"
    assert _balance(zoe, Purpose.USER_AVAILABLE) == eur("0.00")
    assert (
        balance(account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR"))
        == revenue + available
    )
    call_command("ledger_check")
    call_command("rewards_check")


def test_deletion_is_refused_when_the_money_changed_since_the_page_was_read(
    make_merchant, make_campaign, ops
):
    merchant = make_merchant("alpha", funds="100.00", ops=ops)
    make_campaign(merchant, rules=[login_rule()], now=NOW)
    zoe = _zoe()
    plan = deletion_plan_get(user=zoe, now=NOW)
    action_record(user=zoe, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    with pytest.raises(DeletionRefused, match="Your money changed"):
        account_delete(user=zoe, confirmed=plan.fingerprint, now=NOW)
    zoe.refresh_from_db()
    assert zoe.deleted_at is None and zoe.email == EMAIL


def test_a_merchant_team_member_cannot_delete_their_account_here(make_merchant):
    merchant = make_merchant("alpha")
    plan = deletion_plan_get(user=owner_of(merchant), now=NOW)
    assert plan.refusal.startswith("You are on the team of Alpha.")
    with pytest.raises(DeletionRefused, match="team of Alpha"):
        account_delete(user=owner_of(merchant), confirmed=plan.fingerprint, now=NOW)


def test_the_sandbox_tiktok_revokes_a_grant(client, settings):
    persona = SandboxTikTokPersona.objects.create(
        open_id="p-1", username="sandy", display_name="Sandy", base_followers=10
    )
    grant = SandboxTikTokGrant.objects.create(
        persona=persona,
        code="c-1",
        scope="user.info.basic",
        access_token="act.1",
        access_expires_at=NOW + timedelta(days=1),
        refresh_token="rft.1",
    )
    form = {"client_key": settings.TIKTOK_CLIENT_KEY, "client_secret": settings.TIKTOK_CLIENT_SECRET}

    unknown = client.post("/sandbox/tiktok/open-api/v2/oauth/revoke/", {**form, "token": "act.unknown"})
    revoked = client.post("/sandbox/tiktok/open-api/v2/oauth/revoke/", {**form, "token": "act.1"})

    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_request"
    assert revoked.status_code == 200
    grant.refresh_from_db()
    assert grant.revoked


def test_bank_details_and_identity_no_payout_used_are_deleted(ops):
    zoe = _zoe()
    verify_identity(zoe, ops)
    add_bank_account(zoe, holder=NAME, now=NOW - timedelta(days=3))
    plan = deletion_plan_get(user=zoe, now=NOW)

    result = account_delete(user=zoe, confirmed=plan.fingerprint, now=NOW)

    assert (result.erased["bank_accounts"], result.erased["identities"]) == (1, 1)
    assert not BankAccount.objects.filter(user=zoe).exists()
    assert not PayeeIdentity.objects.filter(user=zoe).exists()
    assert not _where_found([NAME, EMAIL, PHONE, HANDLE])
