"""Every page in each shipped language: no English left where a translation exists (issue #23).

The brand page, the wallet and the console (and the other pages in ``PAGES``) are loaded in each
language (a page is checked once the app it belongs to has its ``locale/``): the visitor picks it with the footer's switcher, a signed-in person has it saved on the
account. Every visible text node is compared with the compiled catalogues Django itself uses (every
app's, Django's and allauth's): a text that is an msgid whose translation in that language differs
is English that should not be there; so is a button's or a field's own words (a submit
``<input>``'s value, a placeholder). Text marked with another ``lang`` (the switcher's language
names) is left out. Strings that are not marked at all are ``translations_check``'s business.

Besides the brand page, home, wallet and console dashboard: a console change form with Django's
submit row (Save, Save and continue editing, Delete, History) and the Promote and refund-bank
pages, the consumer's payouts pages (a payout waiting, one the bank refused, the bank details and
identity), and the ops pages of an imported bank file (its summary and lines, as after an upload)
with the ops person's language saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.translation import trans_real

from accounts.services import user_ensure_with_email, user_locale_set
from payouts import sandbox_bank
from payouts import services as payouts
from payouts.tests.conftest import add_bank_account, eur, fund, verify_identity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-42"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str  # "visitor", "consumer" (the wallet's owner), "owner" (the merchant's) or "ops"
    app: str  # whose catalogue the page's own words are in: checked once it has one ("" = locale/)


PAGES = [
    Page("brand page", "/b/pasta/", "visitor", "rewards"),
    Page("home", "/", "visitor", ""),
    Page("sign-in", "/accounts/login/", "visitor", ""),
    Page("wallet", "/wallet/", "consumer", "rewards"),
    Page("connected accounts", "/me/", "consumer", "social"),
    Page("console", "/console/", "owner", "merchants"),
    Page("console change form", "/console/merchants/merchant/{merchant}/change/", "owner", "merchants"),
    Page(
        "console touchpoint form", "/console/merchants/touchpoint/{touchpoint}/change/", "owner", "merchants"
    ),
    Page("console Promote", "/console/promote/", "owner", "promote"),
    Page("console refund bank details", "/console/refund-bank/", "owner", "payouts"),
    Page("payouts", "/wallet/payouts/", "consumer", "payouts"),
    Page("bank details", "/wallet/payouts/bank/", "consumer", "payouts"),
    Page("identity", "/wallet/payouts/identity/", "consumer", "payouts"),
    Page(
        "ops bank file (the import's result)", "/ops/payouts/bankfile/{bank_file}/change/", "ops", "payouts"
    ),
    Page("ops bank files", "/ops/payouts/bankfile/", "ops", "payouts"),
]


# Words that must be there (TikJoy's own, where another catalogue once won or English was left).
EXPECTED = {
    ("de", "console change form"): ["Speichern", "Speichern und weiter bearbeiten", "Verlauf"],
    ("it", "console touchpoint form"): ["Salva"],
    ("de", "payouts"): ["Stornieren", "Ändern", "Auf Konto"],
    ("fr", "payouts"): ["Modifier", "Annuler"],
    ("de", "ops bank file (the import's result)"): ["angewendet: 1 · bereits angewendet: 0 · abgelehnt: 1"],
    ("es", "ops bank files"): ["aplicadas: 1 · ya aplicadas: 0 · rechazado: 1"],
}


def translated(item: Page) -> bool:
    """Whether the app the page belongs to ships a catalogue (until then its words are English)."""
    return (settings.BASE_DIR / item.app / "locale").is_dir()


VISIBLE_TEXT = """() => {
  const language = document.documentElement.lang;
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.replace(/\\s+/g, " ").trim();
    const element = walker.currentNode.parentElement;
    if (!text || !element || element.closest("script, style, noscript, template")) continue;
    const marked = element.closest("[lang]");
    if (marked && marked !== document.documentElement && marked.lang !== language) continue;
    const shown = element.tagName === "OPTION" || element.getClientRects().length > 0;
    if (shown && getComputedStyle(element).visibility !== "hidden") texts.push(text);
  }
  // A button's words are its value, a field's hint its placeholder: read as text is.
  for (const input of document.body.querySelectorAll("input[type=submit], input[type=button], [placeholder]")) {
    const marked = input.closest("[lang]");
    if (marked && marked !== document.documentElement && marked.lang !== language) continue;
    if (input.getClientRects().length === 0) continue;
    for (const words of [input.matches("input[type=submit], input[type=button]") ? input.value : "", input.placeholder]) {
      const text = (words || "").replace(/\\s+/g, " ").trim();
      if (text) texts.push(text);
    }
  }
  return texts;
}"""


def english_with_a_translation(language: str) -> set[str]:
    """Every msgid (as a person would read it) whose translation into ``language`` differs."""
    catalogue = trans_real.translation(language)._catalog
    # Each text as read, with its translations: the bare msgid's, else every context's (pgettext).
    bare, in_context = {}, {}
    for key, translated in catalogue.items():
        if not isinstance(key, str) or not key:
            continue
        msgid = key.split("\x04")[-1]
        if len(msgid) <= 1 or "%" in msgid:
            continue
        read = re.sub(r"\s+", " ", msgid).strip()
        if "\x04" in key:
            in_context.setdefault(read, set()).add(translated.strip())
        else:
            bare.setdefault(read, set()).add(translated.strip())
    found = set()
    for read in bare.keys() | in_context.keys():
        # A word some context translates as itself ("Promote" as the product's name) may be right as
        # it is: English left only when no translation of it, bare or in a context, reads the same.
        translations = bare.get(read, set()) | in_context.get(read, set())
        if read not in translations:
            found.add(read)
    # The language choices are written in their own language ("English" in every language).
    return found - {name for _code, name in settings.LANGUAGES}


def _sign_in(page, user, base_url):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


@pytest.fixture
def people(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant("pasta", funds="200.00", brand_name="Pasta Fresca", country="IT", language="it")
    now = timezone.now()
    make_campaign(merchant, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30), now=now)
    consumer = make_consumer("Ana")
    ops, _ = user_ensure_with_email(
        email="ops1@tikjoy.example", password=PASSWORD, is_staff=True, is_superuser=True
    )
    ops2, _ = user_ensure_with_email(
        email="ops2@tikjoy.example", password=PASSWORD, is_staff=True, is_superuser=True
    )
    # Ana's payouts: one the bank refused (imported by ops from its pain.002), one still waiting.
    fund(consumer, "60.00")
    verify_identity(consumer, ops)
    add_bank_account(consumer)
    refused = payouts.payout_request(user=consumer, amount=eur("20.00"), now=now)
    payouts.payout_approve(payout_id=refused.pk, actor=ops, now=now)
    batch = payouts.batch_build(actor=ops, now=now)
    payouts.batch_release(batch_id=batch.pk, actor=ops2, now=now)
    answer = sandbox_bank.BankAnswer(reject={refused.end_to_end_id: "TM01"})  # retry: details kept
    pain = sandbox_bank.pain002_answer(batch=batch, payouts=[refused], answer=answer, now=now)
    bank_file = payouts.bank_file_import(raw=pain, name="status.xml", actor=ops, now=now).bank_file
    payouts.payout_request(user=consumer, amount=eur("10.00"), now=now)
    ids = {
        "merchant": merchant.pk,
        "touchpoint": merchant.touchpoints.order_by("pk").first().pk,
        "bank_file": bank_file.pk,
    }
    return {"owner": merchant.memberships.get().user, "consumer": consumer, "ops": ops, "ids": ids}


def test_no_english_is_left_where_a_translation_exists(page, live_server, people):
    pages = [item for item in PAGES if translated(item)]
    assert any(item.path == "/" for item in pages)
    left: dict[str, list[str]] = {}
    for language in LANGUAGES:
        english = english_with_a_translation(language)
        assert english, f"no compiled catalogue for {language}: run scripts/compile-messages.sh"

        # A visitor chooses the language in the footer; the cookie keeps it.
        page.context.clear_cookies()
        page.goto("/")
        page.locator(f'[data-testid="language-switcher"] button[value="{language}"]').click()
        page.wait_for_url("**/")
        assert page.locator("html").get_attribute("lang") == language
        # The signed-in people chose it on their account (the switcher saves it: accounts/tests).
        for who in ("owner", "consumer", "ops"):
            user_locale_set(user=people[who], language=language)

        signed_in_as = "visitor"
        for item in pages:
            if item.who != signed_in_as:
                page.context.clear_cookies()
                if item.who != "visitor":
                    _sign_in(page, people[item.who], live_server.url)
                signed_in_as = item.who
            response = page.goto(item.path.format(**people["ids"]))
            assert response.status == 200, f"{item.name} ({item.path}): {response.status}"
            assert page.locator("html").get_attribute("lang") == language, item.name
            texts = page.evaluate(VISIBLE_TEXT)
            leftover = sorted({text for text in texts if text in english})
            for words in EXPECTED.get((language, item.name), []):
                assert any(words in text for text in texts), f"{language} {item.name}: {words!r} not shown"
            if leftover:
                left[f"{language} {item.name} ({item.path})"] = leftover
    assert not left, f"English left where a translation exists: {left}"
