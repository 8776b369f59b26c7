"""The id a merchant knows a consumer by (``con_...``): another for every merchant, read back only by
the merchant that knows it, and saying nothing of TikJoy's own numbering (docs/consent.md)."""

from __future__ import annotations

import pytest

from merchants.consumer_ids import consumer_ref, consumer_user_id


@pytest.mark.parametrize("user_id", [1, 2, 7, 4_096, 2**31, 2**63 - 1])
def test_an_id_reads_back_for_its_merchant_only(user_id):
    alpha, bravo = consumer_ref(merchant_id=1, user_id=user_id), consumer_ref(merchant_id=2, user_id=user_id)

    assert alpha != bravo and alpha.startswith("con_") and len(alpha) == 20
    assert consumer_user_id(merchant_id=1, ref=alpha) == user_id
    assert consumer_user_id(merchant_id=2, ref=bravo) == user_id
    assert consumer_user_id(merchant_id=2, ref=alpha) != user_id


def test_consecutive_people_get_unrelated_ids():
    refs = [consumer_ref(merchant_id=5, user_id=n) for n in range(1, 201)]

    assert len(set(refs)) == 200
    assert refs != sorted(refs)  # the order people came in is not the ids' order
    assert not any(
        ref.removeprefix("con_").lstrip("0") in {str(n), f"{n:x}"} for n, ref in enumerate(refs, 1)
    )


@pytest.mark.parametrize(
    "ref",
    [
        "",
        "usr_7",
        "con_",
        "con_123",
        "con_0123456789ABCDEF",
        " con_0123456789abcdef",
        "con_0123456789abcdef\n",
        7,
        None,
    ],
)
def test_anything_else_is_nobody(ref):
    assert consumer_user_id(merchant_id=1, ref=ref) is None


def test_a_new_key_renames_everyone(settings):
    before = consumer_ref(merchant_id=1, user_id=42)
    settings.CONSUMER_ID_KEY = "another key"

    assert consumer_ref(merchant_id=1, user_id=42) != before
