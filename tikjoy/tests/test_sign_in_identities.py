"""A sign-in identity that leaves an account keeps its brand's sign-in reward paid once (docs/rewards.md,
"Paid once per person, also across a deletion"): a TikTok account disconnected (allauth's
``/accounts/3rdparty/``) or replaced on the TikTok profile by another one, then signed in with on a new
TikJoy account, is not paid the sign-in reward again by a brand that paid it already; a WhatsApp number
can't leave a living account at all. Through the real pages, against a local server speaking TikTok's
and WhatsApp's wire formats."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from moneyed import Money

from accounts.models import User
from campaigns.models import ActionType
from merchants.models import ConsentField
from merchants.services import consent_give
from merchants.wallet import merchant_top_up_record
from payouts.tests.conftest import add_bank_account, verify_identity
from privacy.selectors import deletion_plan_get
from privacy.services import account_delete
from rewards.models import ActionStatus, RewardedSignIn, RewardStatus, SocialAction
from rewards.reasons import REWARD_REASON_TIKTOK_DISCONNECTED, Reason
from rewards.selectors import wallet_balances_get
from rewards.services import (
    action_record,
    reward_reverse,
    reward_settle,
    rewards_settle_due,
    unfunded_actions_retry,
)
from social.identity_digests import identity_digest
from social.models import TikTokProfile
from social.services import tiktok_identity_disconnect
from social.tests.conftest import body_json, ok, tiktok_api, token_json, whatsapp_api  # noqa: F401 - fixtures
from tikjoy.tests.factories import NOW, login_rule, sign_in_brands

pytestmark = pytest.mark.django_db

X, Y, PHONE = "open-x", "open-y", "+491701234567"
EARLIER = NOW - timedelta(days=20)
REFUSED = "Not paid: this TikTok account or phone number was already rewarded for signing in with %s."


@pytest.fixture
def brands(make_merchant, make_campaign, ops):
    """Two brands paying the sign-in by TikTok and by WhatsApp, live since twenty days ago."""
    return sign_in_brands(make_merchant, make_campaign, ops=ops, since=EARLIER)


def _tiktok(client, tiktok_api, *, open_id: str, connect: bool):  # noqa: F811 - the fixture, passed on
    """TikTok's OAuth round trip: connecting ``open_id`` to the signed-in account, or signing in with it."""
    start = client.post("/accounts/tiktok/login/", {"process": "connect"} if connect else {})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
        token_json(access=f"act.{open_id}", open_id=open_id)
    )
    tiktok_api.expect_oneshot_request("/v2/user/info/").respond_with_json(
        ok({"user": {"open_id": open_id, "display_name": "Zoe", "username": f"zoe.{open_id}"}})
    )
    return client.get("/accounts/tiktok/login/callback/", {"code": "c", "state": state})


def _zoe(client, tiktok_api) -> User:  # noqa: F811
    """Zoe signs up with e-mail and password (so allauth lets her disconnect TikTok) and connects TikTok X."""
    zoe = User.objects.create_user(email="zoe@example.com", password="pw-Zoe-2026!", display_name="Zoe")
    EmailAddress.objects.create(user=zoe, email=zoe.email, verified=True, primary=True)
    client.force_login(zoe)
    assert _tiktok(client, tiktok_api, open_id=X, connect=True)["Location"] == "/me/"
    assert SocialAccount.objects.get(user=zoe).uid == X
    return zoe


def _join(client, person: User, merchant) -> str:
    """The signed-in person joins the brand on its page (consent given); the page they land on, in English."""
    consent_give(user=person, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=timezone.now())
    with translation.override("en"):
        response = client.get(f"/b/{merchant.slug}/join/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def _disconnect(client, person: User) -> None:
    """allauth's Connected accounts page, /accounts/3rdparty/: the person removes their TikTok account."""
    account = SocialAccount.objects.get(user=person, provider="tiktok")
    response = client.post("/accounts/3rdparty/", {"account": account.pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.filter(user=person).exists()


def _refused(page: str, person: User, merchant) -> None:
    assert not person.rewards.filter(merchant=merchant).exists()  # no second sign-in reward for X
    assert REFUSED % merchant.brand_name in page  # told on the wallet they land on
    action = SocialAction.objects.get(user=person, merchant=merchant)
    assert (action.action_type, action.status, action.reason) == (
        ActionType.TIKTOK_LOGIN,
        ActionStatus.INELIGIBLE,
        Reason.REWARDED_BEFORE,
    )


@pytest.mark.parametrize("settled", [True, False], ids=["confirmed", "pending"])
def test_a_tiktok_account_disconnected_and_replaced_is_not_paid_again_on_a_new_account(
    brands,
    client,
    tiktok_api,  # noqa: F811
    settled,
):
    alpha, beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    if settled:
        rewards_settle_due(now=timezone.now() + timedelta(days=60))
    reward = zoe.rewards.get(merchant=alpha)
    assert reward.status == (RewardStatus.CONFIRMED if settled else RewardStatus.PENDING)
    _disconnect(client, zoe)
    # She connects another TikTok account: her profile's open id becomes Y, X is no longer hers.
    assert _tiktok(client, tiktok_api, open_id=Y, connect=True)["Location"] == "/me/"
    assert TikTokProfile.objects.get(user=zoe).open_id == Y
    client.logout()

    # Someone (she, again) signs in with X: a new TikJoy account, which joins the brand that paid X.
    assert _tiktok(client, tiktok_api, open_id=X, connect=False)["Location"] == "/wallet/"
    again = SocialAccount.objects.get(uid=X).user
    assert again != zoe
    _refused(_join(client, again, alpha), again, alpha)

    # Another brand, that never paid X, pays it as anyone's.
    assert REFUSED % beta.brand_name not in _join(client, again, beta)
    assert again.rewards.get(merchant=beta).status == RewardStatus.PENDING
    # Zoe keeps what she had.
    reward.refresh_from_db()
    assert reward.status == (RewardStatus.CONFIRMED if settled else RewardStatus.PENDING)
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_sign_in_waiting_for_the_brands_money_keeps_its_tiktok_account_paid_once(
    make_merchant,
    make_campaign,
    ops,
    client,
    tiktok_api,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """Zoe's sign-in at Gamma is refused for lack of funds (UNFUNDED: a top-up pays it later, to her
    account). She disconnects TikTok X and connects Y; a new account signs in with X and joins Gamma.
    When Gamma tops up, Zoe is paid and the new account is not: X was kept at the disconnect for the
    brand whose sign-in still waited for money, not only for brands that had paid already."""
    gamma = make_merchant("gamma", funds="1.00", ops=ops)
    make_campaign(gamma, rules=[login_rule(amount=Decimal("0.60"))], now=EARLIER)
    ana = User.objects.create_user(display_name="Ana")  # takes 0.60 of the 1.00: 0.40 left
    first = action_record(user=ana, merchant=gamma, action_type=ActionType.TIKTOK_LOGIN, now=timezone.now())
    assert first.status == ActionStatus.REWARDED
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, gamma)
    assert SocialAction.objects.get(user=zoe, merchant=gamma).status == ActionStatus.UNFUNDED
    _disconnect(client, zoe)
    assert RewardedSignIn.objects.filter(
        merchant=gamma, digest=identity_digest(merchant_id=gamma.pk, identity=f"tiktok:{X}")
    ).exists()
    assert _tiktok(client, tiktok_api, open_id=Y, connect=True)["Location"] == "/me/"
    client.logout()
    assert _tiktok(client, tiktok_api, open_id=X, connect=False)["Location"] == "/wallet/"
    again = SocialAccount.objects.get(uid=X).user
    _join(client, again, gamma)

    with django_capture_on_commit_callbacks(execute=True):
        merchant_top_up_record(
            merchant=gamma,
            amount=Money(Decimal("50.00"), "EUR"),
            bank_reference="GAMMA-1",
            value_date=timezone.localdate(),
            actor=ops,
            now=timezone.now(),
        )
    unfunded_actions_retry(merchant_id=gamma.pk, now=timezone.now())

    assert zoe.rewards.get(merchant=gamma).status == RewardStatus.PENDING  # hers, paid by the top-up
    assert not again.rewards.filter(merchant=gamma).exists()
    action = SocialAction.objects.get(user=again, merchant=gamma)
    assert (action.status, action.reason) == (ActionStatus.INELIGIBLE, Reason.REWARDED_BEFORE)
    call_command("ledger_check")
    call_command("rewards_check")


@pytest.mark.parametrize("outcome", ["reversed by ops", "reversed at the end of the hold", "confirmed"])
def test_a_tiktok_account_disconnected_with_a_pending_reward_is_paid_again_only_when_that_reward_is_reversed(
    brands,
    client,
    ops,
    tiktok_api,  # noqa: F811
    outcome,
):
    """Zoe disconnects X while Alpha's sign-in reward is still pending: X is kept for Alpha. When that
    reward is reversed after all (by ops, or at the end of its hold because she removed TikJoy's access
    in TikTok), Alpha never paid X: a new account signing in with it is paid, not told X was rewarded
    before. When it confirms, X stays refused at Alpha."""
    alpha, _beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    reward = zoe.rewards.get(merchant=alpha)
    assert reward.status == RewardStatus.PENDING
    if outcome == "reversed at the end of the hold":
        tiktok_identity_disconnect(
            open_id=X, reason=TikTokProfile.DisconnectReason.REVOKED_BY_USER, now=timezone.now()
        )
    _disconnect(client, zoe)
    assert RewardedSignIn.objects.filter(merchant=alpha).count() == 1  # X, kept for her pending reward
    if outcome == "reversed by ops":
        reward_reverse(reward_id=reward.pk, reason="Fake engagement", actor=ops, now=timezone.now())
    else:
        rewards_settle_due(now=timezone.now() + timedelta(days=60))
    reward.refresh_from_db()
    assert reward.status == (RewardStatus.CONFIRMED if outcome == "confirmed" else RewardStatus.REVERSED)
    client.logout()

    assert _tiktok(client, tiktok_api, open_id=X, connect=False)["Location"] == "/wallet/"
    again = SocialAccount.objects.get(uid=X).user
    assert again != zoe
    page = _join(client, again, alpha)

    if outcome == "confirmed":
        _refused(page, again, alpha)
    else:
        assert REFUSED % alpha.brand_name not in page
        assert again.rewards.get(merchant=alpha).status == RewardStatus.PENDING  # paid, as anyone new
        assert not RewardedSignIn.objects.filter(merchant=alpha).exists()
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_reversed_reward_takes_every_identity_kept_for_it_and_only_those(
    brands,
    client,
    ops,
    tiktok_api,  # noqa: F811
):
    """Zoe's pending rewards from Alpha and Beta; ops removed X and she connects Y in its place, then
    disconnects Y: both are kept for both brands. Ops reverse Alpha's reward: X and Y are no longer kept for Alpha (a new account
    signing in with Y there is paid), still for Beta, whose reward she keeps (refused there)."""
    alpha, beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    _join(client, zoe, beta)
    assert sorted(zoe.rewards.values_list("merchant_id", "status")) == [
        (alpha.pk, RewardStatus.PENDING),
        (beta.pk, RewardStatus.PENDING),
    ]
    SocialAccount.objects.filter(user=zoe).delete()  # removed by ops: no digest, her profile holds X
    assert _tiktok(client, tiktok_api, open_id=Y, connect=True)["Location"] == "/me/"  # X is kept
    _disconnect(client, zoe)  # Y is kept
    digests = {
        (m.pk, identity_digest(merchant_id=m.pk, identity=f"tiktok:{uid}")) for m in brands for uid in (X, Y)
    }
    assert set(RewardedSignIn.objects.values_list("merchant_id", "digest")) == digests

    reward_reverse(
        reward_id=zoe.rewards.get(merchant=alpha).pk, reason="Fake engagement", actor=ops, now=timezone.now()
    )

    assert set(RewardedSignIn.objects.values_list("merchant_id", "digest")) == {
        (merchant_id, digest) for merchant_id, digest in digests if merchant_id == beta.pk
    }
    client.logout()
    assert _tiktok(client, tiktok_api, open_id=Y, connect=False)["Location"] == "/wallet/"
    again = SocialAccount.objects.get(uid=Y).user
    assert again != zoe
    assert REFUSED % alpha.brand_name not in _join(client, again, alpha)
    assert again.rewards.get(merchant=alpha).status == RewardStatus.PENDING
    _refused(_join(client, again, beta), again, beta)
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_tiktok_account_kept_for_two_accounts_sign_ins_stays_while_one_of_them_is_not_reversed(
    brands,
    client,
    ops,
    tiktok_api,  # noqa: F811
):
    """Zoe disconnects X while Alpha's sign-in reward is pending: X is kept for it. Wanda, whom Alpha
    paid for signing in with WhatsApp, then connects X and disconnects it: X leaves an account Alpha
    paid, so it is kept for her reward too. Ops reverse Zoe's reward: Wanda's still stands, so a new
    account signing in with X at Alpha is still refused (not paid a second time)."""
    alpha, _beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    _disconnect(client, zoe)  # X kept for Zoe's pending sign-in at Alpha
    client.logout()
    wanda = User.objects.create_user(
        email="wanda@example.com", password="pw-Wanda-2026!", display_name="Wanda"
    )
    EmailAddress.objects.create(user=wanda, email=wanda.email, verified=True, primary=True)
    action_record(user=wanda, merchant=alpha, action_type=ActionType.WHATSAPP_LOGIN, now=timezone.now())
    assert wanda.rewards.get(merchant=alpha).status == RewardStatus.PENDING
    client.force_login(wanda)
    assert _tiktok(client, tiktok_api, open_id=X, connect=True)["Location"] == "/me/"
    _disconnect(client, wanda)  # X leaves an account Alpha paid
    client.logout()

    reward_reverse(
        reward_id=zoe.rewards.get(merchant=alpha).pk, reason="Fake engagement", actor=ops, now=timezone.now()
    )

    assert wanda.rewards.get(merchant=alpha).status == RewardStatus.PENDING
    assert _tiktok(client, tiktok_api, open_id=X, connect=False)["Location"] == "/wallet/"
    again = SocialAccount.objects.get(uid=X).user
    assert again not in (zoe, wanda)
    _refused(_join(client, again, alpha), again, alpha)
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_tiktok_account_kept_at_a_deletion_stays_when_another_accounts_reward_it_stood_for_is_reversed(
    brands,
    client,
    ops,
    tiktok_api,  # noqa: F811
):
    """Zoe disconnects X while Alpha's sign-in reward is pending: X is kept for it. Wanda, whom Alpha
    paid for signing in with WhatsApp (confirmed), connects X and deletes her account: X is kept for
    Alpha for her. Ops then reverse Zoe's reward: Wanda's confirmed reward still stands for X, so a new
    account signing in with X at Alpha is refused."""
    alpha, _beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    _disconnect(client, zoe)
    client.logout()
    wanda = User.objects.create_user(
        email="wanda@example.com", password="pw-Wanda-2026!", display_name="Wanda"
    )
    EmailAddress.objects.create(user=wanda, email=wanda.email, verified=True, primary=True)
    action_record(user=wanda, merchant=alpha, action_type=ActionType.WHATSAPP_LOGIN, now=timezone.now())
    client.force_login(wanda)
    assert _tiktok(client, tiktok_api, open_id=X, connect=True)["Location"] == "/me/"
    client.logout()
    reward_settle(reward_id=wanda.rewards.get(merchant=alpha).pk, now=timezone.now() + timedelta(days=60))
    assert wanda.rewards.get(merchant=alpha).status == RewardStatus.CONFIRMED
    verify_identity(wanda, ops)
    add_bank_account(wanda, holder="Wanda", now=timezone.now() - timedelta(days=3))
    plan = deletion_plan_get(user=wanda, now=timezone.now())
    account_delete(user=wanda, confirmed=plan.fingerprint, now=timezone.now())  # X kept for Alpha

    reward_reverse(
        reward_id=zoe.rewards.get(merchant=alpha).pk, reason="Fake engagement", actor=ops, now=timezone.now()
    )

    assert _tiktok(client, tiktok_api, open_id=X, connect=False)["Location"] == "/wallet/"
    again = SocialAccount.objects.get(uid=X).user
    assert again not in (zoe, wanda)
    _refused(_join(client, again, alpha), again, alpha)


def test_a_deleted_persons_kept_tiktok_account_no_longer_says_whose_sign_ins_it_stood_for(
    brands,
    client,
    ops,
    tiktok_api,  # noqa: F811
):
    """Zoe disconnects X while Alpha's and Beta's rewards are pending: X is kept for both, each row
    standing for her sign-in there. They confirm, and she deletes her account: X stays refused at both,
    but its rows no longer point at her sign-ins, so a deleted person's rows at two brands can't be
    linked to each other (docs/privacy.md)."""
    alpha, beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    _join(client, zoe, beta)
    _disconnect(client, zoe)
    assert list(RewardedSignIn.objects.values_list("action__user", flat=True)) == [zoe.pk, zoe.pk]
    rewards_settle_due(now=timezone.now() + timedelta(days=60))
    verify_identity(zoe, ops)
    add_bank_account(zoe, holder="Zoe", now=timezone.now() - timedelta(days=3))
    plan = deletion_plan_get(user=zoe, now=timezone.now())
    account_delete(user=zoe, confirmed=plan.fingerprint, now=timezone.now())

    assert RewardedSignIn.objects.count() == 2
    assert not RewardedSignIn.objects.filter(action__isnull=False).exists()
    client.logout()
    assert _tiktok(client, tiktok_api, open_id=X, connect=False)["Location"] == "/wallet/"
    again = SocialAccount.objects.get(uid=X).user
    _refused(_join(client, again, alpha), again, alpha)
    call_command("ledger_check")
    call_command("rewards_check")


def test_disconnecting_keeps_the_digest_for_the_brand_that_paid_the_account_only(
    brands,
    client,
    tiktok_api,  # noqa: F811
):
    alpha, _beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)  # pending
    assert not RewardedSignIn.objects.exists()

    _disconnect(client, zoe)

    assert set(RewardedSignIn.objects.values_list("merchant_id", "digest")) == {
        (alpha.pk, identity_digest(merchant_id=alpha.pk, identity=f"tiktok:{X}"))
    }


def test_a_tiktok_account_replaced_on_the_profile_keeps_its_digest(
    brands,
    client,
    tiktok_api,  # noqa: F811
):
    """Her TikTok account X went without its digest being kept (disconnected before that was done, or
    removed by ops in /ops/): her profile still holds X, and when she connects Y the profile's X is kept."""
    alpha, _beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    SocialAccount.objects.filter(user=zoe).delete()  # no digest kept
    assert TikTokProfile.objects.get(user=zoe).open_id == X

    assert _tiktok(client, tiktok_api, open_id=Y, connect=True)["Location"] == "/me/"
    assert TikTokProfile.objects.get(user=zoe).open_id == Y
    client.logout()
    assert _tiktok(client, tiktok_api, open_id=X, connect=False)["Location"] == "/wallet/"
    again = SocialAccount.objects.get(uid=X).user

    _refused(_join(client, again, alpha), again, alpha)
    call_command("ledger_check")
    call_command("rewards_check")


def _wallet(person: User) -> tuple:
    """What the person's wallet holds: balances per currency, and each reward with its brand, amount and status."""
    return (
        [(b.currency, b.pending.amount, b.available.amount) for b in wallet_balances_get(user=person)],
        sorted(person.rewards.values_list("pk", "merchant_id", "user_amount", "status")),
    )


@pytest.mark.parametrize("settled", [True, False], ids=["confirmed", "pending"])
def test_a_tiktok_account_disconnected_signs_in_to_a_new_account_and_is_not_paid_again(
    brands,
    client,
    tiktok_api,  # noqa: F811
    settled,
):
    """Without another TikTok account connected: the disconnect released her TikTok profile, so a new
    account signs in with X (no 500), and the brand that paid X doesn't pay it again (the digest kept at
    the disconnect), while another brand does."""
    alpha, beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    if settled:
        rewards_settle_due(now=timezone.now() + timedelta(days=60))
    _disconnect(client, zoe)
    assert not TikTokProfile.objects.filter(user=zoe).exists()  # X is no longer held by her profile
    assert 'value="connect"' in client.get("/me/").content.decode()  # /me/ offers to connect TikTok
    client.logout()

    response = _tiktok(client, tiktok_api, open_id=X, connect=False)
    assert (response.status_code, response["Location"]) == (302, "/wallet/")  # signed in, on the wallet
    again = SocialAccount.objects.get(uid=X).user
    assert again != zoe
    assert client.get("/wallet/").context["user"] == again
    assert TikTokProfile.objects.get(open_id=X).user == again
    _refused(_join(client, again, alpha), again, alpha)
    assert REFUSED % beta.brand_name not in _join(client, again, beta)  # another brand pays X as anyone's
    assert again.rewards.get(merchant=beta).status == RewardStatus.PENDING
    call_command("ledger_check")
    call_command("rewards_check")


@pytest.mark.parametrize("settled", [True, False], ids=["confirmed", "pending"])
def test_zoes_wallet_and_rewards_stay_when_a_new_account_takes_her_disconnected_tiktok_account(
    brands,
    client,
    tiktok_api,  # noqa: F811
    settled,
):
    alpha, _beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    if settled:
        rewards_settle_due(now=timezone.now() + timedelta(days=60))
    _disconnect(client, zoe)
    before = _wallet(zoe)
    assert before[1]  # her sign-in reward from Alpha
    client.logout()

    assert _tiktok(client, tiktok_api, open_id=X, connect=False)["Location"] == "/wallet/"
    assert SocialAccount.objects.get(uid=X).user != zoe
    client.logout()
    rewards_settle_due(now=timezone.now())  # nothing of hers is due meanwhile

    assert _wallet(zoe) == before
    client.force_login(zoe)
    assert client.get("/wallet/").status_code == 200
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_tiktok_account_tiktok_disconnected_then_disconnected_on_the_page_still_fails_its_pending_reward(
    brands,
    client,
    tiktok_api,  # noqa: F811
):
    """Zoe removes TikJoy's access in TikTok (the profile is marked disconnected: her pending TikTok
    sign-in reward will be reversed when its hold ends), then disconnects TikTok on the page too: the
    marked profile stays, so the reward is still reversed, not confirmed. Another account can still
    sign in with the TikTok account (it takes the profile over)."""
    alpha, _beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    tiktok_identity_disconnect(
        open_id=X, reason=TikTokProfile.DisconnectReason.REVOKED_BY_USER, now=timezone.now()
    )
    _disconnect(client, zoe)
    assert TikTokProfile.objects.get(user=zoe).disconnected_at is not None  # kept, marked

    rewards_settle_due(now=timezone.now() + timedelta(days=60))

    reward = zoe.rewards.get(merchant=alpha)
    assert (reward.status, reward.reason) == (RewardStatus.REVERSED, REWARD_REASON_TIKTOK_DISCONNECTED)
    client.logout()
    assert _tiktok(client, tiktok_api, open_id=X, connect=False)["Location"] == "/wallet/"
    again = SocialAccount.objects.get(uid=X).user
    assert again != zoe and not TikTokProfile.objects.filter(user=zoe).exists()  # taken over
    call_command("ledger_check")
    call_command("rewards_check")


@pytest.mark.parametrize("connect", [False, True], ids=["sign-in", "connect"])
def test_a_tiktok_account_removed_by_ops_is_taken_by_the_next_account_and_keeps_its_digest(
    brands,
    client,
    ops,
    tiktok_api,  # noqa: F811
    connect,
):
    """Ops remove her TikTok account in /ops/ (no disconnect form: no digest, her profile still holds X):
    a new account signing in with X, or another account connecting it, takes X over (no 500), and the
    brand that paid her doesn't pay X again."""
    alpha, _beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    account = SocialAccount.objects.get(user=zoe)
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    ops_client = Client()
    ops_client.force_login(ops)
    response = ops_client.post(f"/ops/socialaccount/socialaccount/{account.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not SocialAccount.objects.filter(user=zoe).exists()
    assert TikTokProfile.objects.get(user=zoe).open_id == X
    before = _wallet(zoe)
    client.logout()

    if connect:
        ada = User.objects.create_user(email="ada@example.com", password="pw-Ada-2026!", display_name="Ada")
        client.force_login(ada)
        assert _tiktok(client, tiktok_api, open_id=X, connect=True)["Location"] == "/me/"
    else:
        assert _tiktok(client, tiktok_api, open_id=X, connect=False)["Location"] == "/wallet/"
    again = SocialAccount.objects.get(uid=X).user
    assert again != zoe
    assert TikTokProfile.objects.get(open_id=X).user == again
    assert not TikTokProfile.objects.filter(user=zoe).exists()
    _refused(_join(client, again, alpha), again, alpha)
    assert _wallet(zoe) == before
    call_command("ledger_check")
    call_command("rewards_check")


def test_reconnecting_her_own_tiktok_account_changes_nothing_she_has(
    brands,
    client,
    tiktok_api,  # noqa: F811
):
    alpha, beta = brands
    zoe = _zoe(client, tiktok_api)
    _join(client, zoe, alpha)
    _disconnect(client, zoe)

    assert _tiktok(client, tiktok_api, open_id=X, connect=True)["Location"] == "/me/"
    assert _join(client, zoe, alpha)  # back on the brand page: nothing new, nothing taken
    rewards_settle_due(now=timezone.now() + timedelta(days=60))

    assert zoe.rewards.get(merchant=alpha).status == RewardStatus.CONFIRMED  # her reward, as it was
    assert SocialAction.objects.filter(user=zoe, merchant=alpha).count() == 1
    assert REFUSED % beta.brand_name not in _join(client, zoe, beta)  # another brand pays her
    assert zoe.rewards.get(merchant=beta).status == RewardStatus.PENDING
    call_command("ledger_check")
    call_command("rewards_check")


SENT = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "491701234567", "wa_id": "491701234567"}],
    "messages": [{"id": "wamid.1"}],
}


def test_a_verified_whatsapp_number_cannot_leave_its_account_so_it_is_paid_once(
    brands,
    client,
    whatsapp_api,  # noqa: F811
):
    """A number leaves an account only with the account (its deletion keeps its digest: privacy's
    tests): she can't change or remove it, and another account can neither take it nor sign in with it."""
    alpha, _beta = brands
    wanda = User.objects.create_user(phone=PHONE, phone_verified=True, display_name="Wanda")
    wanda.last_login = NOW
    wanda.save(update_fields=["last_login"])
    action_record(user=wanda, merchant=alpha, action_type=ActionType.WHATSAPP_LOGIN, now=EARLIER)
    client.force_login(wanda)
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)

    # Her account page offers no other number, and refuses one sent all the same; allauth's own phone
    # pages are not served.
    assert 'data-testid="whatsapp-connect"' not in client.get("/me/").content.decode()
    assert client.post("/me/whatsapp/", {"phone": "+491709998877"}).status_code == 400
    wanda.refresh_from_db()
    assert (wanda.phone, wanda.phone_verified) == (PHONE, True)
    assert client.get("/accounts/phone/change/").status_code == 404
    # Another account can't connect it...
    other = User.objects.create_user(display_name="Other")
    client.force_login(other)
    client.post("/me/whatsapp/", {"phone": PHONE})
    code = body_json(whatsapp_api.log[-1][0])["template"]["components"][0]["parameters"][0]["text"]
    client.post("/me/whatsapp/code/", {"code": code})
    other.refresh_from_db()
    assert other.phone is None
    # ...and signing in with it is signing in to her account.
    client.logout()
    client.post("/accounts/whatsapp/", {"phone": PHONE})
    code = body_json(whatsapp_api.log[-1][0])["template"]["components"][0]["parameters"][0]["text"]
    client.post("/accounts/login/code/confirm/", {"code": code})
    assert client.get("/me/").context["user"] == wanda
    wanda.refresh_from_db()
    assert (wanda.phone, wanda.phone_verified) == (PHONE, True)
    assert User.objects.filter(phone=PHONE).count() == 1
    assert wanda.rewards.get().merchant == alpha
