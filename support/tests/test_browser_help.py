"""In a real browser (Playwright, Debian's chromium): the Help page ranks the answers as the person types
a question in natural words, the way the server does (support/help_search.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shown_questions(page) -> list[str]:
    return page.locator("[data-help-entry]:visible .help-entry__question").all_inner_texts()


def test_a_natural_question_typed_in_italian_shows_its_answer_first_and_nonsense_says_so(page, live_server):
    page.context.set_extra_http_headers({"Accept-Language": "it"})
    page.goto(live_server.url + "/help/affiliates/")
    search = page.get_by_label("Cerca nell\u2019assistenza")

    search.fill("quando ricevo i soldi")

    expect(page.get_by_role("heading", name="Quando vengo pagato?")).to_be_visible()
    assert _shown_questions(page)[0] == "Quando vengo pagato?"
    expect(page.locator("[data-help-none]")).to_be_hidden()

    search.fill("zzzz qwxy")

    assert _shown_questions(page) == []
    expect(page.locator("[data-help-none]")).to_be_visible()
    expect(page.locator("[data-help-none]")).to_contain_text(
        "Provi con altre parole"
    )  # formal, to affiliates

    search.fill("")

    shown = _shown_questions(page)
    assert len(shown) == page.locator("[data-help-entry]").count()
    assert shown[0] == "Come funzionano i programmi di affiliazione?"  # back in the page's order
