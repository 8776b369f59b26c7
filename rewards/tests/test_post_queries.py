"""The consumer POSTs `bench_http` loads (issue #16): the join (consent given, sign-in paid), a like
claim and the consent withdrawal, each a fixed number of statements, and the payment holding the
campaign's locks for few of them (docs/benchmarks.md, "Consumer pages")."""

from decimal import Decimal

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import User
from chats.services import CLOSED_BY_CONSENT, thread_open
from merchants.consumer_ids import consumer_ref
from merchants.models import Consent
from rewards.models import ActionStatus, Reward, RewardStatus, SocialAction
from rewards.services import action_record
from rewards.tests.conftest import NOW, login_rule
from webhooks.models import WebhookEvent
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand(make_merchant, make_campaign):
    merchant = make_merchant(funds="100.00")
    make_campaign(
        merchant,
        rules=[
            login_rule(action="WHATSAPP_LOGIN"),
            {"action": "LIKE", "is_enabled": True, "amount": Decimal("0.05")},
        ],
    )
    # The brand paid someone before (its ledger accounts exist, as on any brand that has paid once).
    someone = User.objects.create_user(phone="+491709999999", phone_verified=True)
    action_record(user=someone, merchant=merchant, action_type="WHATSAPP_LOGIN", now=timezone.now())
    return merchant


@pytest.fixture
def person(client):
    """Signed in with WhatsApp (a verified phone), never joined a brand."""
    user = User.objects.create_user(phone="+491701234567", phone_verified=True, display_name="Ana")
    client.force_login(user)
    return user


def _join(client, brand):
    return client.post(f"/b/{brand.slug}/join/", {"decision": "agree", "fields": ["DISPLAY_NAME", "PHONE"]})


def test_the_join_post_gives_consent_and_pays_the_sign_in_in_a_fixed_number_of_queries(
    client, brand, person, django_assert_num_queries
):
    with django_assert_num_queries(JOIN_QUERIES):
        response = _join(client, brand)

    assert (response.status_code, response["Location"]) == (302, "/wallet/")
    assert Consent.objects.active().filter(user=person, merchant=brand).exists()
    action = SocialAction.objects.get(user=person)
    assert (action.action_type, action.status) == ("WHATSAPP_LOGIN", ActionStatus.REWARDED)
    assert Reward.objects.get(user=person).status == RewardStatus.PENDING
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_like_claim_is_a_fixed_number_of_queries(client, brand, person, django_assert_num_queries):
    assert _join(client, brand).status_code == 302
    SocialAccount.objects.create(
        user=person, provider="tiktok", uid="open-ana", extra_data={}
    )  # connected since

    with django_assert_num_queries(CLAIM_QUERIES):
        response = client.post(f"/b/{brand.slug}/claim/like/")

    assert (response.status_code, response["Location"]) == (302, "/wallet/")
    like = Reward.objects.get(user=person, action_type="LIKE")
    assert (like.status, like.merchant_price) == (RewardStatus.PENDING, Decimal("0.05"))
    page = client.get("/wallet/").content.decode()
    assert "Thanks! Your reward of €0.04 for that like is pending in your wallet until " in page
    call_command("ledger_check")
    call_command("rewards_check")


def test_the_consent_withdrawal_is_a_fixed_number_of_queries(
    client, brand, person, django_assert_num_queries
):
    assert _join(client, brand).status_code == 302

    with django_assert_num_queries(WITHDRAW_QUERIES):
        response = client.post(f"/b/{brand.slug}/consent/withdraw/", {"next": "/wallet/"})
    again = client.post(f"/b/{brand.slug}/consent/withdraw/", {"next": "/wallet/"}, follow=True)

    assert (response.status_code, response["Location"]) == (302, "/wallet/")
    assert not Consent.objects.active().filter(user=person, merchant=brand).exists()
    assert Consent.objects.get(user=person, merchant=brand).withdrawn_at is not None
    assert "You are not sharing any data with Acme." in again.content.decode()


def test_the_withdrawal_tells_the_brand_s_webhooks_and_closes_its_chat(client, brand, person):
    """What the one statement of the withdrawal keeps doing: the consent ended (the row kept), the
    ``consent.withdrawn`` event in the outbox, the person's conversation with the brand closed; an
    unknown brand is a 404 and changes nothing."""
    assert _join(client, brand).status_code == 302
    endpoint = endpoint_create(
        merchant=brand, url="http://127.0.0.1:9/hook", events=["consent.withdrawn"], actor=None, now=NOW
    )
    thread = thread_open(merchant=brand, user_id=person.pk, now=NOW)

    assert client.post("/b/nobody/consent/withdraw/", {"next": "/wallet/"}).status_code == 404
    assert Consent.objects.active().filter(user=person, merchant=brand).exists()
    response = client.post(f"/b/{brand.slug}/consent/withdraw/", {"next": "/wallet/"}, follow=True)

    consent = Consent.objects.get(user=person, merchant=brand)
    assert consent.withdrawn_at is not None
    assert "Acme no longer receives your data. You will be asked again if you join it." in (
        response.content.decode()
    )
    (event,) = WebhookEvent.objects.filter(merchant=brand, type="consent.withdrawn")
    assert event.data == {
        "consumer": consumer_ref(merchant_id=brand.pk, user_id=person.pk),
        "consented_at": consent.given_at.isoformat(),
        "withdrawn_at": consent.withdrawn_at.isoformat(),
    }
    assert event.deliveries.get().endpoint == endpoint
    thread.refresh_from_db()
    assert (thread.closed_at, thread.close_reason) == (consent.withdrawn_at, CLOSED_BY_CONSENT)


def test_the_join_s_payment_holds_the_campaign_s_locks_for_few_statements(client, brand, person):
    """Every join of a campaign waits for the one before it from the rule's lock to the commit: the
    rule and the campaign are locked by the statement that moves their counters and the person's
    figures (decided on them as read before: ``_evaluate``'s "unlocked"), and only the person's first
    account and the ledger postings follow."""
    sent: list[str] = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert _join(client, brand).status_code == 302

    assert not [sql for sql in sent if "FOR UPDATE" in sql], "nothing locked before the decision"
    locked = next(i for i, sql in enumerate(sent) if "UPDATE campaigns_rewardrule" in sql)
    after = next(i for i, sql in enumerate(sent) if "UPDATE merchants_merchant m" in sql)  # after the commit
    held = [sql[:70] for sql in sent[locked:after] if not sql.startswith(("SAVEPOINT", "RELEASE"))]
    assert len(held) == JOIN_LOCK_HELD_STATEMENTS, held
    assert "wallets_post_many" in held[-1], "the postings are the last write before the commit"
    # The test's own, one around each of the three transactions (consent, engine, low-balance check):
    # none inside the engine's.
    assert len([sql for sql in sent if sql.startswith("SAVEPOINT")]) == 3


# 13 in production (the test's transaction adds a savepoint's two statements around each of the
# three transactions): the session with its person (one statement, sessuser); the brand with whether
# they consented and have a TikTok account (how they sign in); what would be shared; the consent; the
# engine's transaction (the action with the person's count in one statement, what the decision reads
# about the person and the brand with the live rule, the person's tally and the risk signals' counts
# in one, with the brand's webhook endpoints and whether the person has a subscription's benefits
# (read only then); the accounts; then the payment: the outcome with the reward, and
# JOIN_LOCK_HELD_STATEMENTS); the low-balance check. 15 before the benefits were read only for a
# subscriber and the endpoints with the facts (2026-12-01), 20 before latelock (the tally looked
# for and created, the rule and the campaign locked, before the decision; the person's figures apart
# from the counters), 23 before apipost (the
# person's count, the rule and the risk signals one statement each), 25 before postspeed3 and
# sessuser (the action's outcome and its reward one statement each, the session and the person one
# each); 42 before postspeed (the risk signals in six, the decision's reads in four, two savepoints
# around the payment, the person's first account in four, the webhook endpoints read again for the
# joined event, the launch watch's campaign, the brand, the consent and the TikTok account one query
# each).
JOIN_QUERIES = 19
# 9 in production (the engine's transaction and the low-balance check each add the test's
# savepoint); 11 before the benefits were read only for a subscriber and the webhook endpoints with
# the decision's facts, 15 before latelock (the tally, the rule and the campaign locked before the decision, the
# person's figures apart from the counters), 19
# before apipost (the person's count, the rule, the risk signals one statement each, the existing
# tally created again before it was locked), 21 before postspeed3 and sessuser, 33 before postspeed
# (the reward read again for the message, and as the join).
CLAIM_QUERIES = 13
# The session with its person, the brand read and the consent withdrawn in one statement (a
# WITH ... UPDATE ... RETURNING), the webhook endpoints, the person's chats with the brand closed; the
# test's savepoint. 7 before postspeed3 and sessuser (the brand, the session and the person one
# query each), 8 before postspeed.
WITHDRAW_QUERIES = 6
# The counters and the person's figures (the tally created, the rule, the campaign and its day moved,
# the figures added: one statement), the figures written from the person's rewards (a first row), the
# person's first account, the postings. 8 before latelock (the rule and the campaign locked before
# the decision, the action's outcome with the reward under their locks, the figures apart), 9 before
# postspeed3 (the outcome and the reward one statement each).
JOIN_LOCK_HELD_STATEMENTS = 4
