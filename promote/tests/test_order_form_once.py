"""The order form sent twice (a double click, two tabs, the back button and Pay again) places one
order and spends the coins once: the form carries a one-time key, stored with the order and unique
per promoter. On PostgreSQL with real threads."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from promote import services
from promote.models import PromoteOrder
from promote.tests.conftest import assert_books_clean, coins_of
from promote.tests.test_concurrency import run_together
from promote.tests.test_console import signed_in, video_of


def _fields(post, key: str) -> dict:
    return {
        "content": post.pk if post else "",
        "kind": "VIDEO",
        "goal": "VIEWS",
        "audience_automatic": "on",
        "age_min": 18,
        "age_max": 65,
        "budget_coins": 400,
        "duration_days": 2,
        "commercial_music_declared": "on",
        "request_key": key,
        "confirm": "yes",
    }


def _form_key(client: Client) -> str:
    """The one-time key the order form was shown with."""
    page = client.get(reverse("promote:order_new")).content.decode()
    return re.search(r'name="request_key" value="([0-9a-f-]{36})"', page).group(1)


@pytest.mark.django_db(transaction=True)
def test_the_same_order_form_sent_by_four_requests_at_once_places_one_order(promoter):
    ana, post = promoter()
    clients = [Client() for _ in range(4)]
    for client in clients:
        client.force_login(ana)
    key = _form_key(clients[0])

    def pay(client):
        def send():
            response = client.post(reverse("promote:order_new"), _fields(post, key))
            return response.status_code, response.headers.get("Location")

        return send

    outcomes = run_together([pay(client) for client in clients])

    order = PromoteOrder.objects.get(wallet__user=ana)
    # Each request is taken to the one order's page.
    assert outcomes == [repr((302, reverse("promote:order", args=[order.pk])))] * 4, outcomes
    assert coins_of(ana) == 1000 - 400
    assert_books_clean()


@pytest.mark.django_db(transaction=True)
def test_pay_sent_again_with_the_back_button_shows_the_first_order(client, promoter):
    ana, post = promoter()
    client.force_login(ana)
    key = _form_key(client)
    first = client.post(reverse("promote:order_new"), _fields(post, key), follow=True)
    again = client.post(reverse("promote:order_new"), _fields(post, key), follow=True)

    order = PromoteOrder.objects.get(wallet__user=ana)
    assert (
        first.redirect_chain[-1][0]
        == again.redirect_chain[-1][0]
        == reverse("promote:order", args=[order.pk])
    )
    assert f"Promotion #{order.pk}" in again.content.decode()
    assert coins_of(ana) == 600
    # Back to the paid form and "See the estimate" again: the form shown is a new order's.
    estimate = client.post(
        reverse("promote:order_new"), _fields(post, key) | {"confirm": ""}
    ).content.decode()
    assert "Estimated result" in estimate and key not in estimate
    # A new form (shown afresh) has a new key and places a second order.
    client.post(reverse("promote:order_new"), _fields(post, _form_key(client)))
    assert PromoteOrder.objects.filter(wallet__user=ana).count() == 2
    assert coins_of(ana) == 200
    assert_books_clean()


@pytest.mark.django_db
def test_the_consoles_order_form_paid_twice_places_one_order(client, make_merchant):
    joy = make_merchant("joy", funds="50.00")
    services.coins_buy_from_wallet(
        holder=joy, coins_count=1000, currency="EUR", actor=joy.created_by, now=timezone.now()
    )
    video = video_of(joy)
    signed_in(client, joy.created_by)
    page = client.get(reverse("console:promote_new")).content.decode()
    key = re.search(r'name="request_key" value="([0-9a-f-]{36})"', page).group(1)
    fields = _fields(post=None, key=key) | {"content": f"v{video.pk}", "budget_coins": 600}
    client.post(reverse("console:promote_new"), fields)
    again = client.post(reverse("console:promote_new"), fields, follow=True)

    order = PromoteOrder.objects.get()
    assert again.redirect_chain[-1][0] == reverse("console:promote_order", kwargs={"pk": order.pk})
    assert coins_of(joy) == 400


def _new_key(page: str) -> str:
    return re.search(r'name="request_key" value="([0-9a-f-]{36})"', page).group(1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [{"budget_coins": 300}, {"duration_days": 3}, {"audience_automatic": "", "country": "FR"}],
)
def test_the_paid_form_changed_and_paid_again_places_nothing_and_says_which_order_it_placed(
    client, promoter, change
):
    ana, post = promoter()
    client.force_login(ana)
    key = _form_key(client)
    client.post(reverse("promote:order_new"), _fields(post, key))
    first = PromoteOrder.objects.get(wallet__user=ana)
    changed = _fields(post, key) | change

    response = client.post(reverse("promote:order_new"), changed)

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    link = reverse("promote:order", args=[first.pk])
    assert (
        f'This form was already used for <a href="{link}">promotion #{first.pk}</a>. '
        "Check the details and pay again to place a new one." in page
    )
    assert PromoteOrder.objects.filter(wallet__user=ana).count() == 1
    assert coins_of(ana) == 600
    new_key = _new_key(page)
    assert new_key != key
    # Paying the form shown again places the changed order, once.
    client.post(reverse("promote:order_new"), changed | {"request_key": new_key})
    client.post(reverse("promote:order_new"), changed | {"request_key": new_key})
    second = PromoteOrder.objects.filter(wallet__user=ana).exclude(pk=first.pk).get()
    assert second.budget_coins == int(changed["budget_coins"])
    assert coins_of(ana) == 600 - second.budget_coins
    assert_books_clean()


@pytest.mark.django_db
def test_the_changed_form_is_told_in_the_persons_language(client, promoter):
    ana, post = promoter()
    client.force_login(ana)
    key = _form_key(client)
    client.post(reverse("promote:order_new"), _fields(post, key))

    page = client.post(
        reverse("promote:order_new"), _fields(post, key) | {"budget_coins": 300}, HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()

    assert "Prüf die Angaben und bezahl noch einmal" in html.unescape(page)


@pytest.mark.django_db
def test_the_consoles_paid_form_changed_and_paid_again_places_nothing(client, make_merchant):
    joy = make_merchant("joy", funds="50.00")
    services.coins_buy_from_wallet(
        holder=joy, coins_count=1000, currency="EUR", actor=joy.created_by, now=timezone.now()
    )
    video = video_of(joy)
    signed_in(client, joy.created_by)
    key = _new_key(client.get(reverse("console:promote_new")).content.decode())
    fields = _fields(post=None, key=key) | {"content": f"v{video.pk}", "budget_coins": 600}
    client.post(reverse("console:promote_new"), fields)
    order = PromoteOrder.objects.get()

    response = client.post(
        reverse("console:promote_new"), fields | {"budget_coins": 300}, HTTP_ACCEPT_LANGUAGE="de"
    )

    page = html.unescape(response.content.decode())
    link = reverse("console:promote_order", kwargs={"pk": order.pk})
    assert response.status_code == 200
    assert f'<a href="{link}">Promotion #{order.pk}</a>' in page
    assert "Bitte prüfen Sie die Angaben und bezahlen Sie erneut" in page
    assert _new_key(page) != key
    assert PromoteOrder.objects.count() == 1 and coins_of(joy) == 400
    assert_books_clean()
