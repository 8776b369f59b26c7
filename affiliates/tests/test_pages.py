"""Joining a program and running one: the affiliate's pages, the merchant console, /ops/."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from affiliates.models import Affiliate, AffiliateStatus, Commission, CommissionState, Program
from affiliates.tests.conftest import convert
from tikjoy.tests.factories import UserFactory, affiliate_click_make, affiliate_make, owner_of

pytestmark = pytest.mark.django_db


def test_a_visitor_is_asked_to_sign_up_before_applying(client, program):
    response = client.get(f"/affiliates/{program.pk}/")
    assert "Sign up to apply" in response.content.decode()


def test_a_person_applies_and_the_merchant_sees_the_application(
    client, program, django_capture_on_commit_callbacks
):
    person = UserFactory(email="cleo@creator.example")
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/affiliates/{program.pk}/",
            {"website": "https://tiktok.com/@cleo", "promotion_plan": "Unboxing videos"},
            follow=True,
        )

    assert "your application was sent" in response.content.decode()
    assert "Applied, waiting for a decision" in response.content.decode()
    assert Affiliate.objects.get(user=person).status == AffiliateStatus.APPLIED
    assert any("New affiliate application" in m.subject for m in mail.outbox)

    owner = owner_of(program.merchant)
    client.force_login(owner)
    page = client.get("/console/affiliates/").content.decode()
    assert "cleo@creator.example" in page and "Unboxing videos" in page


def test_a_rejection_reason_reaches_the_applicant(client, program, django_capture_on_commit_callbacks):
    applicant = affiliate_make(program, approved=False, email="dan@creator.example")
    client.force_login(owner_of(program.merchant))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/console/affiliates/{applicant.pk}/decide/", {"status": "REJECTED", "reason": "No audience yet"}
        )

    client.force_login(applicant.user)
    page = client.get(f"/affiliates/{program.pk}/").content.decode()
    assert "Rejected" in page and "No audience yet" in page
    assert any("No audience yet" in m.body for m in mail.outbox)


def test_a_refusal_without_a_reason_is_refused(client, program):
    applicant = affiliate_make(program, approved=False)
    client.force_login(owner_of(program.merchant))
    response = client.post(
        f"/console/affiliates/{applicant.pk}/decide/", {"status": "BANNED", "reason": ""}, follow=True
    )
    assert "Give a reason" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.status == AffiliateStatus.APPLIED


def test_an_approved_affiliate_creates_a_link_and_sees_commissions_with_their_dates(
    client, program, affiliate
):
    client.force_login(affiliate.user)
    response = client.post(
        f"/affiliates/{program.pk}/links/",
        {"destination": "https://shop.example/spring", "sub_id": "bio"},
        follow=True,
    )
    page = response.content.decode()
    assert "Your link is ready" in page and "https://shop.example/spring" in page
    link = affiliate.links.get()
    convert(program, affiliate_click_make(affiliate, link=link))

    page = client.get(f"/affiliates/{program.pk}/").content.decode()
    # Tracked 22 November 12:00 UTC; it locks on 7 December and is approved on 22 December. The
    # browser's zone isn't known yet: the tracked day says it is UTC's.
    assert "order-1" in page and "22 Nov 2026 UTC" in page
    assert "7 Dec 2026" in page and "22 Dec 2026" in page and "2026-12-07" not in page
    assert 'data-figure="pending">€40.00' in page


def test_the_portal_writes_dates_and_amounts_as_the_persons_language_and_time_zone_do(
    client, program, affiliate
):
    from accounts.middleware import TIME_ZONE_COOKIE

    convert(program, affiliate_click_make(affiliate))
    client.force_login(affiliate.user)
    client.cookies[TIME_ZONE_COOKIE] = "Pacific/Auckland"  # 22 November 12:00 UTC is the 23rd there

    page = client.get(f"/affiliates/{program.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    row = page.split('data-testid="commission">')[1].split("</tr>")[0]
    assert ">23.11.2026</td>" in row and "40,00\xa0€" in row  # the cell (named by its column on a phone)
    assert "07.12.2026" in row and "22.12.2026" in row
    assert 'data-figure="pending">40,00\xa0€' in page and "EUR" not in row


def test_a_link_to_another_site_is_refused_with_a_message(client, program, affiliate):
    client.force_login(affiliate.user)
    response = client.post(
        f"/affiliates/{program.pk}/links/", {"destination": "https://evil.example/"}, follow=True
    )
    assert "only to the program&#x27;s sites" in response.content.decode()
    assert not affiliate.links.exists()


def test_the_merchant_reverses_a_pending_commission_with_a_code_the_affiliate_sees(
    client, program, affiliate, click
):
    commission = convert(program, click).commission
    client.force_login(owner_of(program.merchant))
    client.post(f"/console/affiliates/commissions/{commission.pk}/", {"action": "reverse", "code": "TEST"})

    commission.refresh_from_db()
    assert commission.state == CommissionState.REVERSED
    client.force_login(affiliate.user)
    assert "Reversed: Test order" in client.get(f"/affiliates/{program.pk}/").content.decode()


def test_a_merchant_starts_a_program_in_the_console(client, make_merchant):
    merchant = make_merchant("fresh")
    client.force_login(owner_of(merchant))
    client.post(
        "/console/affiliates/",
        {
            "name": "Fresh partners",
            "bounty": "12.50",
            "domains": "fresh.example\nshop.fresh.example",
            "window_days": "45",
            "attribution": "LAST_CLICK",
            "terms": "",
            "is_active": "on",
        },
    )
    program = Program.objects.get(merchant=merchant)
    assert (program.bounty, program.window_days, program.domains) == (
        program.bounty.__class__("12.50"),
        45,
        ["fresh.example", "shop.fresh.example"],
    )


@pytest.mark.parametrize("window", ["0", "91"])
def test_the_window_is_1_to_90_days(client, make_merchant, window):
    merchant = make_merchant("fresh")
    client.force_login(owner_of(merchant))
    response = client.post(
        "/console/affiliates/",
        {
            "name": "Fresh",
            "bounty": "10.00",
            "domains": "fresh.example",
            "window_days": window,
            "attribution": "LAST_CLICK",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert not Program.objects.filter(merchant=merchant).exists()


def test_ops_approve_and_ban_with_a_reason(client, ops, program):
    applicant = affiliate_make(program, approved=False)
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client.force_login(ops)
    client.post("/ops/affiliates/affiliate/", {"action": "approve", "_selected_action": [applicant.pk]})
    applicant.refresh_from_db()
    assert applicant.status == AffiliateStatus.APPROVED
    client.post(
        "/ops/affiliates/affiliate/",
        {"action": "ban", "_selected_action": [applicant.pk], "apply": "1", "reason": "Fake traffic"},
    )
    applicant.refresh_from_db()
    assert (applicant.status, applicant.status_reason) == (AffiliateStatus.BANNED, "Fake traffic")


def test_ops_start_tikjoys_own_program(client, ops):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client.force_login(ops)
    client.post(
        "/ops/affiliates/program/platform/",
        {
            "name": "TikJoy partners",
            "bounty": "40.00",
            "domains": "tikjoy.example",
            "window_days": "30",
            "attribution": "LAST_CLICK",
            "is_active": "on",
        },
    )
    program = Program.objects.get(kind="PLATFORM")
    assert program.merchant is None and program.margin_rate == 0


def test_a_viewer_cannot_manage_the_program(client, program, add_member):
    viewer = add_member(program.merchant, "viewer@joy.example", role="VIEWER")
    client.force_login(viewer)
    assert client.get("/console/affiliates/").status_code == 403
    assert client.get("/console/affiliates/report/").status_code == 200


def test_commissions_of_another_merchants_program_are_out_of_reach(
    client, program, affiliate, click, make_merchant
):
    commission = convert(program, click).commission
    other = make_merchant("other")
    client.force_login(owner_of(other))
    response = client.post(
        f"/console/affiliates/commissions/{commission.pk}/", {"action": "reverse", "code": "TEST"}
    )
    assert response.status_code == 404
    assert Commission.objects.get(pk=commission.pk).state == CommissionState.PENDING


def test_the_console_dashboard_shows_the_program_and_waiting_applications(client, program, affiliate):
    affiliate_make(program, approved=False)
    client.force_login(owner_of(program.merchant))
    page = client.get("/console/").content.decode()
    assert "1 approved affiliate" in page and "1 waiting for your decision" in page


def test_a_viewer_sees_no_affiliates_panel(client, program, add_member):
    client.force_login(add_member(program.merchant, "viewer@joy.example", role="VIEWER"))
    page = client.get("/console/").content.decode()
    assert "approved affiliate" not in page and "/console/affiliates/" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/ops/affiliates/program/",
        "/ops/affiliates/affiliate/",
        "/ops/affiliates/commission/",
        "/ops/affiliates/conversion/",
        "/ops/affiliates/click/",
        "/ops/affiliates/inquiry/",
        "/ops/affiliates/program/platform/",
    ],
)
def test_the_ops_pages_open(client, ops, program, affiliate, click, path):
    convert(program, click)
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client.force_login(ops)
    response = client.get(path)
    assert response.status_code == 200


def test_the_portal_and_console_never_promise_a_step_that_will_not_come(client, program, affiliate):
    """Each commission's lock and approval: the day it happened, the day it is due, 'after review'
    while held, nothing once reversed (a reversed commission is never approved)."""
    from affiliates import services
    from affiliates.tests.conftest import day

    approved = convert(program, affiliate_click_make(affiliate), "order-approved").commission
    services.commissions_advance(now=day(15))
    services.commissions_advance(now=day(31))  # approved a day after its due date (22 Dec): on the 23rd
    waiting = convert(
        program, affiliate_click_make(affiliate, at=day(31)), "order-waiting", at=day(31)
    ).commission
    reversed_ = convert(
        program,
        affiliate_click_make(affiliate, at=day(31), visitor="visitor-2"),
        "order-reversed",
        at=day(31),
    ).commission
    client.force_login(owner_of(program.merchant))
    client.post(f"/console/affiliates/commissions/{reversed_.pk}/", {"action": "reverse", "code": "TEST"})
    assert Commission.objects.get(pk=approved.pk).state == CommissionState.APPROVED

    def row(page: str, order: str) -> str:
        return next(part.split("</tr>")[0] for part in page.split("<tr") if order in part.split("</tr>")[0])

    console = client.get("/console/affiliates/").content.decode()
    client.force_login(affiliate.user)
    portal = client.get(f"/affiliates/{program.pk}/").content.decode()
    for page in (portal, console):
        assert "Approval" in page and "Approved on" not in page
        done = row(page, "order-approved")
        assert "7 Dec 2026" in done and "23 Dec 2026" in done and "due" not in done
        due = row(page, "order-waiting")
        assert f"due {waiting.lock_date:%-d %b %Y}" in due and f"due {waiting.approve_date:%-d %b %Y}" in due
        gone = row(page, "order-reversed")
        assert "due" not in gone and f"{reversed_.approve_date:%-d %b %Y}" not in gone
        assert len(re.findall(r"<td[^>]*>—</td>", gone)) == 2
