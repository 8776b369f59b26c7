"""A person paid a brand's sign-in reward who deletes their account and signs in again with the same
TikTok account or WhatsApp number is not paid it again (docs/privacy.md, docs/rewards.md): the
deletion keeps a keyed digest of their sign-in identities per brand that paid it."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from campaigns.models import ActionType
from merchants.models import ConsentField
from merchants.services import consent_give
from payouts.tests.conftest import add_bank_account, verify_identity
from privacy.selectors import PAYOUT, deletion_plan_get
from privacy.services import account_delete, retention_purge
from rewards.models import ActionStatus, RewardedSignIn, RewardStatus, SocialAction
from rewards.reasons import Reader, Reason, action_explain
from rewards.services import action_record, rewards_settle_due
from social.identity_digests import identity_digest
from social.services import tiktok_profile_update
from tikjoy.tests.factories import NOW, sign_in_brands

pytestmark = pytest.mark.django_db

UID, PHONE = "zoe-open-id", "+491701112233"
EARLIER = NOW - timedelta(days=20)
REFUSED = "Not paid: this TikTok account or phone number was already rewarded for signing in with %s."


@pytest.fixture
def brands(make_merchant, make_campaign, ops, settings):
    """Two brands paying the sign-in by TikTok and by WhatsApp, live since twenty days ago."""
    settings.PAYOUTS_MIN_AMOUNT = Decimal("1.00")
    return sign_in_brands(make_merchant, make_campaign, ops=ops, since=EARLIER)


def _person(*, tiktok: bool, name: str = "Zoe") -> User:
    """Signed in with TikTok (``UID``, and a verified phone) or with WhatsApp (``PHONE`` only)."""
    person = User.objects.create_user(phone=PHONE, phone_verified=True, display_name=name)
    if tiktok:
        SocialAccount.objects.create(user=person, provider="tiktok", uid=UID)
    return person


def _delete(person: User, ops) -> None:
    """Her available balance paid out, her pending rewards reversed, her account deleted."""
    verify_identity(person, ops)
    add_bank_account(person, holder="Zoe", now=NOW - timedelta(days=3))
    plan = deletion_plan_get(user=person, now=NOW)
    assert {balance.fate for balance in plan.balances} <= {PAYOUT}
    account_delete(user=person, confirmed=plan.fingerprint, now=NOW)


def _join(client, person: User, merchant) -> str:
    """The person joins the brand on its page (consent given), as signing in there does; the page
    they land on (their wallet), in English."""
    consent_give(user=person, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=timezone.now())
    client.force_login(person)
    with translation.override("en"):
        response = client.get(f"/b/{merchant.slug}/join/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("tiktok", "channel"), [(True, ActionType.TIKTOK_LOGIN), (False, ActionType.WHATSAPP_LOGIN)]
)
def test_a_sign_in_reward_paid_out_before_a_deletion_is_not_paid_again_to_the_same_identity(
    brands, client, ops, tiktok, channel
):
    alpha, beta = brands
    zoe = _person(tiktok=tiktok)
    action_record(user=zoe, merchant=alpha, action_type=channel, now=EARLIER)
    rewards_settle_due(now=NOW)
    assert zoe.rewards.get().status == RewardStatus.CONFIRMED
    _delete(zoe, ops)
    assert zoe.payouts.exists()  # her balance, the reward, was paid out

    again = _person(tiktok=tiktok, name="Zoe again")
    page = _join(client, again, alpha)

    assert not again.rewards.exists()
    action = SocialAction.objects.get(user=again, merchant=alpha)
    assert (action.action_type, action.status, action.reason) == (
        channel,
        ActionStatus.INELIGIBLE,
        Reason.REWARDED_BEFORE,
    )
    assert REFUSED % alpha.brand_name in page  # told on the wallet they land on
    with translation.override("de"):
        assert action_explain(action, reader=Reader.CONSUMER).text == (
            "Nicht bezahlt: Dieses TikTok-Konto oder diese Telefonnummer wurde für die Anmeldung bei "
            f"{alpha.brand_name} schon belohnt."
        )
    # The brand reads why (the console's Diagnostics, the API's detail).
    assert "already rewarded for signing in with you" in action.status_detail
    # Another brand, that never paid her, pays her sign-in as anyone's.
    assert REFUSED % beta.brand_name not in _join(client, again, beta)
    assert again.rewards.get(merchant=beta).status == RewardStatus.PENDING
    call_command("ledger_check")
    call_command("rewards_check")


def test_only_a_keyed_digest_is_kept_per_brand_that_paid(brands, client, ops):
    alpha, beta = brands
    zoe = _person(tiktok=True)
    for merchant in (alpha, beta):
        action_record(user=zoe, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=EARLIER)
    rewards_settle_due(now=NOW)
    client.force_login(zoe)
    page = client.get(reverse("privacy:delete"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "a coded fingerprint of your TikTok account and WhatsApp number stays for 365 days" in page
    )  # she is told
    _delete(zoe, ops)

    kept = set(RewardedSignIn.objects.values_list("merchant_id", "digest"))
    assert kept == {
        (merchant.pk, identity_digest(merchant_id=merchant.pk, identity=identity))
        for merchant in (alpha, beta)
        for identity in (f"tiktok:{UID}", f"whatsapp:{PHONE}")
    }
    for _, digest in kept:
        assert UID not in digest and PHONE.lstrip("+") not in digest
    # The brand is part of what is digested: the rows kept for two brands can't be linked.
    digests_at = {m.pk: {d for pk, d in kept if pk == m.pk} for m in (alpha, beta)}
    assert not digests_at[alpha.pk] & digests_at[beta.pk]


def test_a_pending_sign_in_reward_reversed_by_the_deletion_is_paid_again(brands, client, ops):
    alpha, _beta = brands
    zoe = _person(tiktok=True)
    action_record(user=zoe, merchant=alpha, action_type=ActionType.TIKTOK_LOGIN, now=NOW)  # still pending
    _delete(zoe, ops)
    assert zoe.rewards.get().status == RewardStatus.REVERSED  # the brand got its money back
    assert not RewardedSignIn.objects.exists()

    again = _person(tiktok=True, name="Zoe again")
    page = _join(client, again, alpha)

    assert REFUSED % alpha.brand_name not in page
    assert again.rewards.get(merchant=alpha).status == RewardStatus.PENDING
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_tiktok_account_disconnected_before_the_deletion_is_not_paid_again(brands, client, ops):
    """allauth lets a person with a password and a verified e-mail disconnect TikTok
    (/accounts/3rdparty/) before deleting: the TikTok account is still known by the profile."""
    alpha, _beta = brands
    zoe = User.objects.create_user(email="zoe@example.com", password="pw-Zoe-2026!", display_name="Zoe")
    EmailAddress.objects.create(user=zoe, email=zoe.email, verified=True, primary=True)
    account = SocialAccount.objects.create(user=zoe, provider="tiktok", uid=UID, extra_data={"open_id": UID})
    tiktok_profile_update(user=zoe, data=account.extra_data, now=EARLIER)  # as signing in stores it
    action_record(user=zoe, merchant=alpha, action_type=ActionType.TIKTOK_LOGIN, now=EARLIER)
    rewards_settle_due(now=NOW)
    client.force_login(zoe)
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.filter(user=zoe).exists()  # disconnected
    _delete(zoe, ops)

    again = User.objects.create_user(display_name="Zoe again")
    SocialAccount.objects.create(user=again, provider="tiktok", uid=UID)
    page = _join(client, again, alpha)

    assert not again.rewards.exists()
    assert REFUSED % alpha.brand_name in page
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_number_kept_past_its_retention_is_paid_again(brands, client, ops, settings):
    """A number given up is given by the carrier to someone else: after REWARDED_SIGN_IN_RETENTION_DAYS
    the daily purge forgets it, and its new holder is paid the brand's sign-in reward like anyone."""
    alpha, _beta = brands
    zoe = _person(tiktok=False)
    action_record(user=zoe, merchant=alpha, action_type=ActionType.WHATSAPP_LOGIN, now=EARLIER)
    rewards_settle_due(now=NOW)
    _delete(zoe, ops)
    settings.PRIVACY_RETENTION_DAYS = {**settings.PRIVACY_RETENTION_DAYS, "rewarded_sign_ins": 365}
    assert retention_purge(now=NOW + timedelta(days=364))["rewarded_sign_ins"] == 0
    assert retention_purge(now=NOW + timedelta(days=366))["rewarded_sign_ins"] == 1
    assert not RewardedSignIn.objects.exists()

    newcomer = _person(tiktok=False, name="Noa")  # the same number, someone else now
    page = _join(client, newcomer, alpha)

    assert REFUSED % alpha.brand_name not in page
    assert newcomer.rewards.get(merchant=alpha).status == RewardStatus.PENDING
    call_command("ledger_check")
    call_command("rewards_check")


def test_the_deletion_page_names_only_the_sign_in_identities_the_person_has(brands, client):
    """Walk finding: the page told everybody a fingerprint of "your TikTok account and WhatsApp number"
    stays, also a person who never had one of them; someone with neither is told nothing of it."""
    number_only = _person(tiktok=False, name="Wanda")
    tiktok_only = User.objects.create_user(email="tara@example.com", display_name="Tara")
    SocialAccount.objects.create(user=tiktok_only, provider="tiktok", uid="tara-open-id")
    mail_only = User.objects.create_user(email="mia@example.com", display_name="Mia")

    def kept(person: User, language: str = "en") -> str:
        client.force_login(person)
        page = client.get(reverse("privacy:delete"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        found = re.search(r'data-testid="sign-ins-kept">(.*?)</p>', page, re.S)
        return " ".join(found.group(1).split()) if found else ""

    assert "a coded fingerprint of your WhatsApp number stays for 365 days (not the number itself)" in kept(
        number_only
    )
    assert "TikTok" not in kept(number_only)
    assert "a coded fingerprint of your TikTok account stays for 365 days (not the account itself)" in kept(
        tiktok_only
    )
    assert "WhatsApp" not in kept(tiktok_only)
    assert "Fingerabdruck deiner WhatsApp-Nummer (nicht die Nummer selbst)" in kept(number_only, "de")
    assert kept(mail_only) == ""
