"""The ops pages of chats in the ops person's language (issue #23)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from accounts.services import user_locale_set
from chats.models import ChatRate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "header"),
    [("en", "Price"), ("de", "Preis"), ("fr", "Prix"), ("it", "Prezzo"), ("es", "Precio")],
)
def test_the_rate_cards_price_column_is_named_in_the_readers_language(ops_client, ops, language, header):
    assert ChatRate.objects.exists()  # the rate card the migrations seed
    user_locale_set(user=ops, language=language)

    page = unescape(ops_client.get("/ops/chats/chatrate/").content.decode())

    assert re.search(rf'class="column-price">\s*<div class="text"><span>{header}</span>', page)
