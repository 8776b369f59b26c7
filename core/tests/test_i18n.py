"""Country names in the reader's language: one lookup (``core.i18n.country_name``) and one way to
make a select of countries (``country_choices``), used by payouts, social and promote."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation

from core.i18n import country_choices, country_codes, country_name


def test_a_country_is_named_in_the_readers_language_or_by_its_code():
    with translation.override("de"):
        assert country_name("DE") == "Deutschland"
    assert country_name("DE", "fr") == "Allemagne"
    assert country_name("QQ", "de") == "QQ"
    assert country_name("QQ", "de", default="Nowhere") == "Nowhere"


def test_country_choices_are_sorted_in_the_languages_order_with_their_own_text():
    codes = ["NO", "AT", "DE", "DK"]

    german = country_choices(codes, "de")
    labelled = country_choices(codes, "de", label=lambda code, name: f"{name} ({code})")

    assert german == [("DK", "Dänemark"), ("DE", "Deutschland"), ("NO", "Norwegen"), ("AT", "Österreich")]
    assert labelled[0] == ("DK", "Dänemark (DK)")
    with translation.override("it"):
        assert [code for code, _name in country_choices(codes)] == ["AT", "DK", "DE", "NO"]


def test_the_iso_codes_are_the_standards_two_letter_codes():
    codes = country_codes()

    assert {"DE", "GB", "XK"} - set(codes) == {"XK"}  # Kosovo has no ISO 3166-1 code
    assert all(len(code) == 2 and code.isalpha() and code.isupper() for code in codes)
    assert len(codes) == 249


def test_no_app_keeps_its_own_lookup_of_country_names():
    """The names are read from CLDR in one place: an app that parses Babel's territories itself
    drifts from it (its own fallback, its own sort)."""
    own = [
        str(path.relative_to(settings.BASE_DIR))
        for path in Path(settings.BASE_DIR).glob("*/**/*.py")
        if ".venv" not in path.parts
        and "tests" not in path.parts
        and path != Path(settings.BASE_DIR) / "core" / "i18n.py"
        and ".territories" in path.read_text(encoding="utf-8")
    ]
    assert own == []
