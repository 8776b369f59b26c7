"""The merchant console's Promote pages: roles, scoping, a merchant's order end to end."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Video
from merchants.roles import Role
from promote import services
from promote.models import CoinWallet, PromoteOrder
from promote.tests.conftest import coins_of
from tikjoy.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def video_of(merchant, **fields) -> Video:
    values = {"slot": 1, "title": "Joy Coffee morning", "tiktok_url": "https://www.tiktok.com/@joy/video/1"}
    values.update(fields)
    return Video.objects.create(merchant=merchant, **values)


def signed_in(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


def merchant_order(merchant, *, now, budget_coins=600, duration_days=3):
    """A merchant with 1,000 coins bought from its funds promotes a library video for more visits."""
    services.coins_buy_from_wallet(
        holder=merchant, coins_count=1000, currency="EUR", actor=merchant.created_by, now=now
    )
    return services.order_place(
        holder=merchant,
        request=services.OrderRequest(
            kind="VIDEO",
            goal="WEBSITE_VISITS",
            budget_coins=budget_coins,
            duration_days=duration_days,
            commercial_music_declared=True,
            video_id=video_of(merchant).pk,
        ),
        actor=merchant.created_by,
        now=now,
    )


def test_an_owner_buys_coins_and_promotes_a_library_video(client, make_merchant):
    joy = make_merchant("joy", funds="50.00")
    video = video_of(joy)
    signed_in(client, joy.created_by)
    page = client.post(
        reverse("console:promote"), {"action": "buy", "coins": "1000", "currency": "EUR"}, follow=True
    )
    assert "1,000 coins bought for €9.90." in page.content.decode()
    fields = {
        "content": f"v{video.pk}",
        "kind": "VIDEO",
        "goal": "WEBSITE_VISITS",
        "audience_automatic": "on",
        "age_min": 18,
        "age_max": 65,
        "budget_coins": 600,
        "duration_days": 3,
        "commercial_music_declared": "on",
        "confirm": "yes",
    }
    page = client.post(reverse("console:promote_new"), fields, follow=True).content.decode()
    order = PromoteOrder.objects.get()
    assert f"Promotion #{order.pk} is paid and waiting for review." in page
    assert coins_of(joy) == 400


def test_a_viewer_sees_but_cant_buy_or_order(client, make_merchant, add_member):
    joy = make_merchant("joy", funds="50.00")
    viewer = add_member(joy, "viewer@joy.example", Role.VIEWER)
    signed_in(client, viewer)
    assert client.get(reverse("console:promote")).status_code == 200
    page = client.post(
        reverse("console:promote"), {"action": "buy", "coins": "100", "currency": "EUR"}, follow=True
    )
    assert "Your role does not allow buying or withdrawing coins." in page.content.decode()
    assert client.get(reverse("console:promote_new")).status_code == 403


def test_another_merchants_order_is_not_found(client, make_merchant):
    joy = make_merchant("joy", funds="50.00")
    other = make_merchant("other", funds="50.00")
    services.coins_buy_from_wallet(
        holder=other, coins_count=1000, currency="EUR", actor=other.created_by, now=timezone.now()
    )
    order = services.order_place(
        holder=other,
        request=services.OrderRequest(
            kind="VIDEO",
            goal="VIEWS",
            budget_coins=500,
            duration_days=1,
            commercial_music_declared=True,
            video_id=video_of(other).pk,
        ),
        actor=other.created_by,
        now=timezone.now(),
    )
    signed_in(client, joy.created_by)
    assert client.get(reverse("console:promote_order", args=[order.pk])).status_code == 404
    assert client.get(reverse("console:promote_order_csv", args=[order.pk])).status_code == 404


def test_a_video_not_posted_on_tiktok_cant_be_promoted(make_merchant):
    joy = make_merchant("joy", funds="50.00")
    services.coins_buy_from_wallet(
        holder=joy, coins_count=1000, currency="EUR", actor=joy.created_by, now=timezone.now()
    )
    request = services.OrderRequest(
        kind="VIDEO",
        goal="VIEWS",
        budget_coins=500,
        duration_days=1,
        commercial_music_declared=True,
        video_id=video_of(joy, tiktok_url="", file="library/joy.mp4").pk,
    )
    with pytest.raises(services.NotEligible, match="not posted on your TikTok business account"):
        services.order_place(holder=joy, request=request, actor=joy.created_by, now=timezone.now())


def test_the_console_walk_covers_promote():
    """The generic tenant walk (merchants/tests/test_tenant_isolation.py) requests every console
    page without an id, so /console/promote/ and /console/promote/new/ are in it; its world holds
    a Bravo order on 'Bravo Secret Video' (promote/tests/isolation.py)."""
    from merchants.tests.test_tenant_isolation import _site_routes

    assert {"promote", "promote_new"} <= set(_site_routes())


def test_the_dashboard_shows_the_coins_held_and_the_promotions_running(client, make_merchant):
    """Read with the other panels' figures in one query: the same coins as the coin account holds."""
    joy = make_merchant("joy", funds="50.00")
    video = video_of(joy)
    signed_in(client, joy.created_by)
    dashboard = client.get(reverse("console:index")).content.decode()
    assert '<dd data-figure="promote-coins">0</dd>' in dashboard
    assert '<dd data-figure="promote-running">0</dd>' in dashboard

    now = timezone.now()
    services.coins_buy_from_wallet(
        holder=joy, coins_count=1000, currency="EUR", actor=joy.created_by, now=now
    )
    services.order_place(
        holder=joy,
        request=services.OrderRequest(
            kind="VIDEO",
            goal="VIEWS",
            budget_coins=300,
            duration_days=2,
            commercial_music_declared=True,
            video_id=video.pk,
        ),
        actor=joy.created_by,
        now=now,
    )
    PromoteOrder.objects.filter(wallet__merchant=joy).update(status="ACTIVE")

    dashboard = client.get(reverse("console:index")).content.decode()
    assert coins_of(joy) == 700
    assert '<dd data-figure="promote-coins">700</dd>' in dashboard
    assert '<dd data-figure="promote-running">1</dd>' in dashboard


def test_the_buy_form_offers_only_the_currency_the_merchant_can_pay_in(client, make_merchant):
    joy = make_merchant("joy", funds="50.00")
    signed_in(client, joy.created_by)

    page = client.get(reverse("console:promote")).content.decode()

    assert '<option value="EUR"' in page
    assert '<option value="USD"' not in page and '<option value="GBP"' not in page
    refused = client.post(reverse("console:promote"), {"action": "buy", "coins": "1000", "currency": "USD"})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert not CoinWallet.objects.filter(merchant=joy).exists()  # nothing bought


def test_a_library_video_is_named_in_the_readers_language_where_the_merchant_gave_a_title(
    client, make_merchant
):
    joy = make_merchant("joy", funds="50.00")
    video = video_of(joy)
    campaign_services.video_texts_save(
        video=video, actor=joy.created_by, texts={"it": ("Caffè del mattino", "")}
    )
    signed_in(client, joy.created_by)
    client.post(reverse("console:promote"), {"action": "buy", "coins": "1000", "currency": "EUR"})
    form = client.get(reverse("console:promote_new"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    client.post(
        reverse("console:promote_new"),
        {
            "content": f"v{video.pk}",
            "kind": "VIDEO",
            "goal": "WEBSITE_VISITS",
            "audience_automatic": "on",
            "age_min": 18,
            "age_max": 65,
            "budget_coins": 600,
            "duration_days": 3,
            "commercial_music_declared": "on",
            "confirm": "yes",
        },
    )
    order = PromoteOrder.objects.get()

    home = client.get(reverse("console:promote"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    page = client.get(
        reverse("console:promote_order", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="it"
    ).content.decode()
    english = client.get(reverse("console:promote"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for text in (form, home, page):
        assert "Caffè del mattino" in text
        assert "Joy Coffee morning" not in text
    assert "Joy Coffee morning" in english  # no English text given: the video's own title


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("de", "Bezahlt mit"),
        ("fr", "Payé avec"),
        ("it", "Pagato con"),
        ("es", "Pagado con"),
        ("en", "Paid with"),
    ],
)
def test_a_coin_purchase_says_what_it_was_paid_with(client, make_merchant, language, heading):
    """#23: the German column read "Über: TikJoy-Wallet" on a phone (a literal "From"/"via")."""
    joy = make_merchant("joy", funds="50.00")
    owner = joy.created_by
    services.coins_buy_from_wallet(
        holder=joy, coins_count=1000, currency="EUR", actor=owner, now=timezone.now()
    )
    type(owner).objects.filter(pk=owner.pk).update(language=language)
    signed_in(client, owner)

    body = client.get(reverse("console:promote")).content.decode()

    assert f'<th scope="col">{heading}</th>' in body
    assert '<th scope="col">Über</th>' not in body and '<th scope="col">Via</th>' not in body


def test_a_promotions_status_reads_as_the_lists_status_column_in_italian(client, make_merchant):
    """#23: the Italian order page said "stato attiva" in a sentence, lower case, while a status is a label:
    the page says "Stato: Attiva", as the list's column does."""
    joy = make_merchant("joy", funds="50.00")
    video = video_of(joy)
    owner = joy.created_by
    now = timezone.now()
    services.coins_buy_from_wallet(holder=joy, coins_count=1000, currency="EUR", actor=owner, now=now)
    order = services.order_place(
        holder=joy,
        request=services.OrderRequest(
            kind="VIDEO",
            goal="VIEWS",
            budget_coins=300,
            duration_days=2,
            commercial_music_declared=True,
            video_id=video.pk,
        ),
        actor=owner,
        now=now,
    )
    PromoteOrder.objects.filter(pk=order.pk).update(status="ACTIVE")
    type(owner).objects.filter(pk=owner.pk).update(language="it")
    signed_in(client, owner)

    page = client.get(reverse("console:promote_order", args=[order.pk])).content.decode()
    listed = client.get(reverse("console:promote")).content.decode()

    assert 'Stato: <strong data-testid="status">Attiva</strong>' in page
    assert "<td>Attiva</td>" in listed


def test_each_coin_form_label_names_its_own_field(client, make_merchant):
    """Walk: the buying and the withdrawing forms both had id="id_coins": "Coins to withdraw" pointed at
    the amount to buy (a screen reader, or a click on the label, went to the wrong field)."""
    joy = make_merchant("joy", funds="50.00")
    signed_in(client, joy.created_by)
    client.post(reverse("console:promote"), {"action": "buy", "coins": "1000", "currency": "EUR"})

    page = client.get(reverse("console:promote")).content.decode()

    ids = re.findall(r'\bid="(id_[a-z_]+)"', page)
    assert len(ids) == len(set(ids)), ids
    assert re.search(r'<label for="id_withdraw_coins">Coins to withdraw:</label>', page)
    assert 'id="id_withdraw_coins"' in page and 'id="id_coins"' in page
