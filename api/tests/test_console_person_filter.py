"""TikJoy's internal id of a person is never a console filter (``?user=``, ``?user__gte=``, through
a relation, on the list or its CSV): a range of it would find the id behind every pseudonymous
"Consumer XXXX-XXXX" in about 31 requests, the same id at every brand, so two brands could match the
people who shared nothing with either (docs/consent.md)."""

from __future__ import annotations

import pytest

from campaigns.models import ActionType
from merchants.selectors import neutral_label
from rewards.services import action_record
from tikjoy.tests.factories import NOW, owner_of

pytestmark = pytest.mark.django_db

LIST = "/console/rewards/reward/"


def _internal_id_behind(client, pseudonym: str) -> int | None:
    """Binary search on the list's own filter parameters; None when the list refuses them."""
    low, high = 1, 2**31
    while low < high:
        middle = (low + high) // 2
        page = client.get(LIST, {"user__gte": low, "user__lte": middle})
        if page.status_code != 200:  # refused (?e=1): the filter is not one of the list's
            return None
        if pseudonym in page.content.decode():
            high = middle
        else:
            low = middle + 1
    return low


def test_two_brands_cannot_match_a_pseudonymous_consumer(brand, make_consumer, client):
    acme, bolt = brand("acme")["merchant"], brand("bolt", fan_name="Bea Fan")["merchant"]
    shy = make_consumer("Shy Person")  # joined both brands, shares nothing with either
    for merchant in (acme, bolt):
        action_record(user=shy, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    recovered = {}
    for merchant in (acme, bolt):
        client.force_login(owner_of(merchant))
        pseudonym = neutral_label(merchant_id=merchant.pk, user_id=shy.pk)
        page = client.get(LIST).content.decode()
        assert pseudonym in page and "Shy Person" not in page  # pseudonymous, as designed
        recovered[merchant.slug] = _internal_id_behind(client, pseudonym)
        client.logout()

    assert recovered == {"acme": None, "bolt": None}


@pytest.mark.parametrize(
    "url,query",
    [
        (LIST, {"user": "1"}),
        (LIST, {"user_id": "1"}),
        (LIST, {"user__id__exact": "1"}),
        (LIST, {"action__user__gte": "1"}),
        (LIST + "export.csv", {"user__lte": "1"}),
        ("/console/campaigns/ugcsubmission/", {"user__gte": "1"}),
    ],
)
def test_a_filter_on_a_person_is_refused_with_the_lists_error(brand, client, url, query):
    client.force_login(owner_of(brand("acme")["merchant"]))

    response = client.get(url, query)

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
