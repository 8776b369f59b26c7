"""Shared helpers of the Playwright tests: a signed-in phone, and "nothing wider than the screen".

One module for every app's browser tests (the language checks of affiliates, promote, merchants,
support, rewards): a page in German must not push the phone's screen sideways, and the check is the
same everywhere.

- ``page_overflow(page)``: how many pixels the page is wider than the window (0 when it fits).
- ``assert_fits(page, what)``: that overflow is at most 1 px (rounding), with a message naming the page.
- ``overflowing(page)``: the page's own overflow and every heading, paragraph, label, list item or
  button whose text is wider than its box or runs past the screen; tables may scroll inside their
  ``.table-wrap`` (that is their design, not an overflow). ``[]`` when everything fits.
- ``sign_in(context_or_page, user, url)``: the browser signed in as ``user`` (a session cookie).
- ``phone_in(chromium, live_server, user, language)``: a 360 px phone context whose browser asks
  for ``language`` (``Accept-Language``), signed in as ``user``.
"""

from __future__ import annotations

from django.conf import settings
from django.test import Client

PHONE = {"width": 360, "height": 780}

OVERFLOW = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    out.push("page " + document.documentElement.scrollWidth + " > " + window.innerWidth);
  for (const el of document.querySelectorAll("h1, h2, h3, p, dt, dd, label, button, a.button, li")) {
    if (el.closest(".table-wrap")) continue;
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > window.innerWidth + 1 || el.scrollWidth > el.clientWidth + 1))
      out.push(el.tagName + ": " + el.textContent.trim().slice(0, 60));
  }
  return out;
}"""


def page_overflow(page) -> int:
    """Pixels by which the page is wider than the window (negative or 0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def assert_fits(page, what: str = "the page") -> None:
    """Nothing wider than the screen: a phone scrolls down, never sideways."""
    overflow = page_overflow(page)
    width = page.evaluate("window.innerWidth")
    assert overflow <= 1, f"{what} is {overflow}px wider than a {width}px screen"


def overflowing(page) -> list[str]:
    """The page's overflow and each element whose text doesn't fit its box (see the module's doc)."""
    return page.evaluate(OVERFLOW)


def sign_in(target, user, url: str) -> None:
    """Sign ``target`` (a Playwright page or browser context) in as ``user`` for the site at ``url``."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context = getattr(target, "context", target)
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])


def phone_in(chromium, live_server, user, language: str):
    """A phone-sized browser context asking for ``language``, signed in as ``user``."""
    context = chromium.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        locale=language,  # the browser's Accept-Language
        device_scale_factor=2,
        is_mobile=True,
    )
    sign_in(context, user, live_server.url)
    return context
