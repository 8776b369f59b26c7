"""The /ops/ payouts and bank accounts lists at scale (issue #22, docs/payouts.md "Ops lists at
scale"): never counted whole, a page read in two steps, a pinned number of queries whatever the rows,
"More than N" when the count stops short, and searched as an operator types (a reference in lower
case, an IBAN with spaces, an e-mail address in capitals) through indexes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.admin import WindowPaginator
from payouts import services
from payouts.admin import BankAccountAdmin, PayoutAdmin
from payouts.models import Payout, PayoutState
from payouts.tests.conftest import LATER, eur

pytestmark = pytest.mark.django_db

PAYOUTS = "/ops/payouts/payout/"
ACCOUNTS = "/ops/payouts/bankaccount/"


def _iban(n: int) -> str:
    bban = f"370400440532{n:06d}"
    return f"DE{98 - int(bban + '131400') % 97:02d}{bban}"


@pytest.fixture
def client(ops) -> Client:
    client = Client()
    client.force_login(ops)
    return client


@pytest.fixture
def payouts(make_payee):
    made = []
    for n, holder in enumerate(["Ana Dances", "Bruno Sings", "Carla Paints", "Dario Runs"]):
        user = make_payee(
            "50.00", email=f"{holder.split()[0].lower()}.{n}@example.com", holder=holder, iban=_iban(n)
        )
        made.append(services.payout_request(user=user, amount=eur("20.00"), now=LATER))
    return made


def _get(client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def _rows(page: str) -> set[int]:
    """The ids of the rows the list shows (their checkboxes)."""
    return {int(v) for v in re.findall(r'name="_selected_action" value="(\d+)"', page)}


def _never_counted_whole(queries: list[str]) -> None:
    counts = [q for q in queries if "COUNT(*)" in q.upper()]
    assert counts, "the list counts its rows (as far as its window)"
    for sql in counts:
        assert "LIMIT" in sql.upper(), f"a count of the whole list: {sql}"


# --- query counts, pinned ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "pinned"),
    [
        (PAYOUTS, 7),
        (PAYOUTS + "?state__exact=REQUESTED", 7),
        (PAYOUTS + "?escalation__exact=", 7),
        (PAYOUTS + "?q=ana.0@example.com", 7),  # + the person by e-mail, one page: no id step
        (ACCOUNTS, 5),
        (ACCOUNTS + "?country=DE&sepa_eea__exact=1", 5),
        (ACCOUNTS + "?q=DE", 1),  # no way to search two letters: nothing read
    ],
)
def test_each_list_reads_a_pinned_number_of_queries_whatever_its_rows(
    client, make_payee, payouts, url, pinned, monkeypatch
):
    for admin_class in (PayoutAdmin, BankAccountAdmin):
        monkeypatch.setattr(admin_class, "list_per_page", 1)  # several pages: the page's ids first
    _page, few = _get(client, url)
    for n in range(10, 16):
        user = make_payee("50.00", holder="Eva Extra", iban=_iban(n))
        services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    _page, many = _get(client, url)
    assert (len(few), len(many)) == (pinned, pinned), ([q[:150] for q in few], [q[:150] for q in many])
    if "q=DE" not in url:
        _never_counted_whole(many)


def test_a_list_longer_than_its_window_says_more_than_and_offers_no_select_all(client, payouts, monkeypatch):
    monkeypatch.setattr(PayoutAdmin, "list_per_page", 1)
    init = WindowPaginator.__init__
    monkeypatch.setattr(
        WindowPaginator, "__init__", lambda self, *a, **k: init(self, *a, **{**k, "ahead": 1})
    )
    page, _queries = _get(client, PAYOUTS)
    assert "More than 2 payouts" in page  # 4 payouts, counted as far as page 2
    assert 'class="question' not in page  # no "Select all N payouts"
    assert len(_rows(page)) == 1
    deep, _ = _get(client, PAYOUTS + "?p=3")
    assert _rows(deep) == {payouts[1].pk}
    assert "4 payouts" in deep and "More than" not in deep  # counted to page 4: all of them
    monkeypatch.setattr(PayoutAdmin, "list_per_page", 100)
    whole, _ = _get(client, PAYOUTS)
    assert "4 payouts" in whole and "More than" not in whole


def test_a_deep_page_is_read_in_two_steps(client, payouts, monkeypatch):
    monkeypatch.setattr(PayoutAdmin, "list_per_page", 1)
    page, queries = _get(client, PAYOUTS + "?p=3")
    assert _rows(page) == {payouts[1].pk}
    ids = [q for q in queries if 'FROM "payouts_payout"' in q and "OFFSET 2" in q]
    assert len(ids) == 1 and "JOIN" not in ids[0], ids  # the page's ids, on the payouts alone


# --- search: what an operator types ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "which"),
    [
        (lambda p: p[2].end_to_end_id.lower(), 2),  # a reference in lower case
        (lambda p: " ".join(re.findall(".{1,4}", p[1].end_to_end_id)), 1),  # ...in groups of four
        (lambda p: " ".join(re.findall(".{1,4}", _iban(3))).lower(), 3),  # an IBAN with spaces
        (lambda p: _iban(0), 0),
        (lambda p: "CARLA.2@EXAMPLE.COM", 2),  # an e-mail address in capitals
        (lambda p: "bruno.1@", 1),  # the start of one
        (lambda p: "dario", 3),  # part of the payee's name
        (lambda p: "ints", 2),  # ...anywhere in it ("Carla Paints")
        (lambda p: str(p[1].pk), 1),  # a payout's number
        (lambda p: f"#{p[0].pk}", 0),
    ],
)
def test_search_finds_what_an_operator_types(client, payouts, typed, which):
    page, _ = _get(client, PAYOUTS + "?" + _q(typed(payouts)))
    assert _rows(page) == {payouts[which].pk}


def test_search_finds_nothing_for_what_matches_nothing(client, payouts):
    for term in ["nobody@example.com", "TJP000000000000000000000000", _iban(99), "zzzz", "an"]:
        page, _ = _get(client, PAYOUTS + "?" + _q(term))
        assert _rows(page) == set(), term
        assert "0 payouts" in page


def test_the_bank_accounts_are_searched_the_same_way(client, payouts):
    account = payouts[3].bank_account
    for term in [
        " ".join(re.findall(".{1,4}", _iban(3))).lower(),
        "DARIO.3@example.com",
        "dario.3@",
        "Runs",
        str(account.pk),
    ]:
        page, _ = _get(client, ACCOUNTS + "?" + _q(term))
        assert _rows(page) == {account.pk}, term
    assert "Spaces and case don&#x27;t matter" in page or "spaces and case don&#x27;t matter" in page


def _q(term: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"q": term})


# --- filters: the same rows as before -----------------------------------------------------------------


def test_the_filters_show_the_rows_the_database_holds(client, payouts, ops):
    services.payout_approve(payout_id=payouts[0].pk, actor=ops, now=LATER)
    services.payout_reject(payout_id=payouts[1].pk, actor=ops, reason="Looks like a mule.", now=LATER)
    for state in PayoutState.values:
        page, _ = _get(client, PAYOUTS + f"?state__exact={state}")
        assert _rows(page) == set(Payout.objects.filter(state=state).values_list("pk", flat=True)), state
    page, _ = _get(client, ACCOUNTS + "?country=DE")
    assert _rows(page) == {p.bank_account_id for p in payouts}
    page, _ = _get(client, ACCOUNTS + "?country=AT")
    assert _rows(page) == set()
    page, _ = _get(client, ACCOUNTS + "?sepa_eea__exact=0")
    assert _rows(page) == set()


def test_only_the_indexed_column_sorts_even_when_asked_by_hand(client, payouts):
    page, _queries = _get(client, PAYOUTS + "?o=5")  # the amount: no index, so not sorted by it
    listed = [int(v) for v in re.findall(r'name="_selected_action" value="(\d+)"', page)]
    assert listed == sorted((p.pk for p in payouts), reverse=True)
    page, _ = _get(client, PAYOUTS + "?o=1")  # the id, ascending
    assert [int(v) for v in re.findall(r'name="_selected_action" value="(\d+)"', page)] == sorted(
        p.pk for p in payouts
    )


# --- the actions still work on these lists ---------------------------------------------------------------


def test_approve_and_reject_from_the_list_still_work(client, payouts):
    response = client.post(
        PAYOUTS, {"action": "approve", "_selected_action": [payouts[0].pk, payouts[2].pk]}, follow=True
    )
    assert "Approved: 2 done." in response.content.decode()
    assert set(Payout.objects.filter(state=PayoutState.APPROVED).values_list("pk", flat=True)) == {
        payouts[0].pk,
        payouts[2].pk,
    }
    response = client.post(
        PAYOUTS,
        {"action": "reject", "_selected_action": [payouts[1].pk], "apply": "1", "reason": "Mule account."},
        follow=True,
    )
    assert Payout.objects.get(pk=payouts[1].pk).state == PayoutState.REJECTED


def test_end_hold_from_the_bank_accounts_list_still_works(client, make_payee):
    from django.utils import timezone

    from payouts.tests.conftest import add_bank_account

    user = make_payee("50.00", iban=_iban(40))
    account = add_bank_account(user, iban=_iban(41), holder="Ana Dances", now=timezone.now())
    assert account.payouts_hold_until > timezone.now()
    client.post(
        ACCOUNTS,
        {
            "action": "end_hold",
            "_selected_action": [account.pk],
            "apply": "1",
            "reason": "Confirmed by phone.",
        },
        follow=True,
    )
    account.refresh_from_db()
    assert account.hold_end_reason == "Confirmed by phone."


def test_a_payouts_page_reads_its_people_account_and_file_with_it_and_never_the_files_xml(
    client, payouts, ops
):
    services.payout_approve(payout_id=payouts[0].pk, actor=ops, now=LATER)
    services.batch_build(actor=ops, now=LATER)
    _get(client, f"/ops/payouts/payout/{payouts[0].pk}/change/")  # content types cached
    page, queries = _get(client, f"/ops/payouts/payout/{payouts[0].pk}/change/")
    assert payouts[0].end_to_end_id in page
    assert len(queries) == 3, (
        queries
    )  # the session with its person, the payout with what it names, its events
    assert not any('"xml"' in q for q in queries)
    _listed, queries = _get(client, PAYOUTS)
    assert not any('"xml"' in q for q in queries)
    _files, queries = _get(client, "/ops/payouts/bankfile/")
    assert not any('"raw"' in q for q in queries)
