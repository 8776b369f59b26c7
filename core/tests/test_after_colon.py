"""A label after a colon, as each language writes it (``core.i18n.after_colon``)."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.i18n import after_colon, label_in_sentence
from promote.models import KindGoal


@pytest.mark.parametrize(
    ("language", "label", "expected"),
    [
        ("it", "Articolo reso", "articolo reso"),
        ("es", "Artículo devuelto", "artículo devuelto"),
        ("fr", "Article retourné", "article retourné"),
        ("de", "Artikel zurückgegeben", "Artikel zurückgegeben"),  # German nouns keep their capital
        ("en", "Item returned", "Item returned"),
        ("it", "TikTok ha rimosso il video", "TikTok ha rimosso il video"),  # a name
        ("fr", "IBAN refusé", "IBAN refusé"),  # an acronym
        ("es", "A", "A"),
    ],
)
def test_a_label_after_a_colon_starts_in_lower_case_only_where_the_language_wants_it(
    language, label, expected
):
    assert after_colon(label, language) == expected


def test_the_active_language_decides_when_none_is_given():
    with translation.override("it"):
        assert after_colon("Articolo reso") == "articolo reso"
    with translation.override("de"):
        assert after_colon("Artikel zurückgegeben") == "Artikel zurückgegeben"


def test_a_goal_offered_reads_as_one_phrase_in_italian_and_french():
    offered = KindGoal(kind="VIDEO", goal="VIEWS")

    with translation.override("it"):
        assert str(offered) == "Video: più visualizzazioni del video"
    with translation.override("fr"):
        assert str(offered).split("\xa0: ")[1][0].islower()
    with translation.override("de"):
        assert str(offered).startswith("Video: Mehr")


@pytest.mark.parametrize(
    ("language", "label", "expected"),
    [
        ("en", "Paused", "paused"),
        ("it", "In pausa", "in pausa"),
        ("fr", "Brouillon", "brouillon"),
        ("de", "Entwurf", "Entwurf"),  # a German noun keeps its capital inside a sentence too
        ("en", "IBAN refused", "IBAN refused"),  # an acronym
    ],
)
def test_a_label_inside_a_sentence_is_lower_case_except_german_nouns_and_names(language, label, expected):
    assert label_in_sentence(label, language) == expected
