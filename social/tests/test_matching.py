from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from social.matching import ShareCriterion, caption_matches


@pytest.mark.parametrize(
    "caption",
    [
        "Loving these #JoyShoes!",
        "#joyshoes",
        "new kicks #JOYSHOES #fyp",
        "shout-out to @JoyShoes.Official for these",
        "(#JoyShoes)",
        "\uff4a\uff4f\uff59 #\uff2a\uff4f\uff59\uff33\uff48\uff4f\uff45\uff53",  # full-width letters normalise (NFKC)
    ],
)
def test_caption_with_the_hashtag_or_mention_matches(caption):
    assert caption_matches(caption, hashtag="#JoyShoes", mention="@joyshoes.official")


@pytest.mark.parametrize(
    "caption",
    [
        "",
        "joyshoes without a sign",
        "#JoyShoes2026 is another tag",
        "email me at team#joyshoes",
        "@joyshoes.officialfan is someone else",
        "@joyshoes.official_backup is someone else",
    ],
)
def test_caption_without_them_does_not_match(caption):
    assert not caption_matches(caption, hashtag="JoyShoes", mention="joyshoes.official")


def test_mention_at_the_end_of_a_sentence_matches():
    assert caption_matches("Thanks @joyshoes.", hashtag="", mention="joyshoes")


def test_unicode_hashtags_match_case_insensitively():
    assert caption_matches("Sommer mit #ÜBERGRÖSSE", hashtag="#übergrösse", mention="")
    assert caption_matches("夏天 #快乐鞋 来了", hashtag="#快乐鞋", mention="")
    assert caption_matches("Straße #STRASSE", hashtag="#straße", mention="")  # casefold: ß == ss


def test_empty_hashtag_and_mention_never_match():
    assert not caption_matches("#anything @anyone", hashtag="", mention="")


@given(st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=20), st.text(max_size=40))
def test_a_hashtag_always_matches_a_caption_carrying_it(tag, text):
    assert caption_matches(f"{text} #{tag} end", hashtag=tag, mention="")


def test_share_criterion_is_frozen():
    criterion = ShareCriterion(
        key="c1", hashtag="#a", mention="", not_before=datetime(2026, 1, 1, tzinfo=UTC)
    )
    with pytest.raises(AttributeError):
        criterion.key = "other"  # type: ignore[misc]
