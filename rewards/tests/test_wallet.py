"""The consumer's wallet (/wallet/ and /wallet/summary.json), from rewards the engine produced."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone, translation

from campaigns.models import ActionType
from merchants.services import consent_give
from rewards.models import Reward, RewardKind, RewardStatus
from rewards.selectors import availability_schedule, reward_reason_for_user
from rewards.services import action_record, reward_reverse, rewards_settle_due, snapshot_process
from rewards.tests.conftest import NOW, eur, login_rule, snapshot, tracked_post
from wallets.debts import debt_incur
from wallets.formats import money_text
from wallets.models import Purpose
from wallets.services import account_for

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page as a person reads it: tags dropped, whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", unescape(body))


def shown(value: str) -> str:
    """An amount as the page shows it (whitespace collapsed like ``_text``)."""
    return re.sub(r"\s+", " ", money_text(eur(value)))


@pytest.fixture
def ana_wallet(make_merchant, make_campaign, make_consumer, ops):
    """Ana has one reward in each state, all produced by the engine.

    - Bravo (3-day hold): her TikTok login, 0.40, confirmed after the hold -> available.
    - Acme (14-day hold): her login from a device Ben already earned on -> held for review;
      her share, 0.80, pending; the share's engagement, 0.88, reversed by ops.
    """
    acme = make_merchant("acme")
    bravo = make_merchant("bravo")
    acme_campaign = make_campaign(acme)
    make_campaign(bravo, hold_days=3)
    ana, ben = make_consumer("Ana"), make_consumer("Ben")

    action_record(user=ana, merchant=bravo, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    rewards_settle_due(now=NOW + timedelta(days=3, minutes=1))

    action_record(user=ben, merchant=acme, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="dev-1")
    action_record(user=ana, merchant=acme, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="dev-1")
    post = tracked_post(ana, acme_campaign)
    action_record(
        user=ana,
        merchant=acme,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=acme_campaign,
        now=NOW,
    )
    engagement = snapshot_process(snapshot_id=snapshot(post, views=4_000, likes=10).pk, now=NOW)
    reward_reverse(
        reward_id=engagement.pk,
        reason="Views bought from a click farm",
        actor=ops,
        now=NOW + timedelta(hours=2),
    )
    return ana


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/wallet/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/wallet/")


def test_the_summary_answers_401_json_to_anonymous_visitors(client):
    response = client.get("/wallet/summary.json")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "not_authenticated"


def test_a_new_consumer_sees_an_empty_wallet_that_says_how_to_earn(client, make_consumer):
    client.force_login(make_consumer("Nina"))

    page = _text(client.get("/wallet/"))

    assert "Nothing here yet" in page
    assert "No rewards yet." in page
    assert client.get("/wallet/summary.json").json() == {
        "balances": {},
        "counts": {"PENDING": 0, "CONFIRMED": 0, "REVERSED": 0, "HELD": 0},
        "next_availability": None,
        "history": [],
        "waiting": [],
    }


@pytest.mark.parametrize(
    ("language", "empty_text", "review_text"),
    [
        ("en", "Nothing here yet", "is under review (see below)"),
        ("it", "Ancora niente qui", "è in verifica (vedi sotto)"),
    ],
)
def test_a_person_with_only_a_held_reward_is_told_it_is_under_review_not_that_the_wallet_is_empty(
    client, make_merchant, make_campaign, make_consumer, language, empty_text, review_text
):
    acme = make_merchant("acme")
    make_campaign(acme)
    ben, eve = make_consumer("Ben"), make_consumer("Eve")
    action_record(user=ben, merchant=acme, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="dev-1")
    action_record(user=eve, merchant=acme, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="dev-1")
    assert Reward.objects.get(user=eve).status == RewardStatus.HELD
    client.force_login(eve)

    with translation.override(language):
        page = _text(client.get("/wallet/", HTTP_ACCEPT_LANGUAGE=language))
        amount = re.sub(r"\s+", " ", money_text(Reward.objects.get(user=eve).user_money, language=language))

    assert empty_text not in page
    assert f"{amount} {review_text}" in page


def test_a_person_whose_only_reward_was_reversed_under_review_is_not_told_the_wallet_is_empty(
    client, make_merchant, make_campaign, make_consumer, ops
):
    acme = make_merchant("acme")
    make_campaign(acme)
    ben, eve = make_consumer("Ben"), make_consumer("Eve")
    action_record(user=ben, merchant=acme, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="dev-1")
    action_record(user=eve, merchant=acme, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="dev-1")
    reward_reverse(reward_id=Reward.objects.get(user=eve).pk, reason="Same device", actor=ops, now=NOW)
    client.force_login(eve)

    page = _text(client.get("/wallet/"))

    assert "Nothing here yet" not in page
    assert "Nothing pending or available: see your history below." in page
    assert "reversed: Same device" in page


def test_the_wallet_shows_pending_and_available_balances_from_the_ledger(client, ana_wallet):
    client.force_login(ana_wallet)

    response = client.get("/wallet/")

    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-figure="pending-EUR">{money_text(eur("0.80"))}<' in body
    assert f'data-figure="available-EUR">{money_text(eur("0.40"))}<' in body


def test_the_history_lists_brand_action_amount_and_status_newest_first(client, ana_wallet):
    client.force_login(ana_wallet)

    page = _text(client.get("/wallet/"))
    history = page[page.index("History") :]

    lines = [
        f"Acme Engagement on your shared post {shown('0.88')} Reversed",
        f"Acme Share a video on TikTok {shown('0.80')} Pending until 6 Dec 2026",
        f"Acme Log in with TikTok {shown('0.40')} Under review",
        f"Bravo Log in with TikTok {shown('0.40')} Available",
    ]
    positions = [history.index(line) for line in lines]
    assert positions == sorted(positions)


def _day_label() -> str:
    """How the page names 6 Dec 2026 (the fixture's hold end): by date until it has come."""
    return "6 Dec 2026" if timezone.localdate() < date(2026, 12, 6) else "Being checked now"


def test_pending_rewards_are_grouped_by_the_day_they_become_available(client, ana_wallet):
    client.force_login(ana_wallet)

    page = _text(client.get("/wallet/"))

    assert f"What becomes available when {_day_label()} : {shown('0.80')} (1 reward)" in page


def test_a_day_that_has_come_reads_as_being_checked(ana_wallet):
    before = availability_schedule(user=ana_wallet, now=NOW)
    after = availability_schedule(user=ana_wallet, now=NOW + timedelta(days=14, hours=1))

    assert [(d.day_date, d.is_due, d.amounts, d.rewards) for d in before] == [
        (date(2026, 12, 6), False, [eur("0.80")], 1)
    ]
    assert [d.is_due for d in after] == [True]


def test_a_held_reward_is_explained_and_not_counted_as_pending(client, ana_wallet):
    client.force_login(ana_wallet)

    page = _text(client.get("/wallet/"))

    assert "Under review: we check unusual activity. You'll see the outcome here." in page
    assert f"Acme: Log in with TikTok · {shown('0.40')}" in page
    assert f"Under review in all: {shown('0.40')}. It is not in your pending balance" in page


def test_a_reversed_reward_shows_its_reason(client, ana_wallet):
    client.force_login(ana_wallet)

    page = _text(client.get("/wallet/"))

    assert (
        f"Acme: Engagement on your shared post · {shown('0.88')} reversed: Views bought from a click farm"
        in page
    )


def test_a_reward_the_engine_reversed_says_why_in_the_persons_language_in_both_lists(
    client, make_merchant, make_campaign, make_consumer
):
    from social.models import TrackedPost

    acme = make_merchant("acme")
    campaign = make_campaign(acme)
    ana = make_consumer("Ana")
    ana.language = "es"
    ana.save(update_fields=["language"])
    post = tracked_post(ana, campaign)
    action_record(
        user=ana,
        merchant=acme,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=NOW,
    )
    TrackedPost.objects.filter(pk=post.pk).update(
        status=TrackedPost.Status.GONE, gone_at=NOW + timedelta(days=3)
    )
    rewards_settle_due(now=NOW + timedelta(days=15))
    client.force_login(ana)

    page = _text(client.get("/wallet/"))

    spanish = "a publicación se eliminó o se hizo privada antes de que terminara el periodo de retención."
    reversed_section = page.split("Anuladas", 1)[1].split("Historial", 1)[0]
    assert f"anulada: l{spanish}" in reversed_section  # after the colon, in lower case
    assert f"L{spanish}" in page.split("Historial", 1)[1]  # a sentence of its own
    assert "deleted or made private" not in page


def test_the_engines_reason_is_shown_in_the_persons_language_an_operators_as_written():
    reward = Reward(
        status=RewardStatus.REVERSED,
        reason="The post was deleted or made private before the hold period ended.",
    )
    typed = Reward(status=RewardStatus.REVERSED, reason="Views bought from a click farm")

    with translation.override("it"):
        assert reward_reason_for_user(reward) == (
            "Il post è stato eliminato o reso privato prima della fine del periodo di attesa."
        )
        assert reward_reason_for_user(typed) == "Views bought from a click farm"


def test_the_wallet_shows_the_connected_accounts(client, make_consumer):
    from social.models import TikTokProfile

    chloe = make_consumer("Chloe")
    TikTokProfile.objects.create(  # as the sign-in stores it
        user=chloe,
        open_id="chloe-1",
        username="chloe.creates",
        display_name="Chloe",
        follower_count=48_200,
        is_creator=True,
    )
    client.force_login(chloe)

    page = _text(client.get("/wallet/"))

    assert "TikTok @chloe.creates Creator 48,200 followers" in page
    assert "WhatsApp No number" in page

    # Written as every other number of the page is (the language's CLDR grouping), not Django's
    # "48 200" beside "1.000" in Spanish.
    spanish = _text(client.get("/wallet/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "48.200 seguidores" in spanish
    french = client.get("/wallet/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "48\u202f200 abonnés" in french


def test_the_summary_gives_the_same_figures_as_the_page(client, ana_wallet):
    client.force_login(ana_wallet)

    summary = client.get("/wallet/summary.json").json()
    page = client.get("/wallet/").content.decode()

    assert summary["balances"] == {"EUR": {"pending": "0.80", "available": "0.40"}}
    assert f'data-figure="pending-EUR">{money_text(eur(summary["balances"]["EUR"]["pending"]))}<' in page
    assert f'data-figure="available-EUR">{money_text(eur(summary["balances"]["EUR"]["available"]))}<' in page
    assert summary["counts"] == {"PENDING": 1, "CONFIRMED": 1, "REVERSED": 1, "HELD": 1}
    assert summary["next_availability"] == {
        "date": "2026-12-06",
        "due": timezone.localdate() >= date(2026, 12, 6),
        "amounts": {"EUR": "0.80"},
        "rewards": 1,
    }
    assert [(i["brand"], i["action"], i["amount"], i["status"]) for i in summary["history"]] == [
        ("Acme", "Engagement on your shared post", "0.88", "REVERSED"),
        ("Acme", "Share a video on TikTok", "0.80", "PENDING"),
        ("Acme", "Log in with TikTok", "0.40", "HELD"),
        ("Bravo", "Log in with TikTok", "0.40", "CONFIRMED"),
    ]
    assert summary["history"][0]["reason"] == "Views bought from a click farm"
    assert summary["history"][2]["reason"].startswith("Under review")


def test_the_summary_lists_the_last_ten_history_items(client, make_merchant, make_campaign, make_consumer):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer("Ana")
    for _ in range(12):
        action_record(
            user=ana,
            merchant=merchant,
            action_type=ActionType.SHARE_VIDEO,
            tracked_post=tracked_post(ana, campaign),
            campaign=campaign,
            now=NOW,
        )
    client.force_login(ana)

    history = client.get("/wallet/summary.json").json()["history"]

    newest = Reward.objects.filter(kind=RewardKind.ACTION).order_by("-pk").values_list("pk", flat=True)[:10]
    assert [item["id"] for item in history] == list(newest)


def test_the_history_is_paginated_and_bad_page_numbers_do_no_harm(
    client, make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer("Ana")
    for _ in range(21):
        action_record(
            user=ana,
            merchant=merchant,
            action_type=ActionType.SHARE_VIDEO,
            tracked_post=tracked_post(ana, campaign),
            campaign=campaign,
            now=NOW,
        )
    client.force_login(ana)

    first = _text(client.get("/wallet/"))
    second = _text(client.get("/wallet/?page=2"))

    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second
    assert second.count("Share a video on TikTok") == 1
    for bad in ("0", "-1", "abc", "99999"):
        assert client.get(f"/wallet/?page={bad}").status_code == 200
    assert (
        client.get("/wallet/?page=%00").status_code == 400
    )  # NUL: refused with a message (docs/security.md)


def test_one_person_never_sees_another_persons_rewards(client, ana_wallet, make_consumer):
    client.force_login(make_consumer("Zoe"))

    page = _text(client.get("/wallet/"))
    summary = client.get("/wallet/summary.json").json()

    assert "Acme" not in page and "Bravo" not in page
    assert summary["history"] == [] and summary["balances"] == {}


def test_the_wallet_has_no_withdraw_button_and_stopping_data_sharing_is_a_link_away_from_money(
    client, make_merchant, make_consumer
):
    merchant = make_merchant("fizz")
    ana = make_consumer("Ana")
    consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(ana)

    text = client.get("/wallet/").content.decode()

    assert ">Withdraw<" not in text
    assert '<a href="/b/fizz/consent/withdraw/?next=/wallet/" data-testid="stop-sharing">' in text
    assert "Stop sharing my data with Fizz</a>" in text
    # The data section comes after every money section, with no form that acts at once.
    assert text.index("Brands you share data with") > text.index("Pay out to my bank")
    assert 'action="/b/fizz/consent/withdraw/"' not in text


def test_a_whatsapp_sign_in_rewards_wait_is_explained_without_a_post_or_tiktok(
    client, make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant()
    make_campaign(merchant, rules=[login_rule(action="WHATSAPP_LOGIN")])
    ben = make_consumer("Ben")
    ben.phone, ben.phone_verified, ben.language = "+34612345678", True, "es"
    ben.save(update_fields=["phone", "phone_verified", "language"])
    action_record(user=ben, merchant=merchant, action_type=ActionType.WHATSAPP_LOGIN, now=timezone.now())
    client.force_login(ben)

    page = _text(client.get("/wallet/"))

    assert "Ese día comprobamos que la recompensa sigue siendo válida" in page
    assert "publicación" not in page and "TikTok sigue conectada" not in page


def test_a_shared_posts_wait_is_explained_with_the_post_still_up(client, ana_wallet):
    client.force_login(ana_wallet)

    page = _text(client.get("/wallet/"))

    assert "On that day we check the conditions still hold (your post is still up" in page


BELOW_MINIMUM = "before you can ask for one"


def test_money_below_the_smallest_payout_is_yours_and_the_wallet_says_how_much_more_a_payout_needs(
    client, ana_wallet
):
    """Ana: 0.40 available and 0.80 pending, the smallest payout 10.00: the wallet said "then the
    money is yours to pay out", which ``payout_request`` refuses below the minimum."""
    client.force_login(ana_wallet)

    page = _text(client.get("/wallet/"))

    assert "yours to pay out" not in page
    assert (
        "On that day we check the conditions still hold (your post is still up, your account still "
        "connected); then the money is yours. If these rewards all stand, you will then have "
        f"{shown('1.20')} available; payouts to your bank start at {shown('10.00')}, so you need "
        f"{shown('8.80')} more before you can ask for one."
    ) in page


def test_money_reaching_the_smallest_payout_is_yours_to_pay_out_as_the_payout_rule_says(
    client, ana_wallet, settings
):
    """The minimum is the payout rule's own (``PAYOUTS_MIN_AMOUNT``): at it, the sentence says the money
    can be paid out, and a kept page is not served once the minimum changes."""
    client.force_login(ana_wallet)
    assert BELOW_MINIMUM in _text(client.get("/wallet/"))

    settings.PAYOUTS_MIN_AMOUNT = Decimal("1.20")  # 0.40 available + 0.80 pending
    page = _text(client.get("/wallet/"))

    assert "your account still connected); then the money is yours to pay out." in page
    assert BELOW_MINIMUM not in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "de",
            "dann gehört das Geld dir. Wenn alle diese Prämien gültig bleiben, hast du dann {total} "
            "verfügbar; Auszahlungen auf dein Bankkonto sind ab {minimum} möglich, du brauchst also "
            "noch {missing}, bevor du eine beantragen kannst.",
        ),
        (
            "fr",
            "l\u2019argent est alors à vous. Si ces récompenses sont toutes maintenues, vous disposerez alors "
            "de {total} ; les versements sur votre compte bancaire sont possibles à partir de "
            "{minimum}, il vous manquera donc encore {missing} pour en demander un.",
        ),
    ],
)
def test_the_amount_a_payout_still_needs_is_written_the_readers_way(client, ana_wallet, language, words):
    client.force_login(ana_wallet)

    page = _text(client.get("/wallet/", HTTP_ACCEPT_LANGUAGE=language))

    with translation.override(language):
        expected = words.format(total=shown("1.20"), minimum=shown("10.00"), missing=shown("8.80"))
    assert expected in page
    assert "8,80" in page and "8.80" not in page


def test_dollars_coming_are_yours_but_never_said_to_be_paid_out_to_a_bank(
    client, make_merchant, make_campaign, make_consumer
):
    """Payouts are euro only (``wallets.withdrawals``): dollars are the person's, not "to pay out"."""
    merchant = make_merchant("usd", currency="USD")
    make_campaign(merchant)
    ann = make_consumer("Ann")
    action_record(user=ann, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=timezone.now())
    client.force_login(ann)

    page = _text(client.get("/wallet/"))

    assert "$" in page
    assert (
        "On that day we check the conditions still hold (your TikTok account still connected); "
        "then the money is yours."
    ) in page
    assert "yours to pay out" not in page and BELOW_MINIMUM not in page
    assert "Only euro can be paid out to your bank (by SEPA transfer): $" in page


def _euro_and_dollars_coming(make_merchant, make_campaign, make_consumer):
    """Ann: a TikTok sign-in's reward coming from a brand in euro and one from a brand in dollars."""
    fizz = make_merchant("fizz")
    make_campaign(fizz)
    usd = make_merchant("usd", currency="USD")
    make_campaign(usd)
    ann = make_consumer("Ann")
    for merchant in (fizz, usd):
        action_record(user=ann, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=timezone.now())
    return ann


def test_euro_and_dollars_coming_only_the_euro_is_said_to_be_paid_out_to_a_bank(
    client, make_merchant, make_campaign, make_consumer, settings
):
    """The euro reaching the smallest payout made the whole sentence "then the money is yours to pay
    out", dollars and all; payouts are SEPA transfers in euro (``payout_request`` refuses dollars)."""
    ann = _euro_and_dollars_coming(make_merchant, make_campaign, make_consumer)
    settings.PAYOUTS_MIN_AMOUNT = Decimal("0.01")
    client.force_login(ann)

    page = _text(client.get("/wallet/"))

    euro, dollars = (
        money_text(reward.user_amount, reward.currency)
        for reward in Reward.objects.filter(user=ann).order_by("currency")
    )
    assert "yours to pay out" not in page
    assert (
        "On that day we check the conditions still hold (your TikTok account still connected); then the "
        f"money is yours. If these rewards all stand, you can then pay out {euro} to your bank. Only euro "
        f"can be paid out to your bank (by SEPA transfer): {dollars} can't be."
    ) in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Auf dein Bankkonto kann nur Euro ausgezahlt werden (per SEPA-Überweisung): {dollars} nicht."),
        (
            "fr",
            "Seuls les euros peuvent être versés sur votre compte bancaire (par virement SEPA) : {dollars} non.",
        ),
        ("it", "Sul tuo conto bancario si possono trasferire solo euro (con bonifico SEPA): {dollars} no."),
        (
            "es",
            "A tu cuenta bancaria solo se pueden transferir euros (por transferencia SEPA): {dollars} no.",
        ),
    ],
)
def test_dollars_that_cant_be_paid_out_are_said_so_in_the_readers_language(
    client, make_merchant, make_campaign, make_consumer, settings, language, words
):
    ann = _euro_and_dollars_coming(make_merchant, make_campaign, make_consumer)
    settings.PAYOUTS_MIN_AMOUNT = Decimal("0.01")
    client.force_login(ann)

    page = _text(client.get("/wallet/", HTTP_ACCEPT_LANGUAGE=language))

    with translation.override(language):
        dollars = re.sub(
            r"\s+", " ", money_text(Reward.objects.get(user=ann, currency="USD").user_amount, "USD")
        )
    assert words.format(dollars=dollars) in page
    assert "yours to pay out" not in page


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("it", "annullato: il post è stato eliminato o reso privato"),
        (
            "es",
            "anulada: la publicación se eliminó o se hizo privada antes de que terminara el periodo de retención.",
        ),
        ("fr", "annulée : la publication a été supprimée"),
        ("en", "reversed: The post was deleted or made private"),
    ],
)
def test_a_reversal_reason_after_the_colon_goes_on_in_lower_case_where_the_language_does(
    client, make_merchant, make_campaign, make_consumer, ops, language, line
):
    """It read "annullato: Il post…", "anulada: La publicación…" (#23)."""
    acme = make_merchant("acme")
    make_campaign(acme)
    eve = make_consumer("Eve")
    action_record(user=eve, merchant=acme, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    reward_reverse(
        reward_id=Reward.objects.get(user=eve).pk,
        reason="The post was deleted or made private before the hold period ended.",
        actor=ops,
        now=NOW,
    )
    client.force_login(eve)

    page = _text(client.get("/wallet/", HTTP_ACCEPT_LANGUAGE=language)).replace("\xa0", " ")

    assert line in page


@pytest.mark.parametrize(
    ("language", "login", "share"),
    [
        ("it", "Accesso con TikTok", "Condivisione di un video su TikTok"),
        ("de", "Anmeldung mit TikTok", "Teilen eines Videos auf TikTok"),
        ("fr", "Connexion avec TikTok", "Partage d\u2019une vidéo sur TikTok"),
        ("es", "Inicio de sesión con TikTok", "Vídeo compartido en TikTok"),
    ],
)
def test_the_history_names_each_action_with_a_noun_not_an_order(client, ana_wallet, language, login, share):
    """#23 pass 12: the history said "Acme Condividi un video su TikTok", an order to the reader, where
    it names what was done; the buttons that ask for it stay imperative."""
    client.force_login(ana_wallet)

    page = _text(client.get("/wallet/", HTTP_ACCEPT_LANGUAGE=language))

    assert f"Acme {share} " in page and f"Acme {login} " in page and f"Bravo {login} " in page
    for order in (
        "Accedi con TikTok",
        "Condividi un video",
        "Mit TikTok anmelden",
        "Se connecter avec",
        "Iniciar sesión con",
    ):
        assert order not in page


@pytest.mark.parametrize("minimum", ["1.20", "10.00"])  # reached by 0.40 available + 0.80 coming, or not
def test_a_person_who_owes_is_told_payouts_wait_not_that_the_money_coming_can_be_paid_out(
    client, ana_wallet, settings, make_merchant, minimum
):
    """Review finding: a debt stops every payout (``payout_request``), and what becomes available
    repays it first; the schedule said "yours to pay out", or "you will then have €1.20 available ...
    you need €8.80 more", to a person owing €50.00."""
    settings.PAYOUTS_MIN_AMOUNT = Decimal(minimum)
    brand = account_for(owner=make_merchant("lender"), purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
    debt_incur(
        owner=ana_wallet,
        creditor=brand,
        amount=eur("50.00"),
        reason="adjusted",
        idempotency_key="t:d",
        now=NOW,
    )
    client.force_login(ana_wallet)

    page = _text(client.get("/wallet/"))

    assert (
        f"While you owe {shown('50.00')}, what becomes available repays it first, and payouts to your bank "
        "wait until it is repaid." in page
    )
    assert "yours to pay out" not in page and "you will then have" not in page
