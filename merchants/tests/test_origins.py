"""A website touchpoint's origin, as browsers send it (``Origin``, ``location.origin``)."""

import pytest

from merchants.origins import origin_of


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://shop.example/products?x=1", "https://shop.example"),
        ("HTTPS://Shop.Example:443/", "https://shop.example"),
        ("https://shop.example:8443/a", "https://shop.example:8443"),
        ("http://127.0.0.1:8001/", "http://127.0.0.1:8001"),
        # internationalised domains: punycode, as Chromium and Firefox send them (UTS #46, not transitional)
        ("https://müller.de/shop", "https://xn--mller-kva.de"),
        ("https://MÜLLER.de", "https://xn--mller-kva.de"),
        ("https://straße.de", "https://xn--strae-oqa.de"),
        ("https://café.fr:8443/", "https://xn--caf-dma.fr:8443"),
        ("https://xn--mller-kva.de/", "https://xn--mller-kva.de"),
    ],
)
def test_a_websites_address_gives_its_origin(url, origin):
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "",
        "shop.example",
        "ftp://shop.example",
        "mailto:shop@example.com",
        "https://exa mple.com",
        "https://ü-.de",
    ],
)
def test_what_is_no_web_origin_gives_none(url):
    assert origin_of(url) is None
