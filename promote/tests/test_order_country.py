"""The order form's country: a choice of the countries the kind is launched in, each by its name in the
reader's language; a value that isn't one is a clear error on the field; the order shows the name.

A merchant typing "Germany" in the old two-letter box sent "GE" (Georgia) and read "not launched in GE"."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.i18n import collation_key
from promote import services
from promote.models import PromoteOrder
from promote.tests.conftest import coins_of
from promote.tests.test_console import signed_in, video_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def joy(make_merchant):
    merchant = make_merchant("joy", funds="50.00", brand_name="Joy Coffee")
    services.coins_buy_from_wallet(
        holder=merchant, coins_count=1000, currency="EUR", actor=merchant.created_by, now=timezone.now()
    )
    return merchant


def _fields(video, **changes) -> dict:
    fields = {
        "content": f"v{video.pk}",
        "kind": "VIDEO",
        "goal": "VIEWS",
        "age_min": 25,
        "age_max": 40,
        "budget_coins": 600,
        "duration_days": 3,
        "commercial_music_declared": "on",
        "confirm": "yes",
    }
    return fields | changes


def _options(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="country"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [
        (value, html.unescape(name))
        for value, name in re.findall(r'<option value="(\w*)"[^>]*>([^<]*)<', select)
    ]


def _country_errors(page: str) -> list[str]:
    """The error messages the page shows (Django's errorlist), unescaped."""
    return [
        html.unescape(text) for text in re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>(.*?)</li>', page)
    ]


@pytest.mark.parametrize(
    ("language", "first", "germany", "united_kingdom"),
    [
        ("en", ("AU", "Australia"), "Germany", "United Kingdom"),
        ("de", ("EG", "Ägypten"), "Deutschland", "Vereinigtes Königreich"),
    ],
)
def test_the_country_is_chosen_by_its_name_in_the_readers_language_sorted_by_name(
    client, joy, language, first, germany, united_kingdom
):
    owner = joy.created_by
    type(owner).objects.filter(pk=owner.pk).update(language=language)
    signed_in(client, owner)

    page = client.get(reverse("console:promote_new")).content.decode()

    options = _options(page)
    assert options[0][0] == ""  # blank: the automatic audience
    named = options[1:]
    assert named[0] == first
    assert [name for _code, name in named] == sorted((name for _code, name in named), key=collation_key)
    assert ("DE", germany) in named and ("GB", united_kingdom) in named
    assert len(named) == 20  # the seed's launched countries, each once (Video's, of every kind)
    assert "ISO code" not in page and "Länder-Code" not in page


@pytest.mark.parametrize("posted", ["Germany", "GE", "ZZ"])
def test_a_country_not_in_the_list_is_a_clear_error_and_nothing_is_placed(client, joy, posted):
    video = video_of(joy)
    signed_in(client, joy.created_by)

    page = client.post(reverse("console:promote_new"), _fields(video, country=posted)).content.decode()

    assert "Choose a country from the list." in _country_errors(page)
    assert "not launched in" not in page
    assert not PromoteOrder.objects.exists()


def test_a_country_launched_for_another_kind_only_is_refused_by_its_name(client, joy):
    video = video_of(joy)
    signed_in(client, joy.created_by)

    page = client.post(
        reverse("console:promote_new"),
        _fields(video, kind="VIDEO_ANCHOR", goal="PRODUCT_CLICKS", country="DE"),
    ).content.decode()

    assert (
        "Video with a product anchor promotion is not launched in this country: Germany "
        "(launched: Indonesia, United Kingdom, United States)."
    ) in _country_errors(page)
    assert not PromoteOrder.objects.exists()


def test_no_country_without_the_automatic_audience_is_asked_for(client, joy):
    video = video_of(joy)
    signed_in(client, joy.created_by)

    page = client.post(reverse("console:promote_new"), _fields(video, country="")).content.decode()

    assert "Choose the country to show the promotion in." in _country_errors(page)
    assert not PromoteOrder.objects.exists()


def test_a_launched_country_is_accepted_and_the_order_shows_its_name(client, joy):
    video = video_of(joy)
    owner = joy.created_by
    signed_in(client, owner)

    page = client.post(
        reverse("console:promote_new"), _fields(video, country="DE"), follow=True
    ).content.decode()

    order = PromoteOrder.objects.get()
    assert f"Promotion #{order.pk} is paid and waiting for review." in page
    assert order.country == "DE" and coins_of(joy) == 400
    assert '<span data-testid="audience">Audience: Germany, ages 25 to 40</span>' in page
    type(owner).objects.filter(pk=owner.pk).update(language="de")
    page = client.get(reverse("console:promote_order", args=[order.pk])).content.decode()
    assert "Deutschland" in page and ">DE<" not in page


def test_a_country_or_ages_chosen_with_the_automatic_audience_are_refused_not_dropped(client, joy):
    """Before: ticked (the default) with Germany and ages 25 to 40 chosen, the coins were taken and the
    order said "Audience: automatic": the choice paid for, dropped unseen."""
    video = video_of(joy)
    signed_in(client, joy.created_by)
    coins_before = coins_of(joy)

    with_country = client.post(
        reverse("console:promote_new"),
        _fields(video, audience_automatic="on", country="DE", age_min=18, age_max=65),
    ).content.decode()
    with_ages = client.post(
        reverse("console:promote_new"), _fields(video, audience_automatic="on", country="")
    ).content.decode()

    refusal = (
        "An automatic audience has no country or ages. Untick it to show the promotion in the country and "
        "to the ages chosen, or choose no country and ages 18 to 65."
    )
    assert refusal in _country_errors(with_country) and refusal in _country_errors(with_ages)
    assert not PromoteOrder.objects.exists() and coins_of(joy) == coins_before


def test_the_automatic_audience_keeps_the_country_blank(client, joy):
    video = video_of(joy)
    signed_in(client, joy.created_by)

    page = client.post(
        reverse("console:promote_new"),
        _fields(video, audience_automatic="on", country="", age_min=18, age_max=65),
        follow=True,
    ).content.decode()

    order = PromoteOrder.objects.get()
    assert order.audience_automatic and order.country == ""
    assert (order.age_min, order.age_max) == (18, 65)
    assert '<span data-testid="audience">Audience: automatic</span>' in page


def test_what_can_be_promoted_where_names_the_countries(client, joy):
    signed_in(client, joy.created_by)

    page = html.unescape(client.get(reverse("console:promote_new")).content.decode())

    assert "launched in Indonesia, United Kingdom, United States" in page
    assert "ID, GB, US" not in page


def test_a_consumers_order_says_its_audience_by_the_countrys_name(client, promoter):
    ana, post = promoter()
    client.force_login(ana)
    fields = {
        "content": post.pk,
        "kind": "VIDEO",
        "goal": "VIEWS",
        "country": "GB",
        "age_min": 25,
        "age_max": 40,
        "budget_coins": 500,
        "duration_days": 2,
        "commercial_music_declared": "on",
        "confirm": "yes",
    }

    page = client.post(reverse("promote:order_new"), fields, follow=True).content.decode()

    assert PromoteOrder.objects.get().country == "GB"
    assert '<span data-testid="audience">Audience: United Kingdom, ages 25 to 40</span>' in page
