"""Every page in each shipped language: no English left where a translation exists (issue #23).

The brand page, the wallet and the console (and the other pages in ``PAGES``) are loaded in each
language (a page is checked once the app it belongs to has its ``locale/``): the visitor picks it with the footer's switcher, a signed-in person has it saved on the
account. Every visible text node is compared with the compiled catalogues Django itself uses (every
app's, Django's and allauth's): a text that is an msgid whose translation in that language differs
is English that should not be there. Text marked with another ``lang`` (the switcher's language
names) is left out. Strings that are not marked at all are ``translations_check``'s business.
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

from accounts.services import user_locale_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str  # "visitor", "consumer" (the wallet's owner) or "owner" (the merchant's)
    app: str  # whose catalogue the page's own words are in: checked once it has one ("" = locale/)


PAGES = [
    Page("brand page", "/b/pasta/", "visitor", "rewards"),
    Page("home", "/", "visitor", ""),
    Page("sign-in", "/accounts/login/", "visitor", ""),
    Page("wallet", "/wallet/", "consumer", "rewards"),
    Page("connected accounts", "/me/", "consumer", "social"),
    Page("console", "/console/", "owner", "merchants"),
]


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
    return {"owner": merchant.memberships.get().user, "consumer": make_consumer("Ana")}


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
        for person in people.values():
            user_locale_set(user=person, language=language)

        signed_in_as = "visitor"
        for item in pages:
            if item.who != signed_in_as:
                page.context.clear_cookies()
                if item.who != "visitor":
                    _sign_in(page, people[item.who], live_server.url)
                signed_in_as = item.who
            response = page.goto(item.path)
            assert response.status == 200, f"{item.name} ({item.path}): {response.status}"
            assert page.locator("html").get_attribute("lang") == language, item.name
            leftover = sorted({text for text in page.evaluate(VISIBLE_TEXT) if text in english})
            if leftover:
                left[f"{language} {item.name} ({item.path})"] = leftover
    assert not left, f"English left where a translation exists: {left}"
