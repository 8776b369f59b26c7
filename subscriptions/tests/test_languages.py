"""Subscriptions, support and privacy pages in German and Italian: no English left (issue #23).

The consumer's pages (subscriptions, help, support requests, data export, account deletion), the
console's (diagnostics, closing the merchant) and the ops pages of those apps and of the ledger
are rendered for people who chose German or Italian. Every visible text (text nodes, button
values, placeholders) is compared with the compiled catalogues Django uses, as the browser check
does (``test_browser_languages.english_with_a_translation``): a text that is an msgid whose
translation differs is English that should not be there. Dates are in the person's format and
time zone, amounts in their number format.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override, trans_real

from accounts.services import user_locale_set
from privacy.services import data_export_request
from rewards.models import MerchantConsumer
from subscriptions.benefits import hours_in_words
from subscriptions.models import Plan
from subscriptions.services import subscription_start
from support.services import Context, support_request_create
from tikjoy.tests.test_browser_languages import english_with_a_translation

pytestmark = pytest.mark.django_db

SKIPPED = {"script", "style", "noscript", "template"}


class _Texts(HTMLParser):
    """The texts a person reads on a page: text nodes outside scripts and styles and outside an
    element marked with another ``lang`` (the switcher's language names), button values,
    placeholders and titles."""

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language, self.stack, self.texts = language, [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "button") and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])
        for name in ("placeholder", "title", "aria-label"):
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag in ("input", "br", "img", "meta", "link", "hr", "source", "col", "wbr", "area", "base"):
            return
        other = bool(attrs.get("lang")) and attrs["lang"] != self.language and tag != "html"
        # The ops menu lists every app's models: each app's own language tests check their names.
        menu = attrs.get("id") == "nav-sidebar"
        self.stack.append((tag, tag in SKIPPED or other or menu or any(hidden for _t, hidden in self.stack)))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data).strip()
        if text and not (self.stack and self.stack[-1][1]):
            self.texts.append(text)


def texts_of(html: str, language: str) -> list[str]:
    parser = _Texts(language)
    parser.feed(html)
    return parser.texts


@pytest.fixture
def language() -> str:
    return "de"


@pytest.fixture
def world(make_merchant, make_campaign, make_consumer, ops, earn_available, language):
    now = timezone.now()
    merchant = make_merchant("pasta", funds="200.00", brand_name="Pasta Fresca", country="IT", language="it")
    campaign = make_campaign(merchant)
    person = make_consumer("Ana")
    reward = earn_available(person, "10.00", at=now - timedelta(minutes=5))
    with override(language):  # the rules are kept as the person read them, on a page in their language
        subscription = subscription_start(
            user=person, plan_id=Plan.objects.get(code="joyplus").pk, terms_accepted=True, now=now
        )
    request = support_request_create(
        user=person,
        email="",
        topic="PAYOUTS",
        subject="Mein Geld",
        body="Wo ist es?",
        context=Context(page="/wallet/", reward=reward),
        submission_key="languages-1",
        language="de",
        now=now,
    )
    data_export_request(user=person, now=now)
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    owner = merchant.memberships.get().user
    return {
        "consumer": person,
        "owner": owner,
        "ops": ops,
        "subscription": subscription,
        "campaign": campaign,
        "request": request,
        "merchant": merchant,
    }


def _pages(world) -> dict[str, list[str]]:
    merchant = world["merchant"]
    ref = MerchantConsumer.objects.filter(merchant=merchant).values_list("pk", flat=True).first()
    consumer_pages = [
        "/wallet/subscriptions/",
        "/help/",
        "/support/new/",
        "/support/requests/",
        f"/support/requests/{world['request'].pk}/",
        "/me/export/",
        "/me/delete/",
    ]
    console_pages = [
        "/console/diagnostics/",
        f"/console/diagnostics/campaigns/{world['campaign'].pk}/",
        "/console/close/",
    ] + ([f"/console/diagnostics/consumers/{ref}/"] if ref else [])
    plan = Plan.objects.get(code="joyplus")
    ops_pages = [
        "/ops/subscriptions/plan/",
        f"/ops/subscriptions/plan/{plan.pk}/change/",
        "/ops/subscriptions/subscription/",
        "/ops/subscriptions/subscriptionpayment/",
        "/ops/subscriptions/subscriptioncheckout/",
        "/ops/support/supportrequest/",
        f"/ops/support/supportrequest/{world['request'].pk}/change/",
        "/ops/wallets/account/",
        "/ops/wallets/transaction/",
        "/ops/privacy/merchantclosure/",
        "/ops/rewards/heldreward/",
    ]
    return {"consumer": consumer_pages, "owner": console_pages, "ops": ops_pages}


@pytest.mark.parametrize("language", ["de", "it"])
def test_subscriptions_support_and_privacy_pages_have_no_english_left(client, world, language):
    english = english_with_a_translation(language)
    assert english, f"no compiled catalogue for {language}: run scripts/compile-messages.sh"
    # A word that is also some msgid's translation in this language is that language (Italian "Date").
    english -= {
        re.sub(r"\s+", " ", str(text)).strip()
        for _key, text in trans_real.translation(language)._catalog.items()
    }
    left: dict[str, list[str]] = {}
    for who, paths in _pages(world).items():
        user_locale_set(user=world[who], language=language)
        client.force_login(world[who])
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, f"{path}: {response.status_code}"
            html = response.content.decode()
            assert f'lang="{language}"' in html, path
            assert "%(" not in html and "{%" not in html and "{{" not in html, path
            leftover = sorted({text for text in texts_of(html, language) if text in english})
            if leftover:
                at = html.find(f">{leftover[0]}<")
                left[path] = [*leftover, html[max(at - 150, 0) : at + 60]]
    assert not left, f"English left where a translation exists ({language}): {left}"


def test_the_renewal_date_is_in_the_persons_format_and_time_zone(client, world):
    person, subscription = world["consumer"], world["subscription"]
    user_locale_set(user=person, language="de", time_zone="Asia/Tokyo")
    client.force_login(person)

    page = client.get("/wallet/subscriptions/").content.decode()

    with override("de"), timezone.override("Asia/Tokyo"):
        renewal = date_format(timezone.localtime(subscription.period_end), "SHORT_DATETIME_FORMAT")
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4} um \d{2}:\d{2} Uhr", renewal)  # "am 30.12.2026 um 19:21 Uhr"
    assert f'<strong data-testid="renewal-date">{renewal}</strong>' in page


def test_the_ledger_account_purposes_and_field_names_are_in_the_ops_persons_language(client, world):
    user_locale_set(user=world["ops"], language="it")
    client.force_login(world["ops"])

    page = client.get("/ops/wallets/account/").content.decode()

    assert "utente: saldo disponibile" in page and "user: available balance" not in page
    assert "conti contabili" in page.lower()
    plan_page = client.get("/ops/subscriptions/plan/").content.decode()
    assert "canone mensile" in plan_page.lower() and "monthly fee" not in plan_page.lower()


def test_hours_in_words_are_whole_phrases_in_the_active_language():
    with override("de"):
        assert [hours_in_words(h) for h in (0, 48, 1)] == ["sofort", "nach 2 Tagen", "nach 1 Stunde"]
    with override("it"):
        assert hours_in_words(24) == "dopo 1 giorno"
    with override("en"):
        assert [hours_in_words(h) for h in (0, 24, 36)] == ["at once", "after 1 day", "after 36 hours"]


def test_a_bonus_beyond_100_percent_is_refused_in_the_readers_words_not_with_a_crash():
    plan = Plan(code="big", name="Big", currency="EUR", monthly_fee=Decimal("4.99"), bonus_rate=Decimal("2"))

    with override("de"), pytest.raises(ValidationError) as german:
        plan.validate_constraints()
    with override("en"), pytest.raises(ValidationError) as english:
        plan.validate_constraints()

    assert (
        "Der Bonus muss zwischen 0 und 1 liegen (0 % und 100 % des Anteils der Person)."
        in german.value.messages
    )
    assert (
        "The bonus must be between 0 and 1 (0 % and 100 % of the person's share)." in english.value.messages
    )
