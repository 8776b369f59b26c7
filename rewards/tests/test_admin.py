import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import translation

from accounts.models import User
from campaigns.models import ActionType
from rewards.models import Ban, Reward, RewardKind, RewardStatus
from rewards.risk import people_sharing_devices
from rewards.services import RewardError, action_record, reward_reverse, snapshot_process
from rewards.tests.conftest import NOW, share, snapshot

pytestmark = pytest.mark.django_db


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
    assert "Shared device: 1 other person earned on this device" in body
    assert "SHARED_DEVICE" not in body  # the signal's name, never its code


def test_the_review_queue_names_its_person_and_merchant_columns_in_french(ops_client, held):
    body = ops_client.get("/ops/rewards/heldreward/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    headers = re.findall(
        r'<th scope="col" class="[^"]*column-(\w+)[^"]*">.*?<a href="[^"]*">([^<]+)</a>', body, re.S
    )
    assert ("user_column", "Utilisateur") in headers
    assert ("merchant_column", "Commerçant") in headers


def test_ops_approve_a_held_reward_from_the_queue(ops_client, held):
    response = ops_client.post(
        "/ops/rewards/heldreward/", {"action": "approve_held", "_selected_action": [held.pk]}, follow=True
    )

    held.refresh_from_db()
    assert held.status == RewardStatus.PENDING
    assert "1 held reward approved." in response.content.decode()


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


# --- the review queue's own buttons (issue 13) -------------------------------------------------


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_each_held_row_has_approve_and_reject_buttons(ops_client, held):
    body = ops_client.get("/ops/rewards/heldreward/").content.decode()

    assert f'formaction="/ops/rewards/heldreward/{held.pk}/approve/"' in body
    assert f'href="/ops/rewards/heldreward/{held.pk}/reject/"' in body


def test_approve_button_credits_the_reward_and_says_so(ops_client, held):
    response = ops_client.post(f"/ops/rewards/heldreward/{held.pk}/approve/", follow=True)

    held.refresh_from_db()
    assert held.status == RewardStatus.PENDING
    assert response.redirect_chain[-1][0] == "/ops/rewards/heldreward/"
    assert f"Reward #{held.pk} approved: €{held.user_amount:.2f} credited to Bob Fraudster as pending." in (
        _messages(response)
    )
    assert Reward.objects.filter(pk=held.pk, status=RewardStatus.HELD).count() == 0


def test_a_double_click_on_approve_changes_nothing_and_says_why(ops_client, held):
    ops_client.post(f"/ops/rewards/heldreward/{held.pk}/approve/")
    response = ops_client.post(f"/ops/rewards/heldreward/{held.pk}/approve/", follow=True)

    held.refresh_from_db()
    assert held.status == RewardStatus.PENDING
    assert (
        f"Nothing changed for reward #{held.pk}: This reward is no longer held for review (status: pending)."
        in _messages(response)
    )
    call_command("ledger_check")
    call_command("rewards_check")


def test_approve_needs_a_post(ops_client, held):
    assert ops_client.get(f"/ops/rewards/heldreward/{held.pk}/approve/").status_code == 405
    held.refresh_from_db()
    assert held.status == RewardStatus.HELD


def test_reject_button_asks_a_reason_then_refunds_the_brand(ops_client, held):
    ask = ops_client.get(f"/ops/rewards/heldreward/{held.pk}/reject/")
    assert ask.status_code == 200
    assert "Reject held reward" in ask.content.decode()
    assert "Both the person and the brand see it." in ask.content.decode()

    empty = ops_client.post(f"/ops/rewards/heldreward/{held.pk}/reject/", {"reason": "  "})
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    held.refresh_from_db()
    assert held.status == RewardStatus.HELD

    done = ops_client.post(
        f"/ops/rewards/heldreward/{held.pk}/reject/", {"reason": "One phone, two people."}, follow=True
    )
    held.refresh_from_db()
    assert (held.status, held.reason) == (RewardStatus.REVERSED, "One phone, two people.")
    assert f"Reward #{held.pk} rejected: €{held.merchant_price:.2f} went back to Acme." in _messages(done)

    again = ops_client.post(
        f"/ops/rewards/heldreward/{held.pk}/reject/", {"reason": "One phone, two people."}, follow=True
    )
    assert (
        f"Nothing changed for reward #{held.pk}: This reward is no longer held for review (status: reversed)."
        in _messages(again)
    )
    call_command("ledger_check")
    call_command("rewards_check")


def test_staff_without_the_review_permission_get_no_buttons_that_work(client, make_user, held):
    viewer = make_user("viewer@tikjoy.example", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_reward"))
    client.force_login(viewer)

    assert client.post(f"/ops/rewards/heldreward/{held.pk}/approve/").status_code == 403
    assert client.get(f"/ops/rewards/heldreward/{held.pk}/reject/").status_code == 403
    held.refresh_from_db()
    assert held.status == RewardStatus.HELD


def test_an_unknown_reward_is_a_404(ops_client, held):
    assert ops_client.post("/ops/rewards/heldreward/999999/approve/").status_code == 404
    assert ops_client.get("/ops/rewards/heldreward/999999/reject/").status_code == 404


def test_the_held_reward_page_shows_who_shares_the_device_and_the_buttons(ops_client, held):
    alice = User.objects.get(display_name="Alice Fraudster")

    body = ops_client.get(f"/ops/rewards/heldreward/{held.pk}/change/").content.decode()

    assert re.search(r'<span title="SHARED_DEVICE">Shared device</span>: 1 other person earned', body)
    assert "Who shares this person's devices" in body
    assert f'href="/ops/accounts/user/{alice.pk}/change/">Alice Fraudster</a>' in body
    assert f'href="/ops/accounts/user/{held.user_id}/change/">Bob Fraudster</a>' in body
    assert f'action="/ops/rewards/heldreward/{held.pk}/approve/"' in body
    assert f'href="/ops/rewards/heldreward/{held.pk}/reject/"' in body


def test_people_sharing_devices_counts_device_and_address_separately(
    make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant()
    make_campaign(merchant)
    ana, ben, cat, dan = (make_consumer(n) for n in ("Ana", "Ben", "Cat", "Dan"))
    for user, device, ip in (
        (ana, "dev-a", "203.0.113.1"),
        (ben, "dev-a", "198.51.100.9"),
        (cat, "dev-c", "203.0.113.1"),
        (dan, "dev-d", "198.51.100.7"),
    ):
        action_record(
            user=user,
            merchant=merchant,
            action_type=ActionType.TIKTOK_LOGIN,
            now=NOW,
            device_id=device,
            ip_address=ip,
        )

    shared = {
        s.user.display_name: (s.same_device, s.same_address) for s in people_sharing_devices(user_id=ana.pk)
    }

    assert shared == {"Ben": (1, 0), "Cat": (0, 1)}


def test_the_german_review_queue_title_starts_with_a_capital_as_german_nouns_do(ops_client, held):
    body = html.unescape(
        ops_client.get("/ops/rewards/heldreward/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    )

    assert re.search(r"<h1>Zurückgehaltene Prämie \(Prüf-Warteschlange\) \w+ \w+ auswählen</h1>", body)
    assert "zurückgehaltene Prämie (Prüf" not in body


def test_reversing_a_share_with_its_engagement_counts_every_reward_once_and_refuses_in_the_readers_language(
    ops_client, ops, make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    post = share(make_consumer("Ana Sharer"), merchant, campaign)
    snapshot_process(snapshot_id=snapshot(post, views=4_000).pk, now=NOW)
    snapshot_process(snapshot_id=snapshot(post, views=8_000, likes=20).pk, now=NOW)
    action_record(
        user=make_consumer("Ben Login"), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
    )
    gone = reward_reverse(
        reward_id=Reward.objects.get(user__display_name="Ben Login").pk, reason="Bot.", actor=ops, now=NOW
    )  # reversed before: it can't be again
    engagements = list(Reward.objects.filter(kind=RewardKind.ENGAGEMENT).order_by("pk"))
    assert len(engagements) == 2
    share_reward = Reward.objects.get(kind=RewardKind.ACTION, user__display_name="Ana Sharer")
    selected = [share_reward.pk, engagements[0].pk, gone.pk]  # the second engagement goes with its share

    page = ops_client.post(
        "/ops/rewards/reward/",
        {"action": "reverse", "_selected_action": selected, "apply": "1", "reason": "Fake share."},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )

    text = html.unescape(page.content.decode())
    assert "Prämien stornieren: 3 erledigt." in text  # the share's reward and both its engagement rewards
    assert (
        f"Nr. {gone.pk}: Nur ausstehende oder zur Prüfung zurückgehaltene Prämien können storniert "
        "werden. Status dieser Prämie: Storniert." in text
    )
    assert all(f"Nr. {e.pk}:" not in text for e in engagements)  # gone with their share, not refused
    assert set(Reward.objects.filter(user__display_name="Ana Sharer").values_list("status", flat=True)) == {
        RewardStatus.REVERSED
    }
    call_command("ledger_check")
    call_command("rewards_check")
    assert "All reward invariants hold." in capsys.readouterr().out


def test_a_decided_rewards_queue_page_says_what_it_is_now_not_that_it_was_deleted(ops_client, held):
    ops_client.post(f"/ops/rewards/heldreward/{held.pk}/reject/", {"reason": "One phone, two people."})

    stale = ops_client.get(
        f"/ops/rewards/heldreward/{held.pk}/change/", HTTP_ACCEPT_LANGUAGE="es", follow=True
    )

    said = " ".join(_messages(stale))
    assert "ya no está retenida para revisión (estado: anulada)" in said
    assert "eliminad" not in said and "does not exist" not in said


def test_a_reversal_without_a_reason_is_refused_in_the_readers_language(held, ops):
    with translation.override("de"), pytest.raises(RewardError) as refused:
        reward_reverse(reward_id=held.pk, reason="  ", actor=ops, now=NOW)

    assert str(refused.value) == "Sagen Sie, warum die Prämie storniert wird: Beide Seiten sehen den Grund."
    assert Reward.objects.get(pk=held.pk).status == RewardStatus.HELD


def test_the_reverse_page_in_french_has_one_button_that_reverses_and_a_link_back(
    ops_client, make_merchant, make_campaign, make_consumer
):
    """Walk finding: the page's button read "Annuler des récompenses" beside a link reading
    "Annuler" (Cancel), so backing out read like reversing."""
    merchant = make_merchant()
    make_campaign(merchant)
    action_record(user=make_consumer("Ben"), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    reward = Reward.objects.get(merchant=merchant)

    page = html.unescape(
        ops_client.post(
            "/ops/rewards/reward/",
            {"action": "reverse", "_selected_action": [reward.pk]},
            HTTP_ACCEPT_LANGUAGE="fr",
        ).content.decode()
    )

    assert 'value="Annuler des récompenses"' in page
    assert ">Retour, sans rien faire</a>" in page and ">Annuler</a>" not in page
