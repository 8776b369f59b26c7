"""The console coupon form's consumer search (issue #22): a brand with 200,000 consumers can't list
them in a ``<select>``, so the form searches them, in the brand's tenancy, by what each person
agreed to share with it, and nothing else; the page and the search cost the same queries whatever
the number of consumers."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from merchants.consumer_ids import consumer_ref
from merchants.models import ConsentField
from merchants.selectors import consenting_people_search, neutral_label
from merchants.services import consent_give, consent_withdraw
from promote import services
from promote.models import Coupon
from social.models import TikTokProfile
from tikjoy.tests.factories import NOW

pytestmark = pytest.mark.django_db

F = ConsentField


@pytest.fixture
def brand(make_merchant):
    merchant = make_merchant("joycoffee", funds="100.00")
    owner = merchant.memberships.get().user
    services.coins_buy_from_wallet(holder=merchant, coins_count=2000, currency="EUR", actor=owner, now=NOW)
    return merchant, owner


def person(name: str, *, email=None, handle="", phone=None) -> User:
    user = User.objects.create_user(email=email, display_name=name, phone=phone, phone_verified=bool(phone))
    if handle:
        TikTokProfile.objects.create(user=user, open_id=f"open-{handle}", username=handle)
    return user


@pytest.fixture
def people(brand, make_merchant):
    """Joy Coffee's consumers, each sharing one thing; one who withdrew; one of another brand."""
    merchant, _owner = brand
    ana = person("Ana Fan", email="ana@example.com", handle="ana_tok", phone="+393471111111")
    bea = person("Bea Secret", handle="beatrix")
    cid = person("Cid Hidden", email="cid@example.com")
    dan = person("Dan Private", phone="+393471234567")
    eve = person("Eve Gone")
    fay = person("Fay Other")
    for user, fields in (
        (ana, [F.DISPLAY_NAME]),
        (bea, [F.TIKTOK_HANDLE]),
        (cid, [F.EMAIL]),
        (dan, [F.PHONE]),
    ):
        consent_give(user=user, merchant=merchant, fields=fields, now=NOW)
    consent_give(user=eve, merchant=merchant, fields=[F.DISPLAY_NAME], now=NOW)
    consent_withdraw(user=eve, merchant=merchant, now=NOW)
    consent_give(user=fay, merchant=make_merchant("other"), fields=[F.DISPLAY_NAME], now=NOW)
    return {"ana": ana, "bea": bea, "cid": cid, "dan": dan, "eve": eve, "fay": fay}


def ref(merchant, user) -> str:
    """How the merchant's pages name ``user`` (never by their user id)."""
    return consumer_ref(merchant_id=merchant.pk, user_id=user.pk)


def found(client, term: str) -> list[str]:
    response = client.get(reverse("console:promote_coupon_consumers"), {"q": term})
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_a_consumer_is_found_only_by_what_they_shared_with_the_brand(brand, people, client):
    merchant, owner = brand
    client.force_login(owner)
    cid_label = neutral_label(merchant_id=merchant.pk, user_id=people["cid"].pk)
    dan_label = neutral_label(merchant_id=merchant.pk, user_id=people["dan"].pk)

    assert found(client, "ana") == ["Ana Fan"]  # the shared name; never her e-mail, handle or phone
    assert found(client, "  fan ") == ["Ana Fan"]
    assert found(client, "ana@") == found(client, "@ana_t") == found(client, "+393471111111") == []
    assert found(client, "@BEAT") == found(client, "beatr") == ["@beatrix"]
    assert found(client, "Bea Secret") == []  # Bea shares her handle, not her name
    assert found(client, "CID@example") == [f"{cid_label} (cid@example.com)"]
    assert found(client, "Hidden") == []
    assert found(client, "+39 347 123 4567") == [f"{dan_label} (+39 347 123 4567)"]  # shown grouped
    assert found(client, "+39347") == []  # a phone number is found whole
    assert found(client, "Eve") == found(client, "Eve Gone") == []  # withdrew her consent
    assert found(client, "Fay") == []  # another brand's consumer
    assert sorted(found(client, "")) == sorted(
        ["Ana Fan", "@beatrix", f"{cid_label} (cid@example.com)", f"{dan_label} (+39 347 123 4567)"]
    )


def test_the_page_offers_what_the_search_found_without_a_script(brand, people, client):
    merchant, owner = brand
    client.force_login(owner)
    url = reverse("console:promote_coupons")

    searched = client.get(url, {"q": "@beat"}).content.decode()
    nobody = client.get(url, {"q": "Fay"}).content.decode()

    assert f'<option value="{ref(merchant, people["bea"])}">@beatrix</option>' in searched
    assert "Ana Fan" not in searched and 'value="@beat"' in searched
    assert "Nobody who shares with your brand matches this." in nobody
    assert "Fay Other" not in nobody and "Eve Gone" not in nobody


def test_a_coupon_goes_only_to_a_consenting_consumer_of_the_brand(brand, people, client):
    merchant, owner = brand
    client.force_login(owner)
    url = reverse("console:promote_coupons")
    fields = {
        "action": "issue",
        "coins": "100",
        "valid_from": "2026-11-01 00:00",
        "valid_until": "2030-12-31 00:00",
    }

    for who in ("eve", "fay"):
        refused = client.post(
            url, {**fields, "consumer": ref(merchant, people[who]), "code": f"NO-{who}".upper()}
        )
        assert refused.status_code == 400
        page = refused.content.decode()
        assert "Choose one of the people who agreed to share with your brand" in page
        assert people[who].display_name not in page
    given = client.post(
        url, {**fields, "consumer": ref(merchant, people["dan"]), "code": "DAN100"}, follow=True
    )

    assert [c.user for c in Coupon.objects.all()] == [people["dan"]]
    assert "Coupon DAN100 (100 coins) given to Consumer " in given.content.decode()


def test_only_members_who_may_give_coupons_search_consumers(brand, people, client, add_member):
    merchant, _owner = brand
    client.force_login(add_member(merchant, "viewer@joycoffee.example", role="VIEWER"))

    response = client.get(reverse("console:promote_coupon_consumers"), {"q": "ana"})
    page = client.get(reverse("console:promote_coupons")).content.decode()

    assert response.status_code == 403
    assert "Ana Fan" not in page and 'name="consumer"' not in page


def _queries(client, url: str, params: dict) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


# What the coupons page and its search cost, whatever the number of consumers (pinned: a change
# that adds a query a consumer, or reads them all, fails here).
COUPONS_PAGE_QUERIES = 15
SEARCH_QUERIES = 7


def _coupon(merchant, owner, user, code: str) -> None:
    services.coupon_issue(
        code=code,
        coins_count=10,
        valid_from=NOW,
        valid_until=NOW.replace(year=2030),
        user=user,
        merchant=merchant,
        actor=owner,
        now=NOW,
    )


def test_the_page_and_the_search_cost_the_same_queries_for_5_or_45_consumers(brand, people, client):
    merchant, owner = brand
    client.force_login(owner)
    page, search = reverse("console:promote_coupons"), reverse("console:promote_coupon_consumers")
    _coupon(merchant, owner, people["ana"], "ANA")
    few = (_queries(client, page, {})[0], _queries(client, search, {"q": "fan"})[0])
    for n in range(40):
        fan = person(f"Fan Number {n:02d}", handle=f"fan{n:02d}")
        consent_give(user=fan, merchant=merchant, fields=[F.DISPLAY_NAME, F.TIKTOK_HANDLE], now=NOW)
        _coupon(merchant, owner, fan, f"FAN{n:02d}")

    many_page, text = _queries(client, page, {})
    many_search, _ = _queries(client, search, {"q": "fan"})

    assert (many_page, many_search) == few == (COUPONS_PAGE_QUERIES, SEARCH_QUERIES)
    select = re.search(r'<select name="consumer".*?</select>', text, re.S).group(0)
    assert select.count("<option value=") == 21  # the newest 20 offered, after "Choose the consumer"
    assert "The 20 people who agreed most recently are offered" in text
    assert consenting_people_search(merchant=merchant, term="fan").more


def test_the_coupons_are_listed_50_a_page_newest_first(brand, people, client):
    merchant, owner = brand
    for n in range(52):
        _coupon(merchant, owner, people["ana"], f"ANA{n:02d}")
    client.force_login(owner)
    url = reverse("console:promote_coupons")

    first = client.get(url).content.decode()
    older = re.search(r'href="(\?before=\d+)" data-testid="older-coupons"', first).group(1)
    second = client.get(url + older).content.decode()

    assert "ANA51" in first and "ANA02" in first and "ANA01" not in first
    assert "ANA01" in second and "ANA00" in second and "ANA02" not in second
    assert 'data-testid="older-coupons"' not in second
    assert client.get(url, {"before": "²"}).status_code == 200  # not a number: the first page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_refused_coupon_says_why_once(brand, people, client, language):
    merchant, owner = brand
    client.force_login(owner)
    fields = {
        "action": "issue",
        "coins": "999999",  # more than the brand's 2,000 coins
        "valid_from": "2026-11-01 00:00",
        "valid_until": "2030-12-31 00:00",
        "consumer": ref(merchant, people["dan"]),
        "code": "TOO-MANY",
    }

    refused = client.post(reverse("console:promote_coupons"), fields, HTTP_ACCEPT_LANGUAGE=language)

    assert refused.status_code == 400
    page = refused.content.decode()
    (why,) = re.findall(r'<ul class="errorlist nonfield"><li>(.*?)</li></ul>', page)
    assert why and page.count(why) == 1
    assert not Coupon.objects.exists()


def test_the_search_and_the_page_name_people_by_a_reference_never_their_user_id(brand, people, client):
    merchant, owner = brand
    client.force_login(owner)

    results = client.get(reverse("console:promote_coupon_consumers"), {"q": "ana"}).json()["results"]
    page = client.get(reverse("console:promote_coupons"), {"q": "ana"}).content.decode()

    ana = people["ana"]
    assert [row["id"] for row in results] == [ref(merchant, ana)]
    assert str(ana.pk) not in results[0]["id"]
    assert f'<option value="{ref(merchant, ana)}">Ana Fan</option>' in page
    assert f'<option value="{ana.pk}"' not in page


def test_a_coupon_is_given_by_the_reference_and_refused_for_a_user_id_or_another_brands_reference(
    brand, people, client, make_merchant
):
    merchant, owner = brand
    client.force_login(owner)
    url = reverse("console:promote_coupons")
    fields = {
        "action": "issue",
        "coins": "100",
        "valid_from": "2026-11-01 00:00",
        "valid_until": "2030-12-31 00:00",
    }
    other = make_merchant("elsewhere")

    for guess in (str(people["ana"].pk), ref(other, people["ana"]), ref(merchant, people["ana"])[:-2] + "xy"):
        refused = client.post(url, {**fields, "consumer": guess, "code": "GUESS"})
        assert refused.status_code == 400
        assert "Choose one of the people who agreed to share with your brand" in refused.content.decode()
    given = client.post(
        url, {**fields, "consumer": ref(merchant, people["ana"]), "code": "ANA100"}, follow=True
    )

    assert [c.user for c in Coupon.objects.all()] == [people["ana"]]
    assert "Coupon ANA100 (100 coins) given to Ana Fan" in given.content.decode()
