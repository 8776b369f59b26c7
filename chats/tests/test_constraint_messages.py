"""Ops edit the rate card and the templates (``/ops/``): a refusal and a template's name read in
their language, not in English (issue #23)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from chats.models import Category, ChatRate, ChatTemplate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Preise und Margen dürfen nicht negativ sein."),
        ("fr", "Les prix et les marges ne peuvent pas être négatifs."),
    ],
)
def test_a_negative_rate_is_refused_in_the_readers_language(language, expected):
    rate = ChatRate(
        category=Category.MARKETING,
        country="ZZ",
        currency="EUR",
        meta_price=Decimal("-0.01"),
        margin_percent=Decimal("20.00"),
    )

    with translation.override(language), pytest.raises(ValidationError) as refused:
        rate.validate_constraints()

    assert refused.value.messages == [expected]


@pytest.mark.parametrize(
    ("language", "category", "expected"),
    [
        ("en", Category.MARKETING, "Offer (en_US, marketing template)"),
        ("de", Category.MARKETING, "Offer (en_US, Marketing-Vorlage)"),
        ("de", Category.UTILITY, "Offer (en_US, Service-Vorlage)"),
        ("fr", Category.UTILITY, "Offer (en_US, modèle utilitaire)"),
    ],
)
def test_a_template_is_named_with_its_category_as_the_language_writes_it(language, category, expected):
    template = ChatTemplate(name="offer", language="en_US", category=category, title="Offer", body="{{2}}")

    with translation.override(language):
        assert str(template) == expected


def test_ops_read_chat_records_named_in_their_language():
    rate = ChatRate(
        category="MARKETING",
        country="",
        currency="EUR",
        meta_price=Decimal("0.10"),
        margin_percent=Decimal("20"),
    )

    with translation.override("de"):
        named = str(rate)

    assert named == "Marketing-Vorlage, alle übrigen Länder: 0,12\xa0€"
    assert "other countries" not in named
