import pytest

from core.postcodes import postcode_is_valid, postcode_normal


@pytest.mark.parametrize(
    "value", ["10119", "SW1A 1AA", "sw1a  1aa", "1000-001", "LV-1050", "D02 X285", "00-950"]
)
def test_postcodes_as_posts_write_them_are_accepted(value):
    assert postcode_is_valid(value)


@pytest.mark.parametrize(
    "value",
    ["🏠🏠", "<script>", "1", "12345678901", "10119!", "10 - 19", "-10119", "Ä1234", ""],
)
def test_anything_else_is_no_postcode(value):
    assert not postcode_is_valid(value)


def test_a_postcode_is_kept_upper_case_with_single_spaces():
    assert postcode_normal("  sw1a \t 1aa ") == "SW1A 1AA"


def test_full_width_digits_are_kept_as_latin_digits():
    full_width = "\uff11\uff10\uff11\uff11\uff19"  # 10119 typed on a Japanese keyboard
    assert postcode_is_valid(full_width) and postcode_normal(full_width) == "10119"
