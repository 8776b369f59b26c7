"""A consumer's balance in a shop's widget: agreed on TikJoy's own page, collected once by the frame
that asked, shown only for that brand (docs/api.md, "The balance in a shop's widget")."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from api.models import KeyKind, WidgetPass
from api.services import widget_pass_collect, widget_pass_grant
from api.tasks import prune
from merchants.models import TouchpointKind
from merchants.services import touchpoint_create
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop.example"
OPENED_BY_FRAME = {  # the frame, on TikJoy's origin, opened the window
    "Sec-Fetch-Site": "same-origin",
    "Referer": "http://testserver/embed/v1/frame?key=tj_pk_x&origin=https%3A%2F%2Fshop.example",
}


@pytest.fixture
def shop(brand, make_key):
    world = brand()
    merchant = world["merchant"]
    touchpoint_create(
        merchant=merchant, actor=owner_of(merchant), kind=TouchpointKind.WEBSITE, name="Shop", url=ORIGIN
    )
    return {**world, "pk": make_key(merchant, kind=KeyKind.PUBLISHABLE)}


def _fields(shop, nonce, origin=ORIGIN):
    return {"key": shop["pk"], "origin": origin, "n": nonce}


def _keep(frame, response) -> str:
    """The frame keeps its cookie as a browser would (Python's cookie parser doesn't know
    ``Partitioned``, so the name and value are read by hand)."""
    header = response["Set-Cookie"]
    name, _, value = header.split(";")[0].partition("=")
    if "Max-Age=0" in header:
        frame.cookies.pop(name, None)
    else:
        frame.cookies[name] = value
    return header


def _frame(client, shop):
    return client.get("/embed/v1/frame", {"key": shop["pk"], "origin": ORIGIN}).content.decode()


def test_the_frame_shows_the_balance_once_the_person_agreed_on_tikjoys_page(client, shop):
    nonce = secrets.token_hex(16)
    frame = Client()  # the shop's frame: another site, no TikJoy session
    assert "Show my balance here" in _frame(frame, shop)
    assert frame.post("/embed/v1/pass", _fields(shop, nonce)).json() == {"status": "waiting"}

    # TikJoy's own window: signed in, the person reads what is asked and agrees.
    client.force_login(shop["fan"])
    page = client.get("/embed/v1/connect", _fields(shop, nonce), headers=OPENED_BY_FRAME)
    assert "Show your balance on https://shop.example?" in page.content.decode()
    assert "Acme" in page.content.decode()
    done = client.post(f"/embed/v1/connect?key={shop['pk']}&origin={ORIGIN}&n={nonce}", _fields(shop, nonce))
    assert "now shows in the widget on <strong>https://shop.example</strong>" in done.content.decode()

    collected = frame.post("/embed/v1/pass", _fields(shop, nonce))
    assert collected.json() == {"status": "ok"}
    cookie = _keep(frame, collected)
    assert (
        "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie and "HttpOnly" in cookie
    )
    assert "Path=/embed/" in cookie

    body = _frame(frame, shop)
    figure = body.split('data-figure="balance">')[1].split("<")[0]
    assert figure == f"€{shop['reward'].user_amount}"
    assert "Forget me here" in body
    # Collected once: a second poll with the same nonce gets nothing more.
    assert frame.post("/embed/v1/pass", _fields(shop, nonce)).json() == {"status": "waiting"}

    # "Not you? Forget me here" clears it.
    assert "Max-Age=0" in _keep(frame, frame.post("/embed/v1/forget"))
    assert 'data-figure="balance"' not in _frame(frame, shop)


def test_the_cookie_shows_nothing_for_another_brand_or_a_forged_value(client, shop, brand, make_key):
    other = brand("other", fan_name="Bo Other")
    touchpoint_create(
        merchant=other["merchant"],
        actor=owner_of(other["merchant"]),
        kind=TouchpointKind.WEBSITE,
        name="S",
        url=ORIGIN,
    )
    other_pk = make_key(other["merchant"], kind=KeyKind.PUBLISHABLE)
    nonce = secrets.token_hex(16)
    widget_pass_grant(
        user=shop["fan"], merchant=shop["merchant"], origin=ORIGIN, nonce=nonce, now=timezone.now()
    )
    frame = Client()
    _keep(frame, frame.post("/embed/v1/pass", _fields(shop, nonce)))
    assert 'data-figure="balance"' in _frame(frame, shop)

    body = frame.get("/embed/v1/frame", {"key": other_pk, "origin": ORIGIN}).content.decode()
    assert 'data-figure="balance"' not in body

    frame.cookies["tj_widget"] = frame.cookies["tj_widget"].value[:-2] + "xx"
    assert 'data-figure="balance"' not in _frame(frame, shop)


def test_a_pass_is_refused_for_a_site_that_is_not_the_brands_and_a_malformed_nonce(client, shop):
    client.force_login(shop["fan"])
    nonce = secrets.token_hex(16)

    page = client.get(
        "/embed/v1/connect", _fields(shop, nonce, origin="https://evil.example"), headers=OPENED_BY_FRAME
    )
    assert page.status_code == 400
    assert "This link is broken" in page.content.decode()
    client.get("/embed/v1/connect", _fields(shop, "NOTHEX"), headers=OPENED_BY_FRAME)
    bad = client.post(f"/embed/v1/connect?key={shop['pk']}&origin={ORIGIN}&n=NOTHEX", _fields(shop, "NOTHEX"))
    assert bad.status_code == 400
    assert "This link is broken" in bad.content.decode()
    assert not WidgetPass.objects.exists()
    refused = Client().post("/embed/v1/pass", _fields(shop, nonce, origin="https://evil.example"))
    assert refused.status_code == 400
    assert refused.json()["status"] == "refused"


def test_signed_out_the_page_offers_sign_in_and_a_merchant_account_is_refused(client, shop):
    nonce = secrets.token_hex(16)
    page = client.get("/embed/v1/connect", _fields(shop, nonce), headers=OPENED_BY_FRAME).content.decode()
    assert "Sign in to see your balance" in page and "Continue with TikTok" in page

    client.force_login(owner_of(shop["merchant"]))
    page = client.get("/embed/v1/connect", _fields(shop, nonce), headers=OPENED_BY_FRAME)
    assert page.status_code == 403
    assert "only a consumer" in page.content.decode()


def test_an_old_pass_is_not_collected_and_is_pruned(shop, settings):
    nonce = secrets.token_hex(16)
    then = timezone.now() - timedelta(minutes=settings.WIDGET_PASS_MINUTES + 1)
    widget_pass_grant(user=shop["fan"], merchant=shop["merchant"], origin=ORIGIN, nonce=nonce, now=then)

    assert (
        widget_pass_collect(merchant=shop["merchant"], origin=ORIGIN, nonce=nonce, now=timezone.now()) is None
    )
    assert prune()["widget_passes"] == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_frames_polling_one_nonce_at_once_collect_it_once(shop):
    nonce = secrets.token_hex(16)
    widget_pass_grant(
        user=shop["fan"], merchant=shop["merchant"], origin=ORIGIN, nonce=nonce, now=timezone.now()
    )
    start = threading.Barrier(20, timeout=60)

    def poll(_):
        try:
            start.wait()
            return widget_pass_collect(
                merchant=shop["merchant"], origin=ORIGIN, nonce=nonce, now=timezone.now()
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        people = list(pool.map(poll, range(20)))

    assert [p.pk for p in people if p is not None] == [shop["fan"].pk]


@pytest.mark.parametrize("fetched_from", [None, "cross-site", "none", "same-site"])
def test_a_connect_link_that_didnt_come_from_the_frame_cant_grant(client, shop, fetched_from):
    """Someone picks a nonce and sends a signed-in person the link: the page wasn't opened by our
    frame, so pressing the button grants nothing the sender could collect."""
    nonce = secrets.token_hex(16)
    client.force_login(shop["fan"])
    headers = {"Sec-Fetch-Site": fetched_from} if fetched_from else {}

    page = client.get("/embed/v1/connect", _fields(shop, nonce), headers=headers)
    assert page.status_code == 400
    assert "come from it" in page.content.decode()
    posted = client.post(
        f"/embed/v1/connect?key={shop['pk']}&origin={ORIGIN}&n={nonce}", _fields(shop, nonce)
    )
    assert posted.status_code == 400

    assert not WidgetPass.objects.exists()
    assert Client().post("/embed/v1/pass", _fields(shop, nonce)).json() == {"status": "waiting"}


@pytest.mark.parametrize(
    "referrer",
    [
        "",  # no referrer at all
        "http://testserver/accounts/login/?next=/embed/v1/connect",  # back from TikJoy's sign-in page
        "http://testserver/embed/v1/connect?n=x",  # the connect page itself
    ],
)
def test_a_same_origin_window_the_frame_didnt_open_cant_grant(client, shop, referrer):
    """A link to the sign-in page with this page as ``next``: after signing in, the browser's redirect
    arrives "same-origin", but from the sign-in page. The nonce its sender picked isn't remembered."""
    nonce = secrets.token_hex(16)
    client.force_login(shop["fan"])
    headers = {"Sec-Fetch-Site": "same-origin", **({"Referer": referrer} if referrer else {})}

    page = client.get("/embed/v1/connect", _fields(shop, nonce), headers=headers)

    assert page.status_code == 400
    assert "come from it" in page.content.decode()
    client.post(f"/embed/v1/connect?key={shop['pk']}&origin={ORIGIN}&n={nonce}", _fields(shop, nonce))
    assert not WidgetPass.objects.exists()


def test_the_window_the_frame_opened_keeps_its_nonce_through_signing_in(client, shop):
    nonce = secrets.token_hex(16)
    assert (
        "Sign in"
        in client.get("/embed/v1/connect", _fields(shop, nonce), headers=OPENED_BY_FRAME).content.decode()
    )
    client.force_login(shop["fan"])  # keeps the session's data, as allauth's sign-in does

    # Back from signing in (a redirect: no longer "same-origin" for the browser), it still may grant.
    page = client.get("/embed/v1/connect", _fields(shop, nonce), headers={"Sec-Fetch-Site": "cross-site"})
    assert "Show your balance on" in page.content.decode()
    client.post(f"/embed/v1/connect?key={shop['pk']}&origin={ORIGIN}&n={nonce}", _fields(shop, nonce))
    assert WidgetPass.objects.get().user == shop["fan"]
