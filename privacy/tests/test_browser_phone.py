"""The export, deletion and closing pages on a phone (Chromium, 360 px): every word whole, the box next to its words."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from privacy.services import data_export_build, data_export_request
from privacy.tests.test_merchant_closing import refund_bank, shop, staff  # noqa: F401 (fixtures)
from tikjoy.tests.browser import assert_fits, phone_in
from tikjoy.tests.factories import owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each word of the table's cells, as the browser lays it out: a word drawn on two lines is broken.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("td")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_the_exports_list_breaks_no_word_on_a_phone(chromium, live_server, make_user, language):
    person = make_user("zoe@example.com")
    now = timezone.now()
    ready, _ = data_export_request(user=person, now=now)
    data_export_build(export_id=ready.pk, now=now)
    context = phone_in(chromium, live_server, person, language)
    page = context.new_page()

    page.goto("/me/export/")

    assert page.get_by_test_id("export-download").is_visible()
    assert "{#" not in page.locator("main").inner_text()  # no template comment shown as words
    # It was ["download"] ("Ready to downloa/d"); in German "Herunterladen", in French the date too.
    assert page.evaluate(BROKEN_WORDS) == []
    assert_fits(page, f"/me/export/ in {language}")
    context.close()


def test_the_deletion_box_stands_before_its_words_on_a_phone(chromium, live_server, make_user):
    person = make_user("zoe@example.com")
    context = phone_in(chromium, live_server, person, "en")
    page = context.new_page()

    page.goto("/me/delete/")

    box = page.get_by_role("checkbox", name="I understand").bounding_box()
    first_line = page.locator("label[for=id_understood]").evaluate(
        "label => { const r = label.getClientRects()[0]; return {x: r.left, top: r.top, bottom: r.bottom}; }"
    )
    # The box is on the words' first line, at their left (it was alone on a line under them).
    assert box["x"] + box["width"] <= first_line["x"]
    assert first_line["top"] <= box["y"] + box["height"] / 2 <= first_line["bottom"]
    page.locator("label[for=id_understood]").click()  # the words tick the box
    assert page.get_by_role("checkbox", name="I understand").is_checked()
    context.close()


FIRST_LINE = (
    "label => { const r = label.getClientRects()[0]; return {x: r.left, top: r.top, bottom: r.bottom}; }"
)


def test_the_closing_box_stands_before_its_words_on_a_phone(chromium, live_server, shop):  # noqa: F811
    refund_bank(shop)  # nothing refuses the closing: the form is shown
    context = phone_in(chromium, live_server, owner_of(shop), "de")
    page = context.new_page()
    page.goto(reverse("console:close"))

    box = page.locator("input[name=understood]").bounding_box()
    first_line = page.locator("label[for=id_understood]").evaluate(FIRST_LINE)
    # The box is on the words' first line, at their left (it stood after the sentence's last word).
    assert box["x"] + box["width"] <= first_line["x"]
    assert first_line["top"] <= box["y"] + box["height"] / 2 <= first_line["bottom"]
    page.get_by_role("button", name="Händler schließen").click()
    assert page.get_by_text("Setzen Sie das Häkchen").is_visible()  # not ticked: nothing closed, said why
    shop.refresh_from_db()
    assert shop.closed_at is None
    context.close()
