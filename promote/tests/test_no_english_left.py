"""Promote's pages and the console's wallet in German and Italian: no English left (issue #23).

Every visible text of the consumer's Promote pages, the console's Promote pages and the console's
wallet history is compared with the compiled catalogues (as ``tikjoy/tests/test_browser_languages``
does in a browser): a text that is an msgid whose translation differs is English that should not
be there. On top of that, what a catalogue can't catch: amounts in the reader's format (never
"2.97 EUR"), coin counts grouped as the language does, and the wallet's lines said from their
data in the reader's language, never the ledger's recorded English reasons.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from campaigns.models import ActionType
from merchants.models import Touchpoint
from promote import services
from promote.tests.conftest import order_request
from rewards.models import Reward
from rewards.services import action_record, reward_reverse
from tikjoy.tests.factories import owner_of
from tikjoy.tests.test_browser_languages import english_with_a_translation
from wallets.formats import money_text
from wallets.money import COIN

pytestmark = pytest.mark.django_db

SKIPPED = {"script", "style", "noscript", "template"}


class _Text(HTMLParser):
    """The text nodes a person reads (not scripts, not text marked with another ``lang``)."""

    def __init__(self, language: str):
        super().__init__()
        self.language, self.stack, self.texts = language, [], []

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "input", "meta", "link", "hr", "source", "use", "path", "rect"}:
            return
        lang = dict(attrs).get("lang")
        self.stack.append((tag, lang is not None and tag != "html" and lang != self.language))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data).strip()
        if text and not any(tag in SKIPPED or other for tag, other in self.stack):
            self.texts.append(text)


def _read(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()  # as the parser reads it (a no-break space too)


def visible_texts(response, language: str) -> list[str]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Language"] == language
    parser = _Text(language)
    parser.feed(response.content.decode())
    return parser.texts


@pytest.fixture
def world(make_merchant, make_campaign, make_consumer, promoter, ops):
    """An Italian brand with a live campaign, a reward paid for a TikTok log-in through its brand
    page and another reversed by ops, coins bought from its prepaid funds; a consumer with coins
    and a promotion order in review."""
    now = timezone.now()
    merchant = make_merchant("pasta", funds="200.00", brand_name="Pasta Fresca", country="IT", language="it")
    make_campaign(merchant, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30), now=now)
    brand_page = Touchpoint.objects.filter(merchant=merchant).first()
    for name in ("Bea", "Carlo"):
        action_record(
            user=make_consumer(name),
            merchant=merchant,
            action_type=ActionType.TIKTOK_LOGIN,
            touchpoint=brand_page,
            now=now,
        )
    reversed_one = Reward.objects.filter(merchant=merchant).order_by("pk").last()
    reward_reverse(reward_id=reversed_one.pk, reason="Doppio account", actor=ops, now=now)
    services.coins_buy_from_wallet(
        holder=merchant, coins_count=1200, currency="EUR", actor=owner_of(merchant), now=now
    )
    ana, post = promoter()
    order = services.order_place(
        holder=ana, request=order_request(post, budget_coins=400), actor=ana, now=now
    )
    return {"merchant": merchant, "owner": owner_of(merchant), "ana": ana, "order": order}


@pytest.mark.parametrize("language", ["de", "it"])
def test_promote_and_the_console_wallet_leave_no_english(client, world, language):
    english = english_with_a_translation(language)
    assert english, "no compiled catalogue: run scripts/compile-messages.sh"
    pages = {
        "consumer": [
            reverse("promote:home"),
            reverse("promote:order_new"),
            reverse("promote:order", args=[world["order"].pk]),
        ],
        "owner": [
            reverse("console:promote"),
            reverse("console:promote_new"),
            reverse("console:promote_shares"),
            reverse("console:promote_coupons"),
            reverse("console:wallet"),
        ],
    }
    left, seen = {}, {}
    for who, paths in pages.items():
        client.force_login(world["ana"] if who == "consumer" else world["owner"])
        for path in paths:
            texts = visible_texts(client.get(path, HTTP_ACCEPT_LANGUAGE=language), language)
            seen[path] = " ".join(texts)
            leftover = sorted({text for text in texts if text in english})
            if leftover:
                left[path] = leftover
    assert not left, f"English left in {language}: {left}"

    everything = " ".join(seen.values())
    assert not re.search(r"\d EUR\b", everything), "an amount written as '2.97 EUR'"
    with translation.override(language):
        # The consumer's purchase (1,000 coins for 9.90) and the console's (1,200 for 11.88).
        assert (
            _read(money_text(world["ana"].coin_wallet.purchases.get().amount, "EUR"))
            in seen[reverse("promote:home")]
        )
        assert _read(money_text(1200, COIN)) in seen[reverse("console:wallet")]
        assert "1.200" in seen[reverse("console:promote")]  # the coins held, grouped
        login = str(ActionType.TIKTOK_LOGIN.label)
    wallet = seen[reverse("console:wallet")]
    # Each line said from its data in the reader's language, an operator's words as typed.
    assert login in wallet and login != "Log in with TikTok"
    assert "Doppio account" in wallet
    assert "Pasta Fresca: Log in with TikTok" not in wallet
    assert "Bank transfer ref" not in wallet and "Promote coins bought for" not in wallet
    if language == "it":
        assert "coins" not in everything.lower()  # Italian says "monete"
