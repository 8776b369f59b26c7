"""Inquiries: an accepted one creates a conversion whose lock date runs from the acceptance."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from affiliates import services
from affiliates.models import CommissionState, Inquiry, InquiryStatus, RejectReason
from affiliates.tests.conftest import NOW, assert_ledger_clean, convert, day, eur, funds
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


def _open(affiliate, order_id="A-77", now=NOW):
    return services.inquiry_open(
        affiliate=affiliate,
        order_id=order_id,
        order_date=date(2026, 11, 22),
        amount=Decimal("80.00"),
        message="My follower bought with my link but it is not here.",
        now=now,
    )


def test_an_accepted_inquiry_is_tracked_from_its_acceptance(program, affiliate):
    inquiry = _open(affiliate)
    owner = owner_of(program.merchant)

    services.inquiry_decide(inquiry_id=inquiry.pk, accept=True, answer="Found it", actor=owner, now=day(10))

    inquiry.refresh_from_db()
    commission = inquiry.conversion.commission
    assert inquiry.status == InquiryStatus.ACCEPTED
    assert commission.state == CommissionState.PENDING
    assert (commission.lock_date, commission.approve_date) == (date(2026, 12, 17), date(2027, 1, 1))
    assert services.commissions_advance(now=day(24))["locked"] == 0
    assert services.commissions_advance(now=day(25))["locked"] == 1
    assert funds(program.merchant) == eur("452.00")
    assert_ledger_clean()


def test_an_inquiry_about_a_rejected_conversion_credits_that_order(program, affiliate):
    rejected = convert(program, None, "A-77")
    assert rejected.reject_reason == RejectReason.NO_CLICK
    inquiry = _open(affiliate)
    services.inquiry_decide(
        inquiry_id=inquiry.pk, accept=True, answer="", actor=owner_of(program.merchant), now=day(2)
    )

    rejected.refresh_from_db()
    assert rejected.is_accepted and rejected.affiliate == affiliate
    assert rejected.commission.state == CommissionState.PENDING


def test_a_declined_inquiry_tells_the_affiliate_why(client, program, affiliate):
    inquiry = _open(affiliate)
    with pytest.raises(services.AffiliateError, match="Tell the affiliate why"):
        services.inquiry_decide(
            inquiry_id=inquiry.pk, accept=False, answer="", actor=owner_of(program.merchant), now=day(1)
        )
    services.inquiry_decide(
        inquiry_id=inquiry.pk,
        accept=False,
        answer="That order was cancelled",
        actor=owner_of(program.merchant),
        now=day(1),
    )

    client.force_login(affiliate.user)
    page = client.get(f"/affiliates/{program.pk}/").content.decode()
    assert "That order was cancelled" in page


def test_an_order_credited_to_someone_already_cannot_be_credited_twice(program, affiliate, click):
    convert(program, click, "A-77")
    with pytest.raises(services.AffiliateError, match="already credited"):
        _open(affiliate)


def test_the_affiliate_opens_an_inquiry_and_the_merchant_accepts_it_in_the_console(
    client, program, affiliate
):
    client.force_login(affiliate.user)
    client.post(
        f"/affiliates/{program.pk}/inquiries/",
        {"order_id": "A-88", "order_date": "2026-11-22", "amount": "10.00", "message": "Missing"},
    )
    inquiry = affiliate.inquiries.get()

    client.force_login(owner_of(program.merchant))
    assert "A-88" in client.get("/console/affiliates/").content.decode()
    client.post(f"/console/affiliates/inquiries/{inquiry.pk}/", {"decision": "accept", "answer": ""})
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ACCEPTED


def test_the_owner_reads_the_inquirys_order_date_in_the_merchants_language(
    program, affiliate, django_capture_on_commit_callbacks
):
    merchant = affiliate.program.merchant  # the instance the service reads (loaded when she was approved)
    merchant.language = "de"
    merchant.save(update_fields=["language"])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _open(affiliate)

    body = next(m.body for m in mail.outbox if m.to == [program.merchant.contact_email])
    assert "(22. November 2026)" in body and "2026-11-22" not in body


def _row(page: str, order_id: str) -> str:
    """The table row of ``order_id`` on a page, as text."""
    start = page.rindex("<tr", 0, re.search(rf"<td[^>]*>{re.escape(order_id)}</td>", page).start())
    return page[start : page.index("</tr>", start)]


def test_the_portal_and_the_console_date_an_inquiry_by_its_order_under_the_same_label(
    client, program, affiliate
):
    _open(affiliate, order_id="A-77", now=day(5))  # an order of 22 November, asked about on the 27th

    client.force_login(affiliate.user)
    portal = client.get(f"/affiliates/{program.pk}/").content.decode()
    client.force_login(owner_of(program.merchant))
    console = client.get("/console/affiliates/").content.decode()

    for page in (portal, console):
        assert '<th scope="col">Order date</th>' in page
        row = _row(page, "A-77")
        assert ">22 Nov 2026</td>" in row
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)  # the row's text cells (not its form's CSRF token)
        assert not any(day(5).strftime("%d") in cell for cell in cells if cell != "A-77"), (
            cells
        )  # never the day sent


def _send(client, program, language="de", **fields):
    """The affiliate's inquiry form sent from the program's page; the page it comes back to, as text."""
    form = {"order_id": "A-90", "order_date": "2026-11-22", "amount": "12,50", "message": "Missing", **fields}
    response = client.post(
        f"/affiliates/{program.pk}/inquiries/", form, HTTP_ACCEPT_LANGUAGE=language, follow=True
    )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_an_order_amount_with_the_german_decimal_comma_is_read_as_euros_and_cents(client, program, affiliate):
    client.force_login(affiliate.user)

    page = _send(client, program, amount="12,50")

    assert "Ihre Anfrage ist beim Programm eingegangen." in page
    assert affiliate.inquiries.get().amount == Decimal("12.50")
    assert ">12,50\xa0€</td>" in page


@pytest.mark.parametrize(
    ("amount", "refusal"),
    [
        ("1e9", "Geben Sie einen Betrag wie 25,50 ein"),
        ("1000000,01", "Der Bestellwert muss größer als null und höchstens 1.000.000,00\xa0€ sein."),
        ("999999999999", "Der Bestellwert muss größer als null und höchstens 1.000.000,00\xa0€ sein."),
        ("0", "Der Bestellwert muss größer als null und höchstens 1.000.000,00\xa0€ sein."),
        ("-5", "Der Betrag muss über null liegen."),
    ],
)
def test_an_order_amount_no_order_can_have_is_refused_in_the_affiliates_language(
    client, program, affiliate, amount, refusal
):
    """The tester's "1e9" became an inquiry of 1.000.000.000,00 € (#23)."""
    client.force_login(affiliate.user)

    page = _send(client, program, amount=amount)

    assert refusal in page
    assert not affiliate.inquiries.exists()


def test_the_largest_order_amount_is_accepted(client, program, affiliate):
    client.force_login(affiliate.user)

    _send(client, program, amount="1.000.000,00")

    assert affiliate.inquiries.get().amount == Decimal("1000000.00")


def test_a_message_over_the_limit_is_refused_with_both_figures_as_german_writes_them(
    client, program, affiliate
):
    client.force_login(affiliate.user)
    assert 'maxlength="2000"' in client.get(f"/affiliates/{program.pk}/").content.decode()

    page = _send(client, program, message="x" * 2001)

    assert "Eine Nachricht hat höchstens 2.000 Zeichen (diese hat 2.001)." in page
    assert not affiliate.inquiries.exists()


def test_the_service_refuses_an_order_amount_above_a_million(program, affiliate):
    with pytest.raises(services.AffiliateError, match=r"at most €1,000,000\.00"):
        services.inquiry_open(
            affiliate=affiliate,
            order_id="A-91",
            order_date=date(2026, 11, 22),
            amount=Decimal("1E9"),
            message="Missing",
            now=NOW,
        )
    assert not affiliate.inquiries.exists()


def test_an_accepted_inquiry_of_the_largest_amount_pays_the_bounty_only(program, affiliate):
    """The commission is the program's bounty whatever the order's amount: a huge order is no huge commission."""
    inquiry = services.inquiry_open(
        affiliate=affiliate,
        order_id="A-92",
        order_date=date(2026, 11, 22),
        amount=Decimal("1000000.00"),
        message="Missing",
        now=NOW,
    )

    services.inquiry_decide(
        inquiry_id=inquiry.pk, accept=True, answer="", actor=owner_of(program.merchant), now=day(1)
    )

    inquiry.refresh_from_db()
    assert inquiry.conversion.amount == Decimal("1000000.00")
    assert inquiry.conversion.commission.amount == program.bounty
    assert funds(program.merchant) == eur("452.00")  # the same as for an order of 80,00 €
    assert_ledger_clean()


def test_the_console_does_not_accept_an_inquiry_sent_before_the_limit_with_a_larger_amount(
    client, program, affiliate
):
    inquiry = _open(affiliate)
    Inquiry.objects.filter(pk=inquiry.pk).update(amount=Decimal("1000000000.00"))  # as the tester's "1e9"
    client.force_login(owner_of(program.merchant))

    response = client.post(
        f"/console/affiliates/inquiries/{inquiry.pk}/",
        {"decision": "accept", "answer": ""},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )

    assert (
        "Der Bestellwert dieser Anfrage (1.000.000.000,00\xa0€) ist höher, als eine Bestellung sein kann"
        in html.unescape(response.content.decode())
    )
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN
    assert inquiry.conversion is None
    assert funds(program.merchant) == eur("500.00")


def test_the_same_inquiry_sent_twice_is_one_inquiry_and_the_person_sees_it_was_received(
    client, program, affiliate, django_capture_on_commit_callbacks
):
    """A double click on "Send" (#23): the second post used to show only "Sie haben zu dieser Bestellung
    schon eine offene Anfrage.", never that the inquiry had arrived."""
    client.force_login(affiliate.user)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _send(client, program)
        page = _send(client, program)

    assert "Ihre Anfrage ist beim Programm eingegangen." in page
    assert "schon eine offene Anfrage" not in page
    assert affiliate.inquiries.count() == 1
    assert [m.to for m in mail.outbox].count([program.merchant.contact_email]) == 1


def test_another_inquiry_about_an_order_with_an_open_one_is_refused(client, program, affiliate):
    client.force_login(affiliate.user)
    _send(client, program, amount="12,50")

    page = _send(client, program, amount="13,50")

    assert "Sie haben zu dieser Bestellung schon eine offene Anfrage." in page
    assert "Ihre Anfrage ist beim Programm eingegangen." not in page
    assert affiliate.inquiries.get().amount == Decimal("12.50")


@pytest.mark.parametrize(
    ("order_date", "refusal"),
    [
        (
            "1999-01-01",
            "Eine Bestellung von vor dem 22. November 2026, dem Tag Ihrer Bewerbung beim Programm, kann "
            "nicht über Ihre Links gekommen sein: Geben Sie das Datum einer Bestellung ab diesem Tag an.",
        ),
        ("2026-11-21", "Eine Bestellung von vor dem 22. November 2026"),
        ("2999-01-01", "Das Bestelldatum kann nicht in der Zukunft liegen."),
    ],
)
def test_an_order_date_no_link_of_the_affiliate_can_have_brought_is_refused_in_german(
    client, program, affiliate, order_date, refusal, django_capture_on_commit_callbacks
):
    """The tester's order of 01/01/1999 was e-mailed to the brand (#23): the affiliate applied on
    22 November 2026, so no order before that day came from their links."""
    client.force_login(affiliate.user)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        page = _send(client, program, order_date=order_date)

    assert refusal in page
    assert "Ihre Anfrage ist beim Programm eingegangen." not in page
    assert not affiliate.inquiries.exists() and not mail.outbox


def test_an_order_of_the_day_the_affiliate_applied_is_taken(client, program, affiliate):
    client.force_login(affiliate.user)

    page = _send(client, program, order_date="2026-11-22")

    assert "Ihre Anfrage ist beim Programm eingegangen." in page


def test_an_answer_too_long_is_refused_with_its_own_reason_not_choose_to_accept_or_decline(
    client, program, affiliate
):
    """A walk declined with an answer of 5,000 characters (more than the field's 500): the console said
    "Choose to accept or decline." although "Decline" was chosen."""
    inquiry = _open(affiliate)
    client.force_login(owner_of(program.merchant))

    response = client.post(
        f"/console/affiliates/inquiries/{inquiry.pk}/",
        {"decision": "decline", "answer": "😀" * 5000},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )

    page = html.unescape(response.content.decode())
    assert "Bitte wählen Sie: annehmen oder ablehnen." not in page
    assert "Eine Antwort hat höchstens 500 Zeichen (diese hat 5.000)." in page
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN
