"""Host names in ASCII (as browsers send them) and as people read them, where that can't deceive."""

import pytest

from core.hosts import host_ascii, host_unicode


@pytest.mark.parametrize(
    ("host", "ascii"),
    [("Müller.DE", "xn--mller-kva.de"), ("straße.de", "xn--strae-oqa.de"), ("shop.example", "shop.example")],
)
def test_a_host_in_ascii_is_what_browsers_send(host, ascii):
    assert host_ascii(host) == ascii


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("xn--mller-kva.de", "müller.de"),
        ("www.xn--strae-oqa.de", "www.straße.de"),
        ("xn--caf-dma.fr", "café.fr"),
        ("shop.example", "shop.example"),
        # could pass for another name: kept as punycode, as browsers show them
        ("xn--80ak6aa92e.com", "xn--80ak6aa92e.com"),  # in Cyrillic letters, reads apple
        ("xn--pple-43d.com", "xn--pple-43d.com"),  # a Cyrillic a, then Latin pple
        ("xn--pypl-q5bc.com", "xn--pypl-q5bc.com"),  # IPA alphas: reads paypal
        ("xn--zz.de", "xn--zz.de"),  # no punycode at all
    ],
)
def test_a_host_is_shown_as_written_only_where_it_cant_pass_for_another(host, shown):
    assert host_unicode(host) == shown
