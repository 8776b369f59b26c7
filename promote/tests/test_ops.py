"""The review queue in /ops/: approve, reject with a reason from the fixed list (the budget back)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from promote import services
from promote.models import CoinWallet, OrderStatus, PromoteOrder
from promote.tests.conftest import coins_of, fund, order_request

pytestmark = pytest.mark.django_db


def _staff(client, make_user):
    admin = make_user("boss@tikjoy.example", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return admin


def test_ops_approve_from_the_queue(client, make_user, promoter):
    ana, post = promoter()
    order = services.order_place(holder=ana, request=order_request(post), actor=ana, now=timezone.now())
    _staff(client, make_user)
    url = reverse("admin:promote_promoteorder_changelist")
    response = client.post(url, {"action": "approve", "_selected_action": [order.pk]}, follow=True)
    assert "Approved: 1 done." in response.content.decode()
    assert PromoteOrder.objects.get().status == OrderStatus.ACTIVE


def test_ops_reject_with_a_reason_from_the_list(client, make_user, promoter):
    ana, post = promoter()
    order = services.order_place(
        holder=ana, request=order_request(post, budget_coins=400), actor=ana, now=timezone.now()
    )
    _staff(client, make_user)
    url = reverse("admin:promote_promoteorder_changelist")
    page = client.post(url, {"action": "reject", "_selected_action": [order.pk]}).content.decode()
    assert "The music is not licensed commercial music" in page  # the fixed list is offered
    bad = client.post(
        url, {"action": "reject", "_selected_action": [order.pk], "apply": "1", "reason": "BECAUSE"}
    )
    assert bad.status_code == 200 and PromoteOrder.objects.get().status == OrderStatus.IN_REVIEW
    client.post(
        url,
        {"action": "reject", "_selected_action": [order.pk], "apply": "1", "reason": "MUSIC_NOT_COMMERCIAL"},
    )
    order.refresh_from_db()
    assert (order.status, order.reject_reason) == (OrderStatus.REJECTED, "MUSIC_NOT_COMMERCIAL")
    assert coins_of(ana) == 1000


def test_approving_twice_says_why(client, make_user, promoter):
    ana, post = promoter()
    order = services.order_place(holder=ana, request=order_request(post), actor=ana, now=timezone.now())
    admin = _staff(client, make_user)
    services.order_approve(order_id=order.pk, actor=admin, now=timezone.now())
    url = reverse("admin:promote_promoteorder_changelist")
    page = client.post(
        url, {"action": "approve", "_selected_action": [order.pk]}, follow=True
    ).content.decode()
    assert "is active, not in review" in page


def test_ops_issue_a_coupon_and_a_taken_code_is_a_form_error(client, make_user):
    _staff(client, make_user)
    url = reverse("admin:promote_coupon_add")
    fields = {
        "code": "welcome100",
        "coins": "100",
        "valid_from": "2026-11-01 00:00",
        "valid_until": "2026-12-31 00:00",
        "kind": "",
    }
    assert client.post(url, fields).status_code == 302
    again = client.post(url, fields)
    assert again.status_code == 400
    assert "The coupon code WELCOME100 is taken." in again.content.decode()
    backwards = client.post(url, fields | {"code": "LATE", "valid_until": "2026-10-01 00:00"})
    assert "A coupon&#x27;s validity ends after it starts." in backwards.content.decode()


def test_ops_forget_a_wrong_birth_date_with_a_reason_and_the_person_gives_it_again(
    client, make_user, make_consumer
):
    kid = make_consumer("Kid")
    fund(kid, "20.00")
    wallet = services.birth_date_declare(
        user=kid, birth_date=date(2012, 3, 4), now=timezone.now(), currency="EUR"
    )
    _staff(client, make_user)
    url = reverse("admin:promote_coinwallet_changelist")

    asked = client.post(
        url, {"action": "forget_birth_date", "_selected_action": [wallet.pk]}
    ).content.decode()
    assert 'name="reason"' in asked and CoinWallet.objects.get(pk=wallet.pk).birth_date == date(2012, 3, 4)
    done = client.post(
        url,
        {
            "action": "forget_birth_date",
            "_selected_action": [wallet.pk],
            "apply": "1",
            "reason": "ID checked: born 1992",
        },
        follow=True,
    ).content.decode()
    client.force_login(kid)
    promote_page = client.get(reverse("promote:home")).content.decode()

    assert "Birth date forgotten: 1 done." in done
    assert CoinWallet.objects.get(pk=wallet.pk).birth_date is None
    assert (
        LogEntry.objects.get(object_id=str(wallet.pk)).change_message
        == "Birth date forgotten: ID checked: born 1992"
    )
    assert 'name="birth_date"' in promote_page and 'data-testid="under-age"' not in promote_page
