"""A merchant leaving: closing refunds exactly its balance through the payouts pipeline, refused
while money still moves, and one of a closing and a reward being paid wins cleanly."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import close_old_connections
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext
from lxml import etree
from moneyed import Money

from billing.models import Statement
from campaigns.models import ActionType, CampaignStatus
from campaigns.services import CampaignError, NotAllowed, campaign_activate, campaign_texts_save
from merchants.models import ConsentField, Merchant
from merchants.services import MerchantError, consent_give
from merchants.wallet import merchant_top_up_record
from payouts import sandbox_bank
from payouts import services as payouts
from payouts.models import MERCHANT_PAYEE, Payout, PayoutState
from privacy.models import MerchantClosure
from privacy.selectors import merchant_closure_plan_get
from privacy.services import (
    ClosureRefused,
    merchant_close,
    merchant_closures_finish,
    merchant_refund_request,
    merchant_rewards_reverse,
)
from promote.services import coins_buy_from_wallet, coupon_issue
from rewards.models import Reward, RewardStatus
from rewards.services import action_record, rewards_settle_due, snapshot_process
from rewards.tests.conftest import share, snapshot
from tikjoy.tests.factories import NOW, ConsumerFactory, UserFactory, login_rule, owner_of
from wallets.formats import money_text
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, balance

LATER = NOW + timedelta(days=1)
IBAN = "DE89370400440532013000"


def eur(value) -> Money:
    return Money(Decimal(str(value)), "EUR")


def funds(merchant) -> Money:
    return balance(account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR"))


def clean_books() -> None:
    call_command("ledger_check")
    call_command("rewards_check")


def refund_bank(merchant, *, holder: str | None = None, iban: str = IBAN, now=NOW - timedelta(days=3)):
    """The merchant's bank details for its refund, entered by its owner and past their hold at NOW."""
    details = payouts.bank_details_clean(
        holder_name=holder or merchant.legal_name,
        street="Hauptstrasse",
        building_number="1",
        postcode="10115",
        town="Berlin",
        country="DE",
        iban=iban,
    )
    return payouts.bank_account_replace(user=owner_of(merchant), details=details, now=now, owner=merchant)


def close(merchant, *, now=NOW) -> MerchantClosure:
    plan = merchant_closure_plan_get(merchant=merchant, now=now)
    assert plan.refusals == []
    return merchant_close(merchant=merchant, actor=owner_of(merchant), confirmed=plan.fingerprint, now=now)


@pytest.fixture
def staff(db):
    return (
        UserFactory(email="ops-a@tikjoy.example", is_staff=True),
        UserFactory(email="ops-b@tikjoy.example", is_staff=True),
    )


@pytest.fixture
def shop(make_merchant, make_campaign, staff):
    """A merchant funded with 100.00 whose login reward was earned twenty days ago and confirmed."""
    merchant = make_merchant("alpha", funds="100.00", ops=staff[0])
    make_campaign(merchant, rules=[login_rule(amount=Decimal("5.00"))], now=NOW - timedelta(days=20))
    person = ConsumerFactory(display_name="Paid Person")
    action_record(
        user=person, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW - timedelta(days=20)
    )
    rewards_settle_due(now=NOW)
    assert Reward.objects.get(merchant=merchant).status == RewardStatus.CONFIRMED
    return merchant


@pytest.mark.django_db
def test_closing_refunds_exactly_the_balance_through_the_payouts_pipeline(shop, staff):
    refund_bank(shop)
    left = funds(shop)
    assert eur("0") < left < eur("100.00")
    plan = merchant_closure_plan_get(merchant=shop, now=NOW)
    assert plan.refund == left and plan.refund_to == "DE89 •••• 3000"
    assert plan.campaigns_to_end == ["Spring JoyBack"]

    closure = close(shop)

    shop.refresh_from_db()
    assert shop.closed_at == NOW and closure.campaigns_ended == 1
    assert shop.campaigns.get().status == CampaignStatus.ENDED
    refund = closure.refund
    assert (refund.owner_type, refund.owner_id, refund.money, refund.state) == (
        MERCHANT_PAYEE,
        shop.pk,
        left,
        PayoutState.REQUESTED,
    )
    assert funds(shop) == eur("0.00")
    clean_books()

    # Four eyes in ops, a pain.001 with the merchant's name, the bank pays it.
    payouts.payout_approve(payout_id=refund.pk, actor=staff[0], now=LATER)
    batch = payouts.batch_build(actor=staff[0], now=LATER)
    batch = payouts.batch_release(batch_id=batch.pk, actor=staff[1], now=LATER)
    names = etree.fromstring(bytes(batch.xml)).xpath("//*[local-name()='Cdtr']/*[local-name()='Nm']/text()")
    assert names == ["Alpha GmbH"]
    bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
    bank_before = balance(bank)
    answer = sandbox_bank.BankAnswer()
    for build in (sandbox_bank.pain002_answer, sandbox_bank.camt054_answer):
        raw = build(batch=batch, payouts=[refund], answer=answer, now=LATER)
        payouts.bank_file_import(raw=raw, name="bank.xml", actor=None, now=LATER)
    refund.refresh_from_db()
    assert refund.state == PayoutState.PAID
    assert balance(bank) == bank_before + left  # exactly the balance left the platform's bank account
    assert funds(shop) == eur("0.00")
    clean_books()

    # The final statement: once the month the money last moved in is over.
    assert merchant_closures_finish(now=LATER) == 0
    assert merchant_closures_finish(now=NOW + timedelta(days=10)) == 1
    closure.refresh_from_db()
    statement = closure.final_statement
    assert (statement.month.month, statement.closing_balance) == (11, Decimal("0.00"))
    refund_lines = [
        line
        for section in statement.sections
        for line in section["lines"]
        if line["label"] == "Refund of the balance to your bank account"
    ]
    assert [line["amount"] for line in refund_lines] == [f"{-left.amount:.2f}"]
    assert merchant_closures_finish(now=NOW + timedelta(days=11)) == 0
    assert Statement.objects.filter(merchant=shop).count() == 1


@pytest.mark.django_db
def test_a_plan_read_in_one_language_is_confirmed_in_another(shop):
    """The owner reads the plan in German and confirms after switching to Italian: same money, same plan."""
    refund_bank(shop)
    with translation.override("de"):
        plan = merchant_closure_plan_get(merchant=shop, now=NOW)
        assert plan.refusals == [] and plan.refund == funds(shop)
        confirmed = plan.fingerprint  # what the German page posts back
    with translation.override("it"):
        closure = merchant_close(merchant=shop, actor=owner_of(shop), confirmed=confirmed, now=NOW)
    assert closure.refund.money == plan.refund
    clean_books()


@pytest.mark.django_db
def test_a_closed_merchant_cant_be_funded_or_go_live(shop, staff, make_campaign):
    refund_bank(shop)
    draft = make_campaign(shop, activate=False, name="Winter")
    close(shop)
    with pytest.raises(MerchantError, match="closed"):
        merchant_top_up_record(
            merchant=shop,
            amount=eur("50.00"),
            bank_reference="LATE-1",
            value_date=NOW.date(),
            actor=staff[0],
            now=LATER,
        )
    with pytest.raises((NotAllowed, CampaignError), match="closed"):
        campaign_activate(campaign=draft, actor=owner_of(shop), now=LATER)
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.ENDED


@pytest.mark.django_db
def test_closing_is_refused_while_money_moves_and_says_why(make_merchant, make_campaign, staff, settings):
    settings.MERCHANT_TOP_UP_CONFIRM_ABOVE = "1000.00"
    shop = make_merchant("beta", funds="100.00", ops=staff[0])
    make_campaign(shop, rules=[login_rule(amount=Decimal("5.00"))], now=NOW)
    person = ConsumerFactory(display_name="Pending Person")
    action_record(user=person, merchant=shop, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    merchant_top_up_record(
        merchant=shop,
        amount=eur("5000.00"),
        bank_reference="BIG-1",
        value_date=NOW.date(),
        actor=staff[0],
        now=NOW,
    )  # above the second-check limit: waits for a second staff member

    plan = merchant_closure_plan_get(merchant=shop, now=NOW)
    text = " ".join(plan.refusals)
    assert "1 reward is still pending or held" in text
    assert "top-up of €5,000.00 (reference BIG-1) waits for our second check" in text
    assert "enter the bank account the refund goes to first" in text
    with pytest.raises(ClosureRefused, match="pending"):
        merchant_close(merchant=shop, actor=owner_of(shop), confirmed=plan.fingerprint, now=NOW)
    shop.refresh_from_db()
    assert shop.closed_at is None

    # The owner reverses the pending reward with a reason; the person sees it.
    done = merchant_rewards_reverse(merchant=shop, actor=owner_of(shop), reason="We are closing", now=NOW)
    assert len(done.rewards) == 1
    reward = Reward.objects.get(merchant=shop)
    assert (reward.status, reward.reason) == (RewardStatus.REVERSED, "We are closing")
    assert funds(shop) == eur("100.00")
    clean_books()


@pytest.mark.django_db
def test_reversing_before_closing_counts_a_shares_engagement_rewards_and_says_the_sum_in_spanish(
    make_merchant, make_campaign, staff, client, capsys
):
    shop = make_merchant("gamma", funds="100.00", ops=staff[0])
    campaign = make_campaign(shop, now=NOW)  # a login reward and a share with engagement rates
    post = share(ConsumerFactory(display_name="Sharing Person"), shop, campaign)
    snapshot_process(snapshot_id=snapshot(post, views=4_000).pk, now=NOW)
    snapshot_process(snapshot_id=snapshot(post, views=9_000, likes=30).pk, now=NOW)
    action_record(user=ConsumerFactory(), merchant=shop, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    assert Reward.objects.filter(merchant=shop, status=RewardStatus.PENDING).count() == 4
    before = funds(shop)
    client.force_login(owner_of(shop))

    page = client.post(
        reverse("console:close"),
        {"action": "reverse", "reason": "Test", "console_merchant": shop.pk},
        HTTP_ACCEPT_LANGUAGE="es",
        follow=True,
    )

    returned = funds(shop) - before
    assert returned > eur("0")
    with translation.override("es"):
        amount = money_text(returned)
    said = [str(m) for m in page.context["messages"]]
    assert said == [f"4 recompensas anuladas: {amount} de vuelta en el monedero."]
    assert not Reward.objects.filter(merchant=shop).exclude(status=RewardStatus.REVERSED).exists()
    clean_books()
    assert "All reward invariants hold." in capsys.readouterr().out


@pytest.mark.django_db
def test_refunding_again_is_refused_while_a_refund_is_in_flight_and_works_after_a_return(shop, staff):
    refund_bank(shop)
    left = funds(shop)
    closure = close(shop)
    payouts.payout_approve(payout_id=closure.refund.pk, actor=staff[0], now=LATER)
    batch = payouts.batch_build(actor=staff[0], now=LATER)
    payouts.batch_release(batch_id=batch.pk, actor=staff[1], now=LATER)
    with pytest.raises(ClosureRefused, match="is sent to the bank: wait until the bank has paid it"):
        merchant_refund_request(merchant=shop, actor=owner_of(shop), now=LATER)

    # The merchant's bank sends it back (account closed): the money is on the wallet again.
    answer = sandbox_bank.BankAnswer(give_back={closure.refund.end_to_end_id: "AC04"})
    raw = sandbox_bank.camt054_answer(batch=batch, payouts=[closure.refund], answer=answer, now=LATER)
    payouts.bank_file_import(raw=raw, name="camt.xml", actor=None, now=LATER)
    closure.refund.refresh_from_db()
    assert closure.refund.state == PayoutState.RETURNED
    assert funds(shop) == left
    clean_books()
    # Blocked details: refused with the reason; new details after their hold: refunded again.
    with pytest.raises(ClosureRefused, match="refused the bank details"):
        merchant_refund_request(merchant=shop, actor=owner_of(shop), now=LATER)
    refund_bank(shop, iban="DE02120300000000202051", now=LATER)
    with pytest.raises(ClosureRefused, match="safety hold"):
        merchant_refund_request(merchant=shop, actor=owner_of(shop), now=LATER)
    again = merchant_refund_request(merchant=shop, actor=owner_of(shop), now=LATER + timedelta(hours=49))
    assert (again.money, again.state, again.bank_account.iban) == (
        left,
        PayoutState.REQUESTED,
        "DE02120300000000202051",
    )
    assert funds(shop) == eur("0.00")
    clean_books()


@pytest.mark.django_db
def test_ops_see_a_holder_name_that_is_not_the_merchants(shop):
    refund_bank(shop, holder="Someone Else")
    closure = close(shop)
    assert payouts.payout_risk_signals(closure.refund) == [
        "holder 'Someone Else' is not the merchant's legal name 'Alpha GmbH'"
    ]


@pytest.mark.django_db
def test_only_an_owner_closes(shop, add_member):
    manager = add_member(shop, "manager@alpha.example")
    plan = merchant_closure_plan_get(merchant=shop, now=NOW)
    with pytest.raises(ClosureRefused, match="Only an owner"):
        merchant_close(merchant=shop, actor=manager, confirmed=plan.fingerprint, now=NOW)


@pytest.mark.django_db
def test_the_console_of_a_closed_merchant_is_read_only(shop, client):
    refund_bank(shop)
    owner = owner_of(shop)
    client.force_login(owner)
    page = client.get(reverse("console:close"))
    assert page.status_code == 200
    assert "Close the merchant" in page.content.decode()
    plan = merchant_closure_plan_get(merchant=shop, now=NOW)
    response = client.post(
        reverse("console:close"),
        {"action": "close", "confirmed": plan.fingerprint, "understood": "on", "console_merchant": shop.pk},
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.closed_at is not None
    text = client.get(reverse("console:close")).content.decode()
    assert "closed on" in text and "Requested" in text
    assert client.get(reverse("console:wallet")).status_code == 200
    assert client.get(reverse("console:billing_statement_changelist")).status_code == 200
    campaign = shop.campaigns.get()
    change = reverse("console:campaigns_campaign_change", args=[campaign.pk])
    assert "Save" not in client.get(change).content.decode()
    assert client.get(reverse("console:campaigns_campaign_add")).status_code == 403
    assert client.get(reverse("console:add_funds")).status_code == 403
    index = client.get(reverse("console:index")).content.decode()
    assert "nothing can be changed" in index


# --- concurrency --------------------------------------------------------------------------------


def _race(shop, person, fingerprint: str) -> list[Exception]:
    """A login reward being paid and the owner closing, released at the same moment."""
    barrier = threading.Barrier(2, timeout=60)
    errors: list[Exception] = []

    def pay():
        try:
            barrier.wait()
            action_record(user=person, merchant=shop, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
        except Exception as exc:  # reported by the test
            errors.append(exc)
        finally:
            close_old_connections()

    def leave():
        try:
            barrier.wait()
            merchant_close(merchant=shop, actor=owner_of(shop), confirmed=fingerprint, now=NOW)
        except ClosureRefused as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=pay), threading.Thread(target=leave)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_closing_while_a_reward_is_being_paid_one_of_them_wins_cleanly(make_merchant, make_campaign):
    ops = UserFactory(email="ops-c@tikjoy.example", is_staff=True)
    outcomes = []
    for round_ in range(4):
        shop = make_merchant(f"race{round_}", funds="100.00", ops=ops)
        make_campaign(shop, rules=[login_rule(amount=Decimal("5.00"))], now=NOW)
        refund_bank(shop)
        person = ConsumerFactory(display_name=f"Racer {round_}")
        plan = merchant_closure_plan_get(merchant=shop, now=NOW)
        errors = _race(shop, person, plan.fingerprint)
        shop = Merchant.objects.get(pk=shop.pk)
        rewards = list(Reward.objects.filter(merchant=shop))
        if shop.closed_at is not None:  # the closing won: nothing was paid after it, all was refunded
            assert rewards == [] and not errors
            assert funds(shop) == eur("0.00")
            assert Payout.objects.get(owner_type=MERCHANT_PAYEE, owner_id=shop.pk).money == eur("100.00")
            outcomes.append("closed")
        else:  # the reward won: it is pending, the closing was refused with the reason
            assert [r.status for r in rewards] == [RewardStatus.PENDING]
            assert len(errors) == 1 and "pending" in str(errors[0]), errors
            assert not Payout.objects.filter(owner_type=MERCHANT_PAYEE, owner_id=shop.pk).exists()
            outcomes.append("paid")
        clean_books()
    assert set(outcomes) <= {"closed", "paid"}


@pytest.mark.django_db
def test_the_closing_e_mail_is_in_the_merchants_language_and_time_zone(
    shop, mailoutbox, django_capture_on_commit_callbacks
):
    shop.language, shop.time_zone = "it", "Europe/Rome"
    shop.save(update_fields=["language", "time_zone"])
    refund_bank(shop)
    left = funds(shop)

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):  # an English console
        close(shop)

    (sent,) = [m for m in mailoutbox if "Alpha" in m.subject]
    with translation.override("it"):
        assert sent.subject == gettext("[TikJoy] %(brand)s is closed") % {"brand": "Alpha"}
    assert sent.subject != "[TikJoy] Alpha is closed"
    assert money_text(left, language="it") in sent.body
    with translation.override("it"):
        when = formats.date_format(NOW.astimezone(ZoneInfo("Europe/Rome")), "DATETIME_FORMAT")
    assert f"{when} Roma (Ora dell\u2019Europa centrale)" in sent.body  # the zone named, as every e-mail does
    assert "was closed" not in sent.body and "campaign" not in sent.body


def test_the_closed_page_gives_the_closing_time_in_the_merchants_zone(shop, client):
    shop.time_zone = "America/New_York"
    shop.save(update_fields=["time_zone"])
    refund_bank(shop)
    closure = close(shop)
    client.force_login(owner_of(shop))

    text = client.get(reverse("console:close")).content.decode().replace("\xa0", " ")

    closed = re.search(r"<p data-closed>([^<]*)</p>", text).group(1)
    with translation.override("en"):
        when = formats.date_format(
            closure.closed_at.astimezone(ZoneInfo("America/New_York")), "SHORT_DATETIME_FORMAT"
        )
    # The owner's own zone is not known yet (none saved, no browser cookie): the page names the one it uses.
    assert closed.startswith(f"Alpha closed on {when} New York (Eastern Time) by owner@alpha.example;")
    assert "UTC" not in closed


def test_the_close_page_writes_the_refund_the_german_and_french_way(shop, client):
    refund_bank(shop)
    client.force_login(owner_of(shop))

    german = client.get(reverse("console:close"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    french = client.get(reverse("console:close"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    # 100.00 funded, 5.00 paid for the login reward: 95.00 is refunded.
    assert "<strong>95,00\xa0€</strong>" in german and "95.00" not in german
    assert "<strong>95,00\xa0€</strong>" in french and "95.00" not in french


@pytest.mark.django_db
def test_the_close_page_names_the_campaigns_in_the_readers_language_and_the_plan_stays_the_same(shop, client):
    refund_bank(shop)
    spring = shop.campaigns.get()
    campaign_texts_save(campaign=spring, actor=owner_of(shop), texts={"fr": "Cashback de printemps"})
    client.force_login(owner_of(shop))

    french = client.get(reverse("console:close"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get(reverse("console:close"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Ses campagnes se terminent\xa0: Cashback de printemps." in french
    assert "Spring JoyBack" not in french
    assert "Its campaigns end: Spring JoyBack." in english
    with translation.override("fr"):
        read_in_french = merchant_closure_plan_get(merchant=shop, now=NOW)
    with translation.override("en"):
        assert merchant_closure_plan_get(merchant=shop, now=NOW).fingerprint == read_in_french.fingerprint


def _coins_with_a_coupon(shop, *, valid_for: timedelta):
    """The shop (with its refund bank account) buys 2,000 coins for 19.80 and sets 1,950 aside for a
    consumer's coupon valid for ``valid_for``; returns its owner."""
    refund_bank(shop)
    owner = owner_of(shop)
    coins_buy_from_wallet(holder=shop, coins_count=2000, currency="EUR", actor=owner, now=NOW)
    fan = ConsumerFactory(display_name="Coupon Fan")
    consent_give(user=fan, merchant=shop, fields=[ConsentField.DISPLAY_NAME], now=NOW)
    coupon_issue(
        code="JOY-THANKS",
        coins_count=1950,
        valid_from=NOW - timedelta(hours=1),
        valid_until=NOW + valid_for,
        user=fan,
        merchant=shop,
        actor=owner,
        now=NOW,
    )
    return owner


@pytest.mark.django_db
def test_the_close_page_refunds_only_the_free_coins_and_says_what_becomes_of_a_coupons_coins(shop, client):
    """2,000 coins bought for 19.80, 1,950 of them set aside for a consumer's coupon: the 50 free
    coins give back their share (0.49, not the 19.80 of all the coins), and closing refunds just that."""
    owner = _coins_with_a_coupon(shop, valid_for=timedelta(days=30))
    client.force_login(owner)

    german = client.get(reverse("console:close"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    # 95.00 after the reward, 75.20 after the coins; the 50 free coins are worth 19.80 * 50 / 2000.
    assert "Zuerst werden die 50 freien Promote-Coins in 0,49\xa0€ Guthaben zurückgetauscht" in german
    assert "<strong>75,69\xa0€</strong>" in german and "19,80" not in german and "19.80" not in german
    assert "1.950 Promote-Coins sind für einen Gutschein reserviert" in german
    closure = close(shop)
    assert closure.refund.money == eur("75.69") and closure.coins_withdrawn == 50
    clean_books()


@pytest.mark.django_db
def test_coins_a_coupon_leaves_unused_after_the_closing_are_refunded_not_stranded(shop, staff, client):
    """A coupon given before the closing ends unused after it: its 1,950 coins come back to the closed
    merchant. The closing page says what they are worth, and "Refund it" turns them into money by
    the withdrawal's rule (the last coins take all their funds: 19.80 less the 0.49 the 50 free coins
    gave back at the closing) and refunds that: nothing is left behind."""
    from promote.selectors import coin_holdings_get
    from promote.services import coupons_expire

    owner = _coins_with_a_coupon(shop, valid_for=timedelta(days=2))
    closure = close(shop)
    payouts.payout_approve(payout_id=closure.refund.pk, actor=staff[0], now=LATER)
    batch = payouts.batch_build(actor=staff[0], now=LATER)
    batch = payouts.batch_release(batch_id=batch.pk, actor=staff[1], now=LATER)
    for build in (sandbox_bank.pain002_answer, sandbox_bank.camt054_answer):
        raw = build(batch=batch, payouts=[closure.refund], answer=sandbox_bank.BankAnswer(), now=LATER)
        payouts.bank_file_import(raw=raw, name="bank.xml", actor=None, now=LATER)
    assert funds(shop) == eur("0.00")

    assert coupons_expire(now=NOW + timedelta(days=3)) == 1
    assert coin_holdings_get(holder=shop).free == 1950
    client.force_login(owner)
    page = client.get(reverse("console:close")).content.decode().replace("\xa0", " ")
    assert (
        "1,950 Promote coins came back from coupons that ended unused. They are worth €19.31: asking for "
        "the refund turns them into money and refunds them with the rest." in page
    )
    assert 'value="Refund it"' in page and "Left on the wallet: €0.00" in page

    response = client.post(reverse("console:close"), {"action": "refund"}, follow=True)
    assert "The refund of €19.31 is asked for again." in response.content.decode().replace("\xa0", " ")
    again = Payout.objects.filter(owner_id=shop.pk, owner_type=MERCHANT_PAYEE).latest("pk")
    assert (again.money, again.state) == (eur("19.31"), PayoutState.REQUESTED)
    assert coin_holdings_get(holder=shop).free == 0 and funds(shop) == eur("0.00")
    page = client.get(reverse("console:close")).content.decode()
    assert "came back from coupon" not in page and 'value="Refund it"' not in page
    clean_books()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "neutral", "informal"),
    [("it", "Come risulta alla banca.", "tua banca"), ("es", "Tal como figura en el banco.", "tu banco")],
)
def test_the_refund_bank_form_speaks_to_a_merchant_without_tu(shop, client, language, neutral, informal):
    """The bank details form is shared with consumers (tu) and merchants (Lei / usted): its holder's help
    says neither (tester, #23)."""
    client.force_login(owner_of(shop))
    page = client.get(reverse("console:refund_bank"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert neutral in page and informal not in page
