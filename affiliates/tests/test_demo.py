"""The demo: TikJoy's program with a referred merchant, and Joy Coffee's program with conversions in every state."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.models import User
from affiliates.models import (
    Commission,
    CommissionState,
    Conversion,
    Inquiry,
    Program,
    ProgramKind,
    RejectReason,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_both_programs_with_their_states(capsys):
    call_command("seed_demo", "--quiet-credentials")
    call_command("seed_demo", "--quiet-credentials")  # twice: still one of each

    platform = Program.objects.get(kind=ProgramKind.PLATFORM)
    referred = Conversion.objects.get(program=platform)
    assert referred.order_id.startswith("merchant-") and referred.commission.state == CommissionState.PENDING
    joy = Program.objects.get(merchant__slug="joycoffee")
    states = set(joy.conversions.filter(is_accepted=True).values_list("commission__state", flat=True))
    assert states == {
        CommissionState.PENDING,
        CommissionState.HELD,
        CommissionState.LOCKED,
        CommissionState.APPROVED,
        CommissionState.REVERSED,
    }
    assert joy.conversions.get(is_accepted=False).reject_reason == RejectReason.OUTSIDE_WINDOW
    assert Inquiry.objects.filter(affiliate__program=joy).count() == 1


@pytest.mark.parametrize(
    ("language", "terms", "bounty"),
    [
        ("de", "Eine Prämie für jede Bestellung eines Neukunden.", "10,00\xa0€"),
        ("fr", "Une prime pour chaque commande d\u2019un nouveau client.", "10,00\xa0€"),
        ("en", "One bounty for each order of a new customer.", "€10.00"),
    ],
)
def test_the_demo_programs_terms_are_in_the_readers_language_with_the_bounty_in_their_format(
    client, language, terms, bounty
):
    call_command("seed_demo", "--quiet-credentials")
    joy = Program.objects.get(merchant__slug="joycoffee")

    page = client.get(f"/affiliates/{joy.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert terms in page
    assert f"<strong>{bounty}</strong>" in page
    assert "EUR" not in page and "10.00 EUR" not in page


def test_the_demo_programs_name_is_in_each_of_the_five_languages(client):
    call_command("seed_demo", "--quiet-credentials")
    joy = Program.objects.get(merchant__slug="joycoffee")

    names = {
        language: client.get("/affiliates/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        for language in ("en", "it", "de", "fr", "es")
    }

    assert (
        f">{joy.name_in('it')}</a>" in names["it"]
        and "Programma di affiliazione di Joy Coffee" in names["it"]
    )
    assert "Partnerprogramm von Joy Coffee" in names["de"] and "Partnerprogramm" not in names["it"]
    assert "Programme d\u2019affiliation de Joy Coffee" in names["fr"]
    assert "Programa de afiliados de Joy Coffee" in names["es"]
    assert "Joy Coffee affiliate program" in names["en"]


def test_the_demo_commissions_lock_and_are_approved_on_the_days_the_rule_gives():
    """The tester saw JOY-1003, tracked on 10.11, "Festgeschrieben 30.11. · fällig am 10.12." and
    JOY-1001/1002 locked and approved on the same day, the demo's "now" (#23). The rule: a commission
    locks 15 days after it is tracked and is approved 15 days after that."""
    call_command("seed_demo", "--quiet-credentials")
    today = timezone.localdate()

    commissions = Commission.objects.filter(program__merchant__slug="joycoffee")
    assert commissions.filter(state=CommissionState.APPROVED).count() == 2
    for commission in commissions:
        tracked = timezone.localdate(commission.tracked_at)
        assert commission.lock_date == tracked + timedelta(days=15)
        assert commission.approve_date == tracked + timedelta(days=30)
        if commission.state in {CommissionState.PENDING, CommissionState.HELD}:
            assert commission.lock_date > today and commission.locked_at is None
        if commission.state in {CommissionState.LOCKED, CommissionState.APPROVED}:
            assert timezone.localdate(commission.locked_at) == commission.lock_date
        if commission.state == CommissionState.LOCKED:
            assert commission.approve_date > today and commission.approved_at is None
        if commission.state == CommissionState.APPROVED:
            assert timezone.localdate(commission.approved_at) == commission.approve_date


def test_the_affiliate_reads_the_locked_demo_commissions_dates_by_the_rule(client):
    call_command("seed_demo", "--quiet-credentials")
    joy = Program.objects.get(merchant__slug="joycoffee")
    client.force_login(User.objects.get(email="pia@demo.tikjoy.local"))
    tracked = timezone.localdate(joy.conversions.get(order_id="JOY-1003").commission.tracked_at)

    page = html.unescape(client.get(f"/affiliates/{joy.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode())

    row = next(row for row in page.split("<tr") if "JOY-1003" in row)
    with translation.override("de"):
        locked, due = (date_format(tracked + timedelta(days=n), "SHORT_DATE_FORMAT") for n in (15, 30))
    assert "Festgeschrieben" in row and locked in row and f"fällig am {due}" in row, row
