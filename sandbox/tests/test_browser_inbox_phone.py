"""The sandbox's WhatsApp inbox on a 390 px phone (Playwright): a walk found it scrolling sideways,
its codes' table wider than the screen. Each code is a card, the thread's buttons wrap, long words
break; also in German, whose buttons are the longest. Screenshot in ``test-artifacts/``."""

from __future__ import annotations

import pytest

from sandbox.models import SandboxWhatsAppMessage
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import overflowing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "+4915112345678"


def test_the_inbox_fits_a_phone_and_its_codes_read_as_cards(page, live_server, settings):
    settings.SOCIAL_SANDBOX = True
    SandboxWhatsAppMessage.objects.create(
        to=NUMBER,
        message_id="wamid.code1",
        template_name="tikjoy_account_update_with_a_long_name",
        code="482913",
        payload={"template": {"language": {"code": "de"}}},
    )
    SandboxWhatsAppMessage.objects.create(
        to=NUMBER,
        message_id="wamid.out1",
        template_name="tikjoy_account_update",
        text="Deine Auszahlung ist unterwegs: https://tikjoy.example/wallet/payouts/abcdefghijklmnopqrstuvwxyz0123456789",
        payload={"template": {"language": {"code": "de"}}},
    )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.set_extra_http_headers({"Accept-Language": "de"})
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/sandbox/whatsapp/inbox/")
    page.screenshot(path=str(ARTEFACTS / "sandbox-whatsapp-inbox-390.png"), full_page=True)

    assert overflowing(page) == []
    wrap = page.evaluate(
        "() => [...document.querySelectorAll('.table-wrap')].map(e => e.scrollWidth - e.clientWidth)"
    )
    assert wrap == [0]  # the codes' table doesn't scroll inside its box either
    assert page.get_by_test_id("code").inner_text() == "482913"
    assert page.locator("h3").first.inner_text() == "+49 1511 2345678"
