"""One tracked link per affiliate, page and sub-id: a database constraint (``affiliates_link_once``),
safe when two requests make it at once, and migration 0014 keeping the links made twice before it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from affiliates import services
from affiliates.models import Click, Link
from tikjoy.tests.factories import NOW, affiliate_make, affiliate_program_make

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("affiliates", "0013_tag_report_superseded")
AFTER = ("affiliates", "0014_link_once")


def test_concurrent_requests_for_one_page_and_sub_id_make_one_link(make_merchant):
    """A double click's two requests, or two tabs, arrive together: each checks, none sees the other's
    link yet; the unique index lets one in and the others are told which link they have."""
    affiliate = affiliate_make(affiliate_program_make(make_merchant("joy", funds="100.00")))
    start = threading.Barrier(8, timeout=60)

    def make(i: int):
        try:
            start.wait()
            return services.link_create(
                affiliate=affiliate, destination="https://shop.example/shoes", sub_id="bio", now=NOW
            ).pk
        except services.LinkExists as exc:
            return ("exists", exc.link.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(make, range(8)))

    link = Link.objects.get()
    assert results.count(link.pk) == 1 and results.count(("exists", link.pk)) == 7


def test_a_long_page_of_emoji_is_one_link_and_refused_twice_not_an_error(make_merchant):
    """The index holds the page's hash: a 1,000-character path of emoji (4,000 bytes, more than a
    btree entry holds) is a link, and the same again a refusal, never a database error."""
    affiliate = affiliate_make(affiliate_program_make(make_merchant("joy", funds="100.00")))
    page = "https://shop.example/" + "😀" * 970
    first = services.link_create(affiliate=affiliate, destination=page, now=NOW)

    with pytest.raises(services.LinkExists):
        services.link_create(affiliate=affiliate, destination=page, now=NOW)

    assert Link.objects.get() == first


def test_the_migration_keeps_links_made_twice_with_their_clicks_and_refuses_a_third(make_merchant):
    program = affiliate_program_make(make_merchant("joy", funds="100.00"))
    affiliate = affiliate_make(program)
    other = affiliate_make(program, email="other@creator.example")
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps.get_model("affiliates", "Link")
    twice = [
        old.objects.create(
            affiliate_id=affiliate.pk, code=f"dup{i}", destination="https://shop.example/a", sub_id="bio",
            created_at=NOW,
        )
        for i in range(3)
    ]  # fmt: skip
    as_typed = [  # the same page as links were stored before 0014 (the host as typed, no "/" path)
        old.objects.create(
            affiliate_id=affiliate.pk, code=f"typed{i}", destination=page, sub_id="", created_at=NOW
        )
        for i, page in enumerate(["https://Shop.example", "https://shop.example/"])
    ]
    alone = old.objects.create(
        affiliate_id=other.pk,
        code="other",
        destination="https://shop.example/a",
        sub_id="bio",
        created_at=NOW,
    )
    clicks = {  # the recorder reads no link column the migration adds
        link.code: services.click_record(
            link_id=link.pk, click_id=f"click-{link.code}", visitor=link.code, user_agent="Mozilla/5.0",
            bot=False, at=NOW,
        ).pk
        for link in twice
    }  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    links = {link.code: link for link in Link.objects.all()}
    assert links["dup0"].duplicate_of is None and links["other"].duplicate_of is None
    assert links["dup1"].duplicate_of_id == links["dup2"].duplicate_of_id == twice[0].pk
    assert {c.link.code: c.pk for c in Click.objects.select_related("link")} == clicks  # every click kept
    assert alone.pk == links["other"].pk
    with pytest.raises(services.LinkExists) as refused:
        services.link_create(affiliate=affiliate, destination="https://shop.example/a", sub_id="bio", now=NOW)
    assert refused.value.link.code == "dup0"
    # Written as new links are (review finding: the host as typed made a second link for the same page).
    assert links["typed0"].destination == "https://shop.example/" and links["typed0"].duplicate_of is None
    assert links["typed1"].duplicate_of_id == as_typed[0].pk
    with pytest.raises(services.LinkExists) as refused:
        services.link_create(affiliate=affiliate, destination="https://Shop.example", now=NOW)
    assert refused.value.link.code == "typed0"
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it, not only the service
        Link.objects.create(
            affiliate=affiliate,
            code="dup3",
            destination="https://shop.example/a",
            sub_id="bio",
            created_at=NOW,
        )


def test_a_page_longer_than_a_link_holds_once_written_as_browsers_send_it_is_refused_in_words(make_merchant):
    """Review finding: 1,000 characters typed (the form's limit) became 1,001 with the empty path's "/",
    and the database refused it: a 500."""
    program = affiliate_program_make(make_merchant("joy", funds="100.00"))
    affiliate = affiliate_make(program)
    page = "https://shop.example?q="
    page += "a" * (1000 - len(page))

    with pytest.raises(services.AffiliateError) as refused:
        services.link_create(affiliate=affiliate, destination=page, now=NOW)

    assert str(refused.value) == (
        "A page's address has at most 1,000 characters as browsers send it (this one has 1,001)."
    )
    assert not Link.objects.exists()
