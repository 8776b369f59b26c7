"""IBANs: schwifty's own generated IBANs across countries, malformed ones, countries outside SEPA."""

from __future__ import annotations

from random import Random

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from schwifty import IBAN

from payouts import services
from payouts.admin import iban_hash_of
from payouts.countries import SEPA_COUNTRIES
from payouts.reasons import reason_for


def _random_iban(country: str, seed: int) -> str:
    """schwifty's own generator: a bank from its registry where it has one, else a random bank code."""
    try:
        return str(IBAN.random(country_code=country, random=Random(seed)))
    except Exception:
        return str(IBAN.random(country_code=country, random=Random(seed), use_registry=False))


@settings(max_examples=300, deadline=None)
@given(country=st.sampled_from(sorted(SEPA_COUNTRIES)), seed=st.integers(0, 10**9))
def test_schwiftys_generated_sepa_ibans_are_accepted(country, seed):
    iban = _random_iban(country, seed)
    checked = services.iban_check(iban)
    assert checked.compact == iban.replace(" ", "")


@settings(max_examples=300, deadline=None)
@given(
    country=st.sampled_from(sorted(SEPA_COUNTRIES)), seed=st.integers(0, 10**9), position=st.integers(4, 30)
)
def test_one_wrong_digit_is_refused(country, seed, position):
    iban = _random_iban(country, seed)
    compact = iban.replace(" ", "")
    position %= len(compact)
    if position < 4 or not compact[position].isdigit():
        return
    changed = compact[:position] + str((int(compact[position]) + 1) % 10) + compact[position + 1 :]
    with pytest.raises(services.BankDetailsError):
        services.iban_check(changed)


@settings(max_examples=100, deadline=None)
@given(
    country=st.sampled_from(["BR", "TR", "AE", "SA", "QA", "IL", "KZ", "PK", "EG", "UA"]),
    seed=st.integers(0, 10**9),
)
def test_valid_ibans_outside_sepa_are_refused_by_our_own_table(country, seed):
    iban = _random_iban(country, seed)
    with pytest.raises(services.BankDetailsError, match="outside it"):
        services.iban_check(iban)


@given(st.text(max_size=40))
def test_any_text_is_either_a_sepa_iban_or_a_readable_refusal(value):
    try:
        checked = services.iban_check(value)
    except services.BankDetailsError as exc:
        assert str(exc)
    else:
        assert checked.country_code in SEPA_COUNTRIES


PARIS = {
    "holder_name": "Ana",
    "street": "Rue",
    "building_number": "1",
    "postcode": "75001",
    "town": "Paris",
    "country": "FR",
    "iban": "DE89 3704 0044 0532 0130 00",
}


def test_the_bic_is_derived_when_the_bank_is_known_and_the_eea_flag_set():
    details = services.bank_details_clean(**PARIS)
    assert (details.bic, details.sepa_eea) == ("COBADEFFXXX", True)
    zurich = {"street": "Gasse", "postcode": "8000", "town": "Zurich", "country": "CH"}
    swiss = services.bank_details_clean(**{**PARIS, **zurich, "iban": "CH9300762011623852957"})
    assert swiss.sepa_eea is False


def test_a_right_to_left_override_is_dropped_from_the_holders_name():
    """QA: "Pía \u202eevil" turned the rest of the payouts page around ("Change" read "egnahC")."""
    details = services.bank_details_clean(**{**PARIS, "holder_name": "Pía \u202eevil\u2066"})
    assert details.holder_name == "Pía evil"


def test_a_reason_code_outside_the_table_is_one_sentence_the_catalogue_translates():
    """QA: "The bank did not accept the transfer (code ZZZZ). ..." was English on a German page (the
    code inside the sentence matched no catalogue entry) and followed by "(ZZZZ)" again."""
    for code in ("ZZZZ", "RC01", ""):
        mapped = reason_for(code)
        assert (
            mapped.message
            == "The bank did not accept the transfer. We are looking into it; you can ask again."
        )
    assert reason_for("").code == "NARR"
    with translation.override("de"):
        assert translation.gettext(reason_for("ZZZZ").message).startswith(
            "Die Bank hat die Überweisung nicht angenommen."
        )


def test_an_iban_pasted_with_a_long_countrys_groups_and_separators_is_compacted():
    """Malta's 31 characters, pasted as "MT84 - MALT - ..." from a PDF, fit the form and are checked."""

    pasted = "mt84-malt.0110\u00a00001\u202f2345\u200bMTLC\u200cAST0\u200d01S\ufeff"
    assert services.iban_compact(pasted) == "MT84MALT011000012345MTLCAST001S"
    assert services.iban_check(pasted).compact == "MT84MALT011000012345MTLCAST001S"
    assert iban_hash_of(pasted) == services.iban_hash("MT84MALT011000012345MTLCAST001S")


def test_an_iban_with_a_word_processors_dashes_is_compacted():
    """A hyphen turned into an en dash or a non-breaking hyphen by a word processor or a PDF."""
    pasted = "DE89\u20133704\u20110044\u20140532\u20100130\u206000"
    assert services.iban_check(pasted).compact == "DE89370400440532013000"
    with pytest.raises(services.BankDetailsError):
        services.iban_check("DE89\u22123704004405320130 00")  # a minus sign is no separator
