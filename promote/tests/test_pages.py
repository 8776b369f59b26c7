"""The consumer's Promote pages: what a person sees and can do."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from promote import services
from promote.models import DeliveryTick, PromoteOrder
from promote.tests.conftest import coins_of, fund, ops_coupon, order_request, own_post, settled_order
from tikjoy.tests.factories import sheet_rows

pytestmark = pytest.mark.django_db


def test_a_consumer_buys_coins_and_sees_them(client, make_consumer):
    ana = make_consumer("Ana")
    fund(ana, "5.00")
    client.force_login(ana)
    response = client.post(
        reverse("promote:home"),
        {"action": "buy", "coins": "300", "currency": "EUR", "birth_date": "1990-05-01"},
        follow=True,
    )
    page = response.content.decode()
    assert "300 coins bought for €2.97." in page
    assert "300 coins" in page
    # The buy and the withdrawal forms both ask for coins: each label names its own box.
    assert page.count('id="id_coins"') == 1 and page.count('id="id_withdraw_coins"') == 1
    assert 'for="id_withdraw_coins"' in page
    # The zone of the purchase times named once ("UTC time" said "time" twice).
    assert "Purchase times are in the UTC time zone, as on your invoices" in page


def test_a_purchase_beyond_the_balance_is_a_message_not_an_error(client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)
    response = client.post(
        reverse("promote:home"),
        {"action": "buy", "coins": "300", "currency": "EUR", "birth_date": "1990-05-01"},
        follow=True,
    )
    assert response.status_code == 200
    assert "doesn&#x27;t hold" in response.content.decode()
    assert 'name="birth_date"' not in response.content.decode()  # the date is kept: not asked again


def test_the_order_form_shows_the_estimate_then_places_the_order(client, promoter):
    ana, post = promoter()
    client.force_login(ana)
    fields = {
        "content": post.pk,
        "kind": "VIDEO",
        "goal": "VIEWS",
        "audience_automatic": "on",
        "age_min": 18,
        "age_max": 65,
        "budget_coins": 500,
        "duration_days": 2,
        "commercial_music_declared": "on",
    }
    response = client.post(reverse("promote:order_new"), fields)
    assert "Estimated result: 1,188 to 3,240" in response.content.decode()
    assert not PromoteOrder.objects.exists()
    response = client.post(reverse("promote:order_new"), fields | {"confirm": "yes"}, follow=True)
    order = PromoteOrder.objects.get()
    assert f"Promotion #{order.pk} is paid and waiting for review." in response.content.decode()
    assert coins_of(ana) == 500


def test_the_reasons_an_order_cant_be_placed_are_shown(client, promoter):
    ana, post = promoter()
    client.force_login(ana)
    fields = {
        "content": post.pk,
        "kind": "LIVE",
        "goal": "LIVE_VIEWERS",
        "age_min": 18,
        "age_max": 65,
        "country": "GB",
        "budget_coins": 500,
        "duration_days": 2,
        "confirm": "yes",
    }
    page = client.post(reverse("promote:order_new"), fields).content.decode()
    assert "Only a video whose music is commercial music can be promoted: declare it." in page
    assert "That goal is not offered" not in page  # LIVE_VIEWERS is LIVE's


def test_an_order_page_shows_analytics_and_csv(client, promoter, ops):
    ana, post = promoter()
    order = settled_order(ana, post, ops)
    client.force_login(ana)
    page = client.get(reverse("promote:order", args=[order.pk])).content.decode()
    assert "Settled" in page or "settled" in page
    # Counts grouped as the reader writes numbers ("1,000"), the hour column naming its zone.
    assert f"Returned to your coins: <strong>{order.refunded_coins:,} coins</strong>" in page
    assert f"The ledger records {order.consumed_coins:,} coins spent." in page
    assert "<th>Hour, UTC</th>" in page
    assert 'data-testid="chart"' in page
    rows = sheet_rows(client.get(reverse("promote:order_csv", args=[order.pk])), ",")
    assert rows[0][:3] == ["Hour, UTC", "Coins spent", "Impressions"]
    assert len(rows) == 25
    assert sum(int(row[1]) for row in rows[1:]) == order.consumed_coins


def test_someone_elses_order_is_not_found(client, promoter, make_consumer):
    ana, post = promoter()
    order = services.order_place(holder=ana, request=order_request(post), actor=ana, now=timezone.now())
    client.force_login(make_consumer("Bob"))
    assert client.get(reverse("promote:order", args=[order.pk])).status_code == 404
    assert client.get(reverse("promote:order_csv", args=[order.pk])).status_code == 404
    assert client.post(reverse("promote:order_cancel", args=[order.pk])).status_code == 404


def test_a_gone_post_is_not_offered(client, promoter):
    ana, post = promoter()
    own_post(ana, video_id="gone1", status="GONE")
    client.force_login(ana)
    page = client.get(reverse("promote:order_new")).content.decode()
    assert "TikTok video gone1" not in page
    assert f"TikTok video {post.video_id}" in page


def test_an_order_page_counts_hours_and_days_in_the_persons_time_zone(client, promoter, ops):
    ana, post = promoter()
    ana.time_zone = "Pacific/Auckland"
    ana.save(update_fields=["time_zone"])
    now = timezone.now()
    order = services.order_place(holder=ana, request=order_request(post, duration_days=1), actor=ana, now=now)
    services.order_approve(order_id=order.pk, actor=ops, now=now)
    services.deliveries_tick(now=now + timedelta(days=1, hours=1))
    client.force_login(ana)

    page = client.get(reverse("promote:order", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    csv_reply = client.get(reverse("promote:order_csv", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="it")
    rows = sheet_rows(csv_reply, ";")  # Italian: cells separated by ";" (a decimal comma)

    assert "Ora, Auckland (Ora della Nuova Zelanda)" in page and "Ora, UTC" not in page
    day = timezone.localdate(timezone.now(), ZoneInfo("Pacific/Auckland")).isoformat()
    assert csv_reply["Content-Disposition"] == f'attachment; filename="promozione-{order.pk}-{day}.csv"'
    first = DeliveryTick.objects.filter(order=order).order_by("hour").first().hour
    assert rows[0][0] == "Ora, Auckland (Ora della Nuova Zelanda)"  # in words, not its id
    assert rows[1][0] == first.astimezone(ZoneInfo("Pacific/Auckland")).strftime("%Y-%m-%d %H:00")


def _order_fields(post, **fields) -> dict:
    values = {
        "content": post.pk,
        "kind": "VIDEO",
        "goal": "VIEWS",
        "audience_automatic": "on",
        "age_min": 18,
        "age_max": 65,
        "budget_coins": 60,
        "duration_days": 1,
        "commercial_music_declared": "on",
    }
    values.update(fields)
    return values


def test_the_estimate_shows_the_coupons_share_and_pay_names_the_coins_the_person_pays(client, promoter, ops):
    ana, post = promoter(coins=100, funds="0.99")
    ops_coupon(ops, code="JOYCOFFEE-THANKS", coins=50, user=ana)
    client.force_login(ana)
    fields = _order_fields(post, coupon_code="joycoffee-thanks")

    estimate = client.post(reverse("promote:order_new"), fields, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "El cupón JOYCOFFEE-THANKS paga 50 monedas del presupuesto; tú pagas 10 monedas." in estimate
    assert "Pagar 10 monedas y enviar a revisión" in estimate and "Pagar 60" not in estimate
    client.post(reverse("promote:order_new"), fields | {"confirm": "yes"})
    order = PromoteOrder.objects.get()
    assert coins_of(ana) == 90

    page = client.post(
        reverse("promote:order_cancel", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="es", follow=True
    ).content.decode()

    assert (
        "Cancelada. De vuelta en tu saldo de monedas: 10 monedas; de vuelta en el cupón JOYCOFFEE-THANKS, "
        "que puedes volver a usar: 50 monedas." in page
    )
    assert coins_of(ana) == 100


def test_the_estimate_step_reports_a_bad_coupon_and_the_missing_music_tick_and_offers_no_pay(
    client, promoter
):
    ana, post = promoter()
    client.force_login(ana)
    fields = _order_fields(post, coupon_code="NOPE")
    del fields["commercial_music_declared"]

    page = client.post(reverse("promote:order_new"), fields).content.decode()

    assert "That coupon doesn&#x27;t exist or was used." in page
    assert "Only a video whose music is commercial music can be promoted: declare it." in page
    assert 'data-testid="pay"' not in page and 'data-testid="estimate"' not in page
    assert not PromoteOrder.objects.exists()
