"""The resources of /api/v1/, as a merchant's server sees them."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

import api.services as key_services
from api.models import ApiKey, ApiKeyEvent, KeyAction, KeyKind, RateWindow, Scope
from campaigns.selectors import landing_offers
from merchants.consumer_ids import consumer_ref
from merchants.models import Membership
from merchants.roles import Role
from merchants.selectors import wallet_balance
from merchants.services import membership_change_role, membership_remove
from rewards.models import RewardStatus
from tikjoy.tests.factories import owner_of
from wallets.models import Transaction

pytestmark = pytest.mark.django_db


def test_campaigns_list_and_detail_show_the_rules(brand, make_key, api):
    world = brand()
    client = api(make_key(world["merchant"], scope=Scope.READ))

    page = client.get("/api/v1/campaigns").json()
    detail = client.get(f"/api/v1/campaigns/cmp_{world['campaign'].pk}").json()

    assert [c["name"] for c in page["data"]] == ["Acme Spring"]
    assert page["next_cursor"] is None
    assert detail["id"] == f"cmp_{world['campaign'].pk}"
    assert detail["status"] == "ACTIVE"
    assert [(r["action"], r["amount"]) for r in detail["rules"]] == [("TIKTOK_LOGIN", "0.50")]


def test_rewards_are_filtered_by_status_and_campaign(brand, make_key, api):
    world = brand()
    client = api(make_key(world["merchant"], scope=Scope.READ))
    cmp = f"cmp_{world['campaign'].pk}"

    pending = client.get("/api/v1/rewards", {"status": "PENDING", "campaign": cmp}).json()["data"]
    confirmed = client.get("/api/v1/rewards", {"status": "CONFIRMED"}).json()["data"]
    bad = client.get("/api/v1/rewards", {"status": "LOST"})

    assert [(r["id"], r["status"], r["amount"], r["campaign"]) for r in pending] == [
        (f"rwd_{world['reward'].pk}", "PENDING", world["reward"].merchant_price.to_eng_string(), cmp)
    ]
    assert confirmed == []
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert bad.json()["code"] == "invalid_request"
    assert "status" in bad.json()["errors"]


def test_a_reversal_gives_the_money_back_and_names_the_keys_creator(brand, make_key, api):
    world = brand()
    merchant, reward = world["merchant"], world["reward"]
    before = wallet_balance(merchant=merchant)
    client = api(make_key(merchant, scope=Scope.WRITE))

    response = client.post(
        f"/api/v1/rewards/rwd_{reward.pk}/reverse",
        {"reason": "Order cancelled"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="rev-1",
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "REVERSED"
    assert response.json()["reason"] == "Order cancelled"
    assert wallet_balance(merchant=merchant) == before + reward.price_money
    txn = Transaction.objects.get(kind="REWARD_REVERSAL")
    assert txn.actor == owner_of(merchant)
    assert "Order cancelled" in txn.reason
    audit = ApiKeyEvent.objects.filter(action=KeyAction.WRITE).get()
    assert audit.detail == f"POST /api/v1/rewards/rwd_{reward.pk}/reverse -> 200"
    again = client.post(
        f"/api/v1/rewards/rwd_{reward.pk}/reverse",
        {"reason": "again"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="rev-2",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "reward_not_reversible"
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_read_key_or_a_publishable_key_cannot_reverse(brand, make_key, api):
    world = brand()
    url = f"/api/v1/rewards/rwd_{world['reward'].pk}/reverse"
    for key in (
        make_key(world["merchant"], scope=Scope.READ),
        make_key(world["merchant"], kind=KeyKind.PUBLISHABLE),
    ):
        response = api(key).post(url, {"reason": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_scope"
    world["reward"].refresh_from_db()
    assert world["reward"].status == RewardStatus.PENDING


def test_a_publishable_key_reads_the_public_offer_only(brand, make_key, api):
    world = brand()
    client = api(make_key(world["merchant"], kind=KeyKind.PUBLISHABLE))

    offer = client.get("/api/v1/offer")

    assert offer.status_code == 200
    assert offer.json()["brand_page"] == "/b/acme/"
    # What a person earns, as the brand page says it: never the merchant's price (TikJoy's share in it).
    (rule,) = offer.json()["campaigns"][0]["rules"]
    shown = landing_offers(merchant=world["merchant"], now=timezone.now(), texts=False)[0]["offers"][0]
    price = world["merchant"].campaigns.get().rules.get().amount
    assert rule["amount"] == str(shown.new_user.amount) and Decimal(rule["amount"]) < price
    assert rule["returning_amount"] == str(shown.returning_user.amount)
    assert client.get("/api/v1/rewards").status_code == 403
    assert client.get("/api/v1/consumers").status_code == 403


def test_consumers_show_only_the_fields_they_consented_to(brand, make_key, api):
    world = brand()
    client = api(make_key(world["merchant"], scope=Scope.READ))

    people = client.get("/api/v1/consumers").json()["data"]

    assert people == [
        {
            "id": consumer_ref(merchant_id=world["merchant"].pk, user_id=world["fan"].pk),
            "consented_at": people[0]["consented_at"],
            "data": {"DISPLAY_NAME": "Ana Fan"},
        }
    ]
    assert "ana@fans.example" not in str(people)


def test_wallet_balance_history_and_top_up(brand, make_key, api):
    world = brand()
    merchant = world["merchant"]
    client = api(make_key(merchant, scope=Scope.READ))

    wallet = client.get("/api/v1/wallet").json()
    history = client.get("/api/v1/wallet/transactions").json()["data"]
    top_up = client.get("/api/v1/wallet/top-up").json()

    assert wallet["balance"] == {"amount": str(wallet_balance(merchant=merchant).amount), "currency": "EUR"}
    assert [line["kind"] for line in history] == ["REWARD", "TOP_UP"]
    assert history[1]["amount"] == "100.00"
    assert top_up["payment_reference"] == merchant.payment_reference


def test_pages_follow_the_cursor_to_the_end(brand, make_key, api):
    world = brand()
    client = api(make_key(world["merchant"], scope=Scope.READ))

    first = client.get("/api/v1/wallet/transactions", {"limit": 1}).json()
    second = client.get("/api/v1/wallet/transactions", {"limit": 1, "cursor": first["next_cursor"]}).json()
    bad = client.get("/api/v1/wallet/transactions", {"cursor": "nonsense"})

    assert [line["kind"] for line in first["data"] + second["data"]] == ["REWARD", "TOP_UP"]
    assert second["next_cursor"] is None
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_cursor"


def test_no_key_a_revoked_key_or_an_expired_key_is_401(brand, make_key, api):
    world = brand()
    merchant = world["merchant"]
    revoked = make_key(merchant)
    ApiKey.objects.filter(name="server").update(revoked_at=timezone.now())
    expired = make_key(merchant, name="old", expires_at=timezone.now() + timedelta(seconds=1))
    ApiKey.objects.filter(name="old").update(expires_at=timezone.now() - timedelta(seconds=1))

    for client in (api(), api(revoked), api(expired), api("tj_live_made-up"), api("tj_test_" + "x" * 32)):
        response = client.get("/api/v1/rewards")
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("change", ["removed", "no longer an owner"])
def test_the_keys_a_person_made_stop_working_when_they_may_no_longer_make_keys(
    brand, make_key, api, add_member, settings, client, change
):
    """A person removed from the team (or made a manager) keeps a copy of the keys they made: those
    stop working with their role; the keys the other owners made go on."""
    settings.API_KEY_CACHE_SECONDS = 0  # no copy kept in this process: the next request reads the key
    world = brand()
    merchant = world["merchant"]
    owner = owner_of(merchant)
    others = make_key(merchant)
    leaver = add_member(merchant, "leaver@acme.example", Role.OWNER)
    _, theirs = key_services.api_key_create(
        merchant=merchant,
        name="made by the leaver",
        kind=KeyKind.SECRET,
        scope=Scope.WRITE,
        expires_at=None,
        actor=leaver,
        now=timezone.now(),
    )
    _, their_public = key_services.api_key_create(
        merchant=merchant,
        name="widget",
        kind=KeyKind.PUBLISHABLE,
        scope=Scope.PUBLIC,
        expires_at=None,
        actor=leaver,
        now=timezone.now(),
    )
    assert api(theirs).get("/api/v1/wallet").status_code == 200

    membership = Membership.objects.get(merchant=merchant, user=leaver)
    if change == "removed":
        membership_remove(membership=membership, actor=owner)
    else:
        membership_change_role(membership=membership, actor=owner, role=Role.MANAGER)

    refused = api(theirs).get("/api/v1/consumers")
    assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
    assert api(others).get("/api/v1/consumers").status_code == 200
    assert (
        api(their_public).get("/api/v1/offer").status_code == 200
    )  # public by design: the shop's widget goes on
    # The owners see why the key no longer works, beside the key.
    client.force_login(owner)
    page = client.get(reverse("console:api_keys")).content.decode()
    assert page.count('data-testid="key-stopped"') == 1
    assert "Not working: leaver@acme.example, who made it, is no longer an owner." in page


def test_the_team_page_warns_before_a_key_maker_loses_the_owner_role(brand, add_member, client):
    """Before an owner who made a working secret key is given another role or removed, the console
    says the key will stop working; a member who made none gets no warning."""
    world = brand()
    merchant = world["merchant"]
    owner = owner_of(merchant)
    maker = add_member(merchant, "maker@acme.example", Role.OWNER)
    add_member(merchant, "quiet@acme.example", Role.OWNER)
    for name in ("shop server", "warehouse"):
        key_services.api_key_create(
            merchant=merchant,
            name=name,
            kind=KeyKind.SECRET,
            scope=Scope.WRITE,
            expires_at=None,
            actor=maker,
            now=timezone.now(),
        )
    client.force_login(owner)
    memberships = {
        m.user.email: m.pk for m in Membership.objects.filter(merchant=merchant).select_related("user")
    }
    warning = "2 secret API keys made by maker@acme.example work only while they are an owner."

    change = client.get(
        reverse("console:merchants_membership_change", args=[memberships["maker@acme.example"]])
    )
    delete = client.get(
        reverse("console:merchants_membership_delete", args=[memberships["maker@acme.example"]])
    )
    quiet = client.get(
        reverse("console:merchants_membership_change", args=[memberships["quiet@acme.example"]])
    )

    assert change.status_code == delete.status_code == quiet.status_code == 200
    assert warning in html.unescape(change.content.decode())
    assert warning in html.unescape(delete.content.decode())
    assert "secret API key" not in quiet.content.decode()


def test_the_key_records_when_it_was_last_used(brand, make_key, api):
    world = brand()
    raw = make_key(world["merchant"], scope=Scope.READ)

    api(raw).get("/api/v1/wallet")

    assert ApiKey.objects.get().last_used_at is not None


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_the_rate_limit_answers_429_with_retry_after(brand, make_key, api):
    world = brand()
    client = api(make_key(world["merchant"], scope=Scope.READ))

    answers = [client.get("/api/v1/wallet") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Policy"] == '"per-key";q=3;w=60'
    assert answers[2]["RateLimit"].startswith('"per-key";r=0;')
    assert answers[3].json()["code"] == "rate_limited"
    assert 1 <= int(answers[3]["Retry-After"]) <= 60


@override_settings(API_PUBLIC_RATE_LIMIT_PER_MINUTE=2, API_RATE_LIMIT_PER_MINUTE=1000)
def test_a_publishable_key_is_limited_per_visitor_so_no_one_uses_up_the_shops_limit(brand, make_key, api):
    """The publishable key is in the shop's pages: a visitor who calls it in a loop is refused, and
    every other visitor (another address; IPv6 by /64) still gets the offer."""
    world = brand()
    client = api(make_key(world["merchant"], kind=KeyKind.PUBLISHABLE))

    hammering = [client.get("/api/v1/offer", REMOTE_ADDR="203.0.113.7") for _ in range(3)]
    another = client.get("/api/v1/offer", REMOTE_ADDR="198.51.100.20")
    phone = [client.get("/api/v1/offer", REMOTE_ADDR=f"2001:db8:1:2::{n}") for n in (1, 2, 3)]

    assert [a.status_code for a in hammering] == [200, 200, 429]
    assert hammering[0]["RateLimit-Policy"] == '"per-visitor";q=2;w=60, "per-key";q=10000;w=60'
    assert another.status_code == 200 and another["RateLimit"].startswith('"per-visitor";r=1;')
    assert [a.status_code for a in phone] == [200, 200, 429]  # one /64 is one household or phone
    mapped = client.get("/api/v1/offer", REMOTE_ADDR="::ffff:203.0.113.7")  # the same IPv4 visitor
    assert mapped.status_code == 429
    assert not RateWindow.objects.filter(client__contains="203.0.113").exists()  # no address kept


@override_settings(
    API_PUBLIC_RATE_LIMIT_PER_MINUTE=2, API_PUBLIC_KEY_RATE_LIMIT_PER_MINUTE=4, API_RATE_LIMIT_PER_MINUTE=3
)
def test_a_publishable_key_has_a_ceiling_however_many_visitors_call_it(brand, make_key, api):
    """Someone with many networks (an IPv6 /64 each) gets a visitor's limit on each: the whole key
    still answers no more than its ceiling a minute. Another shop's key and the shop's secret key
    keep their own limits."""
    acme, bravo = brand("acme", "Ana Fan"), brand("bravo", "Bea Fan")
    client = api(make_key(acme["merchant"], kind=KeyKind.PUBLISHABLE))
    other_shop = api(make_key(bravo["merchant"], kind=KeyKind.PUBLISHABLE))
    secret = api(make_key(acme["merchant"], scope=Scope.READ))

    visitors = [client.get("/api/v1/offer", REMOTE_ADDR=f"2001:db8:{n}::1") for n in range(1, 7)]
    elsewhere = other_shop.get("/api/v1/offer", REMOTE_ADDR="2001:db8:6::1")
    server = [secret.get("/api/v1/wallet") for _ in range(3)]

    assert [a.status_code for a in visitors] == [200, 200, 200, 200, 429, 429]
    refused = visitors[4]
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Policy"] == '"per-visitor";q=2;w=60, "per-key";q=4;w=60'
    assert '"per-key";r=0;' in refused["RateLimit"]
    # below the ceiling, how busy the shop is stays unsaid
    assert (
        visitors[0]["RateLimit"].startswith('"per-visitor";r=1;')
        and "per-key" not in visitors[0]["RateLimit"]
    )
    assert elsewhere.status_code == 200 and "per-key" not in elsewhere["RateLimit"]
    assert [a.status_code for a in server] == [200, 200, 200]
    assert server[0]["RateLimit-Policy"] == '"per-key";q=3;w=60'


@override_settings(API_PUBLIC_RATE_LIMIT_PER_MINUTE=2, API_PUBLIC_KEY_RATE_LIMIT_PER_MINUTE=4)
def test_a_visitor_refused_for_their_own_loop_does_not_use_up_the_key_s_ceiling(brand, make_key, api):
    client = api(make_key(brand()["merchant"], kind=KeyKind.PUBLISHABLE))

    looping = [client.get("/api/v1/offer", REMOTE_ADDR="203.0.113.7") for _ in range(10)]
    shoppers = [client.get("/api/v1/offer", REMOTE_ADDR=f"198.51.100.{n}") for n in (1, 2)]

    assert [a.status_code for a in looping] == [200, 200] + [429] * 8
    assert "per-key" not in looping[-1]["RateLimit"]  # refused per visitor, not by the ceiling
    assert [a.status_code for a in shoppers] == [200, 200]


def test_another_merchants_reward_is_404(brand, make_key, api):
    alpha, bravo = brand("alpha", "Ana Fan"), brand("bravo", "Bea Fan")
    client = api(make_key(alpha["merchant"]))

    got = client.get(f"/api/v1/rewards/rwd_{bravo['reward'].pk}")
    reversed_ = client.post(
        f"/api/v1/rewards/rwd_{bravo['reward'].pk}/reverse",
        {"reason": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert got.status_code == 404
    assert got.json()["code"] == "not_found"
    assert reversed_.status_code == 404
    bravo["reward"].refresh_from_db()
    assert bravo["reward"].status == RewardStatus.PENDING


def test_a_write_key_creates_a_draft_campaign_activates_changes_and_pauses_it(brand, make_key, api):
    world = brand()
    client = api(make_key(world["merchant"], scope=Scope.WRITE))
    body = {
        "name": "Summer JoyBack",
        "starts_at": "2026-12-01T09:00:00Z",
        "hashtag": "#summerjoy",
        "rules": [{"action": "TIKTOK_LOGIN", "amount": "0.40"}],
    }

    created = client.post("/api/v1/campaigns", body, format="json", HTTP_IDEMPOTENCY_KEY="c1")
    cmp = created.json()["id"]
    activated = client.post(f"/api/v1/campaigns/{cmp}/activate")
    changed = client.patch(
        f"/api/v1/campaigns/{cmp}",
        {"name": "Summer JoyBack 2", "rules": [{"action": "WHATSAPP_LOGIN", "amount": "0.30"}]},
        format="json",
    )
    paused = client.post(f"/api/v1/campaigns/{cmp}/pause")

    assert created.status_code == 201, created.content
    assert created.json()["status"] == "DRAFT"
    assert created.json()["hashtag"] == "summerjoy"
    assert activated.json()["status"] == "ACTIVE"
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "Summer JoyBack 2"
    assert [(r["action"], r["amount"]) for r in changed.json()["rules"]] == [
        ("TIKTOK_LOGIN", "0.40"),
        ("WHATSAPP_LOGIN", "0.30"),
    ]
    assert paused.json()["status"] == "PAUSED"
    assert paused.json()["pause_reason"] == "MERCHANT"


def test_an_invalid_campaign_is_422_with_the_fields_and_a_read_key_cannot_write(brand, make_key, api):
    world = brand()
    writer = api(make_key(world["merchant"], scope=Scope.WRITE))
    reader = api(make_key(world["merchant"], scope=Scope.READ, name="reader"))
    body = {
        "name": "Bad",
        "starts_at": "2026-12-01T09:00:00Z",
        "ends_at": "2026-11-01T09:00:00Z",
        "rules": [{"action": "SHARE_VIDEO", "amount": "1.00"}],
    }

    invalid = writer.post("/api/v1/campaigns", body, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    forbidden = reader.post(
        "/api/v1/campaigns", {**body, "ends_at": None}, format="json", HTTP_IDEMPOTENCY_KEY="r"
    )
    other_paused = reader.post(f"/api/v1/campaigns/cmp_{world['campaign'].pk}/pause")

    assert invalid.status_code == 422
    assert invalid.json()["code"] == "campaign_invalid"
    assert "ends_at" in invalid.json()["errors"]
    assert any("hashtag" in m for m in invalid.json()["errors"]["non_field_errors"])
    assert forbidden.status_code == other_paused.status_code == 403
    world["campaign"].refresh_from_db()
    assert world["campaign"].status == "ACTIVE"


def test_a_key_revoked_by_another_process_is_refused_at_once(brand, make_key, api):
    raw = make_key(brand()["merchant"])
    client = api(raw)
    assert client.get("/api/v1/wallet").status_code == 200  # read, and kept by this process

    # another server process revokes it: this one's copy is not told, but the request's rate-limit
    # count reads the key's row too
    ApiKey.objects.filter(key_hash=key_services.key_hash(raw)).update(revoked_at=timezone.now())
    refused = client.get("/api/v1/wallet")

    assert (refused.status_code, refused.json()["code"]) == (401, "unauthenticated")
    assert client.get("/api/v1/wallet").status_code == 401
