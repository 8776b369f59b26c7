"""Tracked links: the program's domains only, /r/<code> answers 302 at once, the click is written after it."""

from __future__ import annotations

import html
import os
import time
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
from django.db import connection
from django.utils.html import escape

from affiliates import clicklog, services
from affiliates.models import Click, Link, Program
from core.benchmarking import HttpServer, Variant
from tikjoy.tests.factories import NOW, affiliate_make, affiliate_program_make, owner_of

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def _program_form(program, domains: str) -> dict:
    """The console's program form as its owner sends it, with ``domains`` typed one a line."""
    return {
        "name": program.name,
        "bounty": "40,00",
        "domains": domains,
        "window_days": 30,
        "attribution": program.attribution,
        "terms": "",
        "is_active": "on",
    }


@pytest.fixture
def link(affiliate):
    return services.link_create(
        affiliate=affiliate, destination="https://shop.example/shoes?size=42", sub_id="tiktok-bio", now=NOW
    )


@pytest.mark.parametrize(
    "destination",
    [
        "https://evil.example/",
        "https://shop.example.evil.example/",
        "javascript:alert(1)",
        "https://user@evil.example/",
        "ftp://shop.example/",
        "//evil.example/",
    ],
)
def test_a_link_outside_the_programs_domains_is_refused(affiliate, destination):
    with pytest.raises(services.AffiliateError, match="only to the program's sites"):
        services.link_create(affiliate=affiliate, destination=destination, now=NOW)


def test_a_link_to_a_sub_domain_is_allowed(affiliate):
    assert services.link_create(affiliate=affiliate, destination="https://www.shop.example/a", now=NOW).code


def test_only_approved_affiliates_create_links(program):
    applicant = affiliate_make(program, approved=False)
    with pytest.raises(services.AffiliateError, match="approved"):
        services.link_create(affiliate=applicant, destination="https://shop.example/", now=NOW)


def test_the_redirect_is_a_302_with_a_click_id_and_the_click_is_recorded(client, link):
    response = client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.netloc, target.path) == ("shop.example", "/shoes")
    query = parse_qs(target.query)
    assert query["size"] == ["42"]
    click = Click.objects.get()
    assert query["tj_click"] == [click.click_id]
    assert click.is_unique and not click.is_bot
    assert (
        "203.0.113.9" not in click.visitor_hash and len(click.visitor_hash) == 64
    )  # a salted hash, not the IP


def test_a_click_that_cannot_be_written_never_fails_the_redirect(client, link, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(services, "clicks_record_many", broken)
    response = client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 302
    assert Click.objects.count() == 0


def test_an_unknown_code_is_a_404(client, db):
    assert client.get("/r/nope").status_code == 404


def test_a_link_whose_domain_left_the_program_no_longer_redirects(client, link, program):
    services.program_update(
        program_id=program.pk,
        name=program.name,
        bounty=program.bounty,
        domains=["other.example"],
        window_days=30,
        attribution=program.attribution,
        terms="",
        is_active=True,
    )
    assert client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER).status_code == 404


@pytest.mark.parametrize("shared", ["com", "github.io", "co.uk", "shop"])
def test_the_console_refuses_a_public_suffix_as_the_programs_site_in_the_merchants_language(
    client, program, affiliate, shared
):
    client.force_login(owner_of(program.merchant))
    response = client.post(
        "/console/affiliates/",
        _program_form(program, f"shop.example\n{shared}"),
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 200  # the form again, with its error
    assert escape(f"'{shared}' ist eine Endung, unter der viele Inhaber ihre Websites haben") in (
        response.content.decode()
    )
    program.refresh_from_db()
    assert program.domains == ["shop.example"]
    with pytest.raises(services.AffiliateError, match="only to the program's sites"):
        services.link_create(affiliate=affiliate, destination="https://evil-phish.com/login", now=NOW)


def test_a_public_suffix_stored_before_it_was_refused_never_redirects(client, affiliate, program):
    link = services.link_create(affiliate=affiliate, destination="https://shop.example/", now=NOW)
    Link.objects.filter(pk=link.pk).update(destination="https://evil-phish.com/login")
    Program.objects.filter(pk=program.pk).update(
        domains=["shop.example", "com"]
    )  # data from before the check

    assert client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER).status_code == 404
    with pytest.raises(services.AffiliateError, match="only to the program's sites"):
        services.link_create(affiliate=affiliate, destination="https://evil-phish.com/login", now=NOW)


@pytest.mark.parametrize(
    ("method", "agent", "headers"),
    [
        ("head", BROWSER, {}),
        ("get", "WhatsApp/2.23.20.0 A", {}),
        ("get", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", {}),
        ("get", "Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com)", {}),
        ("get", "curl/8.4.0", {}),
        ("get", "", {}),
        ("get", BROWSER, {"HTTP_SEC_PURPOSE": "prefetch"}),
    ],
)
def test_bots_and_previews_are_redirected_but_never_unique(client, link, method, agent, headers):
    response = getattr(client, method)(f"/r/{link.code}", HTTP_USER_AGENT=agent, **headers)

    assert response.status_code == 302
    click = Click.objects.get()
    assert click.is_bot and not click.is_unique


def test_one_unique_click_per_link_visitor_and_hour(client, link):
    for _ in range(3):
        client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.1")
    client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.2")

    assert Click.objects.count() == 4
    assert Click.objects.filter(is_unique=True).count() == 2


def test_the_next_hour_counts_again(link):
    first = services.click_record(
        link_id=link.pk, click_id="a" * 24, visitor="v", user_agent="", bot=False, at=NOW
    )
    same_hour = services.click_record(
        link_id=link.pk, click_id="b" * 24, visitor="v", user_agent="", bot=False, at=NOW.replace(minute=59)
    )
    next_hour = services.click_record(
        link_id=link.pk, click_id="c" * 24, visitor="v", user_agent="", bot=False, at=NOW.replace(hour=13)
    )
    assert (first.is_unique, same_hour.is_unique, next_hour.is_unique) == (True, False, True)


@pytest.mark.django_db(transaction=True)
def test_buffered_clicks_are_all_written_by_the_background_writer(client, settings):
    settings.AFFILIATES_CLICK_FLUSH_SECONDS = 0.05
    program = affiliate_program_make(None, domains=["shop.example"])
    link = services.link_create(
        affiliate=affiliate_make(program), destination="https://shop.example/", now=NOW
    )
    for i in range(30):
        assert (
            client.get(
                f"/r/{link.code}", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=f"198.51.100.{i % 10}"
            ).status_code
            == 302
        )

    deadline = time.monotonic() + 10
    while Click.objects.count() < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    clicklog.flush()
    assert Click.objects.count() == 30
    assert Click.objects.filter(is_unique=True).count() == 10


def test_the_redirect_skips_sessions_and_csrf_but_keeps_the_security_headers(client, link):
    response = client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 302
    assert not response.cookies  # no session, no CSRF cookie (a merchant program sets none of its own)
    assert "Content-Security-Policy" in response and response["Cache-Control"] == "no-store"


def test_the_redirect_on_a_host_that_is_not_ours_is_a_400(client, link):
    response = client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER, HTTP_HOST="evil.example")

    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/r/nope", "/r/" + "a" * 40, "/r/%C3%A9t%C3%A9"])
def test_unknown_or_odd_codes_get_the_sites_404_page(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert b"<html" in response.content.lower()


def test_a_post_to_a_link_is_refused(client, link):
    assert client.post(f"/r/{link.code}").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_clicks_a_gunicorn_worker_holds_are_written_when_it_is_stopped():
    """The benchmark's server (gunicorn, sync workers) with a writer that never wakes by itself:
    the clicks wait in the workers until SIGTERM, then each worker writes them as it exits."""
    program = affiliate_program_make(None, domains=["shop.example"])
    link = services.link_create(
        affiliate=affiliate_make(program), destination="https://shop.example/", now=NOW
    )
    database = connection.settings_dict
    url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + database["NAME"]))
    server = HttpServer(
        workers=2,
        settings_overrides={"AFFILIATES_CLICK_FLUSH_SECONDS": 3600, "TRUST_X_FORWARDED_FOR": True},
        access_log=True,
        env={"DATABASE_URL": url, "DATABASE_POOL": "false"},
    )
    with server:
        for i in range(40):
            status, _ = server.fetch(
                Variant(f"/r/{link.code}", headers={"User-Agent": BROWSER, "X-Forwarded-For": f"10.0.0.{i}"})
            )
            assert status == 302
        assert Click.objects.count() == 0  # held by the workers
        server.stop()
        assert server.responses_sent(302, f"/r/{link.code}") == 40

    assert Click.objects.filter(link=link).count() == 40
    assert Click.objects.filter(link=link, is_unique=True).count() == 40


def test_a_shop_on_an_internationalised_domain_gets_links_its_browsers_follow(client, program, affiliate):
    """müller.de is a domain name: the console takes it as written, stores it as browsers send it, shows
    it as written, and a link to it redirects with a valid Location (the ASCII host)."""
    client.force_login(owner_of(program.merchant))
    response = client.post(
        "/console/affiliates/",
        _program_form(program, "shop.example\nMüller.de"),
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.domains == ["shop.example", "xn--mller-kva.de"]
    assert "müller.de" in client.get("/console/affiliates/").content.decode()
    affiliate.program = program

    link = services.link_create(
        affiliate=affiliate, destination="https://www.müller.de/Angebote?x=1", now=NOW
    )
    response = client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.netloc, target.path) == ("www.xn--mller-kva.de", "/Angebote")
    with pytest.raises(
        services.AffiliateError, match=r"only to the program's sites \(shop.example, müller.de\)"
    ):
        services.link_create(affiliate=affiliate, destination="https://straße.de/", now=NOW)
    with pytest.raises(services.AffiliateError, match="only to the program's sites"):
        services.link_create(affiliate=affiliate, destination="https://user@müller.de/", now=NOW)


def test_a_domain_that_could_pass_for_another_is_shown_to_affiliates_as_punycode(client, program, affiliate):
    """Review: xn--80ak6aa92e.com is apple.com in Cyrillic letters; decoded, affiliates would read apple.com."""
    client.force_login(owner_of(program.merchant))
    response = client.post("/console/affiliates/", _program_form(program, "xn--80ak6aa92e.com\nMüller.de"))
    assert response.status_code == 302
    client.force_login(affiliate.user)

    page = client.get(f"/affiliates/{program.pk}/").content.decode()

    assert "Links may point to: xn--80ak6aa92e.com, müller.de." in page
    assert "\u0430\u0440\u0440\u04cf\u0435" not in page  # the Cyrillic letters


@pytest.mark.parametrize("domains", ["https://[zz", "https://shop\uff0fevil.example"])
def test_hostile_domains_in_the_console_are_a_form_error_not_a_500(client, program, domains):
    client.force_login(owner_of(program.merchant))
    client.raise_request_exception = False

    response = client.post(
        "/console/affiliates/",
        _program_form(program, domains),
    )

    assert response.status_code == 200
    assert "is not a domain name (write it like shop.example)" in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "destination", ["https://müller.de:99999/x", "https://shop.example:99999/x", "https://[zz/"]
)
def test_a_destination_with_no_valid_host_or_port_is_refused(affiliate, program, destination):
    program.domains = ["shop.example", "xn--mller-kva.de"]
    program.save(update_fields=["domains"])
    affiliate.program = program

    with pytest.raises(services.AffiliateError, match="only to the program's sites"):
        services.link_create(affiliate=affiliate, destination=destination, now=NOW)
