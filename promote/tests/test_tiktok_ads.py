"""The TikTok Marketing API adapter against the sandbox's fake (TikTok's envelope): an order
launched as campaign, ad group and Spark Ad, its hours read from the hourly report, spend
turned back into coins, settled on the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from promote import services
from promote.models import DeliveryTick, OrderStatus
from promote.tests.conftest import assert_books_clean, coins_of, order_request
from promote.tiktok_ads import TikTokAds, TikTokAdsError
from sandbox.models import SandboxAdObject
from social.models import TikTokProfile


@pytest.fixture
def tiktok(live_server, settings):
    settings.PROMOTE_DELIVERY = "tiktok"
    settings.TIKTOK_ADS_API_BASE = live_server.url + "/sandbox/tiktok-ads/open_api/v1.3"
    settings.TIKTOK_ADS_CURRENCY = "EUR"
    return live_server


@pytest.mark.django_db(transaction=True)
def test_an_order_runs_on_tiktok_through_the_adapter(tiktok, promoter, ops):
    ana, post = promoter()
    now = timezone.now()
    with pytest.raises(services.NotEligible, match="Spark Ads authorization code"):
        services.order_place(holder=ana, request=order_request(post), actor=ana, now=now)
    order = services.order_place(
        holder=ana,
        request=order_request(
            post, duration_days=1, audience_automatic=False, country="GB", spark_auth_code="#sparkcode"
        ),
        actor=ana,
        now=now,
    )
    services.order_approve(order_id=order.pk, actor=ops, now=now)

    assert services.orders_launch() == 1
    assert services.orders_launch() == 0  # once
    order.refresh_from_db()
    adgroup = SandboxAdObject.objects.get(kind="adgroup")
    assert adgroup.payload["location_ids"] == ["2635167"]  # GB
    assert adgroup.payload["budget"] == 9.9  # 1,000 coins at 0.99 EUR per 100
    assert adgroup.payload["optimization_goal"] == "ENGAGED_VIEW"
    assert SandboxAdObject.objects.get(kind="ad").payload["creatives"][0]["tiktok_item_id"] == "#sparkcode"
    assert set(order.external_ids) == {"campaign_id", "adgroup_id", "ad_id"}

    end = order.ends_at + timedelta(minutes=5)
    assert services.deliveries_tick(now=end) == 24
    services.orders_settle_due(now=end)
    order.refresh_from_db()
    # The fake spends 80 % of 9.90 evenly over 24 hours: 0.33 an hour = 33 coins.
    assert order.status == OrderStatus.SETTLED
    assert order.consumed_coins == 24 * 33
    assert sum(DeliveryTick.objects.filter(order=order).values_list("spent_coins", flat=True)) == 792
    assert coins_of(ana) == 1000 - 792
    assert_books_clean()


@pytest.mark.django_db(transaction=True)
def test_an_error_envelope_is_a_clear_error(tiktok, settings):
    client = TikTokAds(token="not-the-token")
    with pytest.raises(TikTokAdsError, match="error 40001: Access token is incorrect"):
        client.report(campaign_id="1", start=timezone.now(), end=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_a_live_order_is_launched_on_the_account_with_no_video_and_no_code(tiktok, promoter, ops):
    ana, post = promoter()
    TikTokProfile.objects.create(user=ana, open_id="open-ivy", username="ivy")
    now = timezone.now()
    order = services.order_place(
        holder=ana,
        request=order_request(
            post, kind="LIVE", goal="LIVE_VIEWERS", tracked_post_id=None, live_room="ivy", duration_days=1
        ),
        actor=ana,
        now=now,
    )  # no Spark Ads code asked: it names a post
    services.order_approve(order_id=order.pk, actor=ops, now=now)

    assert services.orders_launch() == 1
    creative = SandboxAdObject.objects.get(kind="ad").payload["creatives"][0]
    assert "tiktok_item_id" not in creative
    assert creative["ad_format"] == "LIVE_CONTENT"
    assert creative["identity_id"] == "ivy"
    assert SandboxAdObject.objects.get(kind="adgroup").payload["optimization_goal"] == "LIVE_VIEW"
