import pytest

from campaigns.models import ActionType
from rewards.models import Ban, Reward, RewardStatus
from rewards.services import action_record
from rewards.tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client, ops):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client.force_login(ops)
    return client


@pytest.fixture
def held(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant()
    make_campaign(merchant)
    a, b = make_consumer("Alice Fraudster"), make_consumer("Bob Fraudster")
    action_record(user=a, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="same")
    action_record(user=b, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="same")
    return Reward.objects.get(status=RewardStatus.HELD)


def test_the_review_queue_lists_held_rewards_with_their_risk_signals(ops_client, held):
    response = ops_client.get("/ops/rewards/heldreward/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Bob Fraudster" in body
    assert "Alice Fraudster" not in body  # her reward was not held
    assert "SHARED_DEVICE" in body


def test_ops_approve_a_held_reward_from_the_queue(ops_client, held):
    response = ops_client.post(
        "/ops/rewards/heldreward/", {"action": "approve_held", "_selected_action": [held.pk]}, follow=True
    )

    held.refresh_from_db()
    assert held.status == RewardStatus.PENDING
    assert "1 held reward(s) approved." in response.content.decode()


def test_rejecting_asks_for_a_reason_then_refunds(ops_client, held):
    ask = ops_client.post(
        "/ops/rewards/heldreward/", {"action": "reject_held", "_selected_action": [held.pk]}
    )
    assert ask.status_code == 200
    assert "Both the person and the brand see it." in ask.content.decode()
    held.refresh_from_db()
    assert held.status == RewardStatus.HELD  # nothing happens without a reason

    ops_client.post(
        "/ops/rewards/heldreward/",
        {
            "action": "reject_held",
            "_selected_action": [held.pk],
            "apply": "1",
            "reason": "Same device, two people.",
        },
    )

    held.refresh_from_db()
    assert (held.status, held.reason) == (RewardStatus.REVERSED, "Same device, two people.")


def test_ops_ban_the_person_behind_a_reward(ops_client, held):
    ops_client.post(
        "/ops/rewards/heldreward/",
        {"action": "ban_users", "_selected_action": [held.pk], "apply": "1", "reason": "Farm of accounts."},
    )

    assert Ban.objects.get(user=held.user).reason == "Farm of accounts."
    held.refresh_from_db()
    assert held.status == RewardStatus.REVERSED


def test_rewards_cannot_be_edited_in_ops(ops_client, held):
    assert ops_client.get("/ops/rewards/reward/add/").status_code == 403
    assert (
        ops_client.post(f"/ops/rewards/reward/{held.pk}/change/", {"status": "CONFIRMED"}).status_code == 403
    )


def test_a_view_only_staff_member_cannot_decide_on_rewards(client, held):
    from django.contrib.auth.models import Permission

    from accounts.models import User

    viewer = User.objects.create_user(
        email="viewer@tikjoy.example", password="x-long-pass-phrase-1", is_staff=True
    )
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_reward", "view_heldreward"]))
    client.force_login(viewer)

    listing = client.get("/ops/rewards/heldreward/")
    client.post("/ops/rewards/heldreward/", {"action": "approve_held", "_selected_action": [held.pk]})

    assert listing.status_code == 200
    assert "approve_held" not in listing.content.decode()
    held.refresh_from_db()
    assert held.status == RewardStatus.HELD
