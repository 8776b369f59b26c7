"""The merchant console's reward pages and dashboard figures, from rewards the engine produced."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from accounts.models import User
from campaigns.models import ActionType
from merchants.models import Membership
from merchants.roles import Role
from merchants.selectors import person_seen_by_merchant, wallet_balance
from merchants.services import consent_give, consent_withdraw
from rewards.models import Reward, RewardKind
from rewards.selectors import merchant_reward_figures
from rewards.services import action_record, reward_settle
from rewards.tests.conftest import NOW, eur, owner_of
from social.models import TrackedPost
from tikjoy.tests.factories import response_text
from wallets.formats import money_text

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    body = re.sub(r"<[^>]+>", " ", response_text(response))
    return re.sub(r"\s+", " ", unescape(body))


def test_the_dashboard_figures_come_from_what_the_engine_paid(acme_month):
    figures = merchant_reward_figures(merchant=acme_month, now=NOW + timedelta(hours=8))

    # 0.50 + 1.00 (Ana) + 1.10 + 5.05 (her post) + 1.00 (Ben) + 1.00 (Cleo's share); Ben's 0.50 reversed
    assert figures["rewards_paid_this_month"] == eur("9.65")
    assert figures["new_consumers_this_month"] == 2  # Ana and Ben; Cleo first came in October
    assert figures["active_campaigns"] == 1
    assert (
        figures["post_views"],
        figures["post_likes"],
        figures["post_comments"],
        figures["post_shares"],
    ) == (
        12_000,
        300,
        20,
        5,
    )
    # shares 3 x 1.00 + Ana's engagement 6.15 = 9.15 for 12,000 views -> 0.7625 per 1,000
    assert figures["cost_per_1000_views"] == eur("0.76")
    assert wallet_balance(merchant=acme_month) == eur(Decimal("100.00") - Decimal("9.65") - Decimal("0.50"))


def test_the_dashboard_shows_the_figures(client, acme_month):
    client.force_login(owner_of(acme_month))
    # The console reads the clock itself: the month-bound figures are the selector's for today
    # (the test above pins them for November 2026); the others do not depend on the date.
    this_month = merchant_reward_figures(merchant=acme_month, now=timezone.now())

    body = client.get("/console/").content.decode()

    # In the reader's language (English here: 12,000 views, €0.76; a German reader sees 12.000 and 0,76 €).
    rewards_paid = money_text(this_month["rewards_paid_this_month"], language="en")
    assert f'<dd data-figure="rewards">{rewards_paid}</dd>' in body
    assert f'<dd data-figure="consumers">{this_month["new_consumers_this_month"]}</dd>' in body
    assert '<dd data-figure="campaigns">1</dd>' in body
    assert '<dd data-figure="views">12,000</dd>' in body
    assert '<dd data-figure="likes">300</dd>' in body
    assert '<dd data-figure="comments">20</dd>' in body
    assert '<dd data-figure="shares">5</dd>' in body
    assert '<dd data-figure="cpm">€0.76</dd>' in body


def test_a_merchant_without_posts_has_no_cost_per_1000_views(client, make_merchant):
    merchant = make_merchant("quiet")
    client.force_login(owner_of(merchant))

    body = client.get("/console/").content.decode()

    assert '<dd data-figure="views">0</dd>' in body
    assert '<dd data-figure="cpm">no views yet</dd>' in body


def _share_names(merchant, *names):
    for name in names:
        consent_give(
            user=User.objects.get(display_name=name),
            merchant=merchant,
            fields=["DISPLAY_NAME"],
            now=timezone.now(),
        )


def _label(merchant, name: str) -> str:
    return person_seen_by_merchant(user=User.objects.get(display_name=name), merchant=merchant).label


def test_the_rewards_list_shows_the_name_a_person_shared_else_a_neutral_label(client, acme_month):
    _share_names(acme_month, "Ana")
    client.force_login(owner_of(acme_month))

    page = _text(client.get("/console/rewards/reward/"))

    assert "8 rewards" in page
    assert "Ana Spring JoyBack Log in with TikTok For the action Pending €0.50 €0.40 " in page
    assert (
        f"{_label(acme_month, 'Ben')} Spring JoyBack Share a video on TikTok For the post's engagement "
        "Reversed €0.50 €0.40 "
    ) in page
    assert "Ben" not in page  # Ben did not agree to share his name with Acme


def test_the_rewards_list_filters_by_status_action_and_campaign(client, acme_month):
    _share_names(acme_month, "Ana", "Ben", "Cleo")
    client.force_login(owner_of(acme_month))
    campaign_id = Reward.objects.first().campaign_id

    reversed_only = _text(client.get("/console/rewards/reward/?status__exact=REVERSED"))
    logins = _text(client.get("/console/rewards/reward/?action_type__exact=TIKTOK_LOGIN"))
    by_campaign = _text(client.get(f"/console/rewards/reward/?campaign__id__exact={campaign_id}"))

    assert "1 reward " in reversed_only and "Ben" in reversed_only
    assert "2 rewards" in logins and "Cleo" in logins and "Ana" in logins
    assert "8 rewards" in by_campaign


def test_bad_filter_values_never_give_a_500(client, acme_month):
    client.force_login(owner_of(acme_month))

    for query in ("?campaign__id__exact=abc", "?status__exact=NOPE", "?o=99", "?p=-3"):
        assert client.get("/console/rewards/reward/" + query).status_code in (200, 302)
    assert client.get("/console/rewards/reward/?q=%00").status_code == 400  # NUL: refused with a message


def test_the_detail_page_spells_out_how_the_amount_was_computed(client, acme_month):
    client.force_login(owner_of(acme_month))
    reward = Reward.objects.get(kind=RewardKind.ENGAGEMENT, merchant_price=Decimal("5.05"))

    page = _text(client.get(f"/console/rewards/reward/{reward.pk}/change/"))

    assert "Counts measured · Views 10,000" in page
    assert "Counts measured · Likes 300" in page
    assert "Rates · Per 1,000 views €0.25" in page
    assert "Rates · Per like €0.01" in page
    assert page.index("Reward rule") < page.index("Counts measured") < page.index("The post earns")
    assert "The post earns in all €6.15" in page
    assert "Earned before €1.10" in page
    assert "Consumer new to the brand" in page
    assert 'name="_save"' not in client.get(f"/console/rewards/reward/{reward.pk}/change/").content.decode()


def test_the_detail_pages_title_and_breadcrumbs_name_the_reward_in_the_readers_words(client, acme_month):
    client.force_login(owner_of(acme_month))
    reward = Reward.objects.filter(
        kind=RewardKind.ACTION, status="PENDING", user_amount=Decimal("0.40")
    ).first()
    url = f"/console/rewards/reward/{reward.pk}/change/"

    english = response_text(client.get(url))
    german = response_text(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))

    # The page's title and its breadcrumbs' last step.
    assert english.count(f"For the action reward #{reward.pk}: €0.40 (Pending)") >= 2
    assert german.count(f"Prämie #{reward.pk} (Für die Aktion): 0,40\xa0€ (Ausstehend)") >= 2
    for text in (english, german):
        assert "PENDING" not in text and "0.40 EUR" not in text


def test_the_engines_reason_is_shown_in_the_readers_language_and_stays_recorded_in_english(
    client, acme_month
):
    """Ben deletes his post before the hold ends: the engine reverses his share reward, in its English words."""
    ben_share = Reward.objects.get(user__display_name="Ben", kind=RewardKind.ACTION)
    TrackedPost.objects.filter(pk=ben_share.action.tracked_post_id).update(
        status=TrackedPost.Status.GONE, gone_at=NOW + timedelta(days=3)
    )
    reward_settle(reward_id=ben_share.pk, now=NOW + timedelta(days=15))
    client.force_login(owner_of(acme_month))
    url = f"/console/rewards/reward/{ben_share.pk}/change/"

    german = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
    english = _text(client.get(url))

    assert "Grund: Der Beitrag wurde gelöscht oder auf privat gestellt, bevor die Wartezeit endete." in german
    assert "deleted or made private" not in german
    assert "Reason: The post was deleted or made private before the hold period ended." in english
    ben_share.refresh_from_db()
    assert ben_share.reason == "The post was deleted or made private before the hold period ended."


def test_a_reason_an_operator_typed_is_shown_as_typed(client, acme_month):
    reversed_by_ops = Reward.objects.get(status="REVERSED")
    client.force_login(owner_of(acme_month))

    german = _text(
        client.get(f"/console/rewards/reward/{reversed_by_ops.pk}/change/", HTTP_ACCEPT_LANGUAGE="de")
    )

    assert "Grund: Bought views" in german


def test_the_computation_is_written_in_the_merchants_language_from_the_record(client, acme_month):
    """The engine's record stays English (the audit); the console writes it in German when read."""
    owner = owner_of(acme_month)
    User.objects.filter(pk=owner.pk).update(language="de")
    client.force_login(owner)
    reward = Reward.objects.get(kind=RewardKind.ENGAGEMENT, merchant_price=Decimal("5.05"))
    recorded = dict(reward.calculation)

    page = _text(client.get(f"/console/rewards/reward/{reward.pk}/change/"))

    assert "Gemessene Zahlen · Aufrufe 10.000" in page
    assert "6,15 €" in page and "1,10 €" in page and "0,25 €" in page
    assert "neu bei der Marke" in page and "\N{MULTIPLICATION SIGN} 1" in page
    for english in ("new to the brand", "times 1", "none"):
        assert english not in page
    reward.refresh_from_db()
    assert reward.calculation == recorded and reward.calculation["user"] == "NEW"


def test_plans_and_risk_signals_of_the_record_are_read_in_the_readers_language():
    from django.utils import translation

    from rewards.calculation_text import plan_text, risk_signal_line, risk_signal_text

    bonus = {
        "plan": "Joy Plus",
        "benefit": "BONUS",
        "why": "+10 % of the person's share (0.50), cut to what TikJoy's margin (0.03) allows",
        "detail": "Joy Plus: +10 % of the person's share (0.50), cut to what TikJoy's margin (0.03) allows",
    }
    fast = {
        "plan": "Joy Fast",
        "benefit": "FAST",
        "why": "available after 2 days instead of at the end of the hold, advanced by TikJoy",
    }
    signal = {"code": "SHARED_DEVICE", "weight": 60, "detail": "3 other people earned on this device"}
    odd = {"plan": "Old", "why": "something recorded long ago", "detail": "Old: something recorded long ago"}

    with translation.override("de"):
        assert plan_text(bonus, "EUR") == (
            "Joy Plus: +10 % des Anteils der Person (0,50\xa0€), gekürzt auf das, was die Marge von TikJoy "
            "(0,03\xa0€) erlaubt"
        )
        assert plan_text(fast, "EUR").startswith(
            "Joy Fast: verfügbar nach 2 Tagen statt am Ende der Wartezeit"
        )
        assert risk_signal_text(signal) == "3 andere Personen haben auf diesem Gerät verdient"
        assert (
            risk_signal_line(signal)
            == "Gemeinsam genutztes Gerät: 3 andere Personen haben auf diesem Gerät verdient"
        )
        assert (
            plan_text(odd, "EUR") == "Old: something recorded long ago"
        )  # a form it doesn't know: as recorded
    with translation.override("en"):
        assert plan_text(bonus, "EUR") == bonus["detail"].replace("0.50", "€0.50").replace("0.03", "€0.03")
        assert risk_signal_text(signal) == signal["detail"]
    with translation.override("fr"):
        assert risk_signal_line(signal).startswith("Appareil partagé\u00a0: 3 autres personnes")


def test_nobody_adds_changes_or_deletes_a_reward_in_the_console(client, acme_month):
    client.force_login(owner_of(acme_month))
    reward = Reward.objects.first()
    before = list(Reward.objects.order_by("pk").values_list())

    assert client.post("/console/rewards/reward/add/", {}).status_code == 403
    assert (
        client.post(f"/console/rewards/reward/{reward.pk}/change/", {"status": "CONFIRMED"}).status_code
        == 403
    )
    assert client.post(f"/console/rewards/reward/{reward.pk}/delete/", {"post": "yes"}).status_code == 403
    assert list(Reward.objects.order_by("pk").values_list()) == before


def test_consumers_who_engaged_show_figures_and_only_what_each_consented_to_share(client, acme_month):
    ana = User.objects.get(display_name="Ana")
    ana.email = "ana@fans.example"
    ana.save(update_fields=["email"])
    consent_give(user=ana, merchant=acme_month, fields=["DISPLAY_NAME", "EMAIL"], now=timezone.now())
    client.force_login(owner_of(acme_month))

    page = _text(client.get("/console/rewards/reward/consumers/"))

    assert "It disappears when they withdraw their consent." in page
    # name, what they shared, actions, rewards not reversed, their price
    assert "Ana Name: Ana E-mail address: ana@fans.example 2 4 €7.65" in page
    ben, cleo = _label(acme_month, "Ben"), _label(acme_month, "Cleo")
    assert f"{ben} nothing shared 1 1 €1.00" in page
    assert f"{cleo} nothing shared 2 2 €1.50" in page
    assert "Ben" not in page and "Cleo" not in page

    consent_withdraw(user=ana, merchant=acme_month, now=timezone.now())
    page = _text(client.get("/console/rewards/reward/consumers/"))
    assert "ana@fans.example" not in page and "Ana" not in page
    assert f"{_label(acme_month, 'Ana')} nothing shared 2 4" in page


@pytest.mark.parametrize(
    ("language", "words"), [("en", "Export the list (CSV)"), ("fr", "Exporter la liste (CSV)")]
)
def test_the_consumers_page_links_to_its_file(client, acme_month, language, words):
    client.force_login(owner_of(acme_month))

    html = response_text(client.get("/console/rewards/reward/consumers/", HTTP_ACCEPT_LANGUAGE=language))
    link = re.search(r'<a href="([^"]+)" download data-export="consumers">([^<]+)</a>', html)

    assert link and unescape(link[2]) == words
    export = client.get(link[1], HTTP_ACCEPT_LANGUAGE=language)
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")


def test_a_shared_whatsapp_number_is_shown_grouped_in_international_format(client, acme_month):
    ana = User.objects.get(display_name="Ana")
    ana.phone, ana.phone_verified = "+4915112340007", True
    ana.save(update_fields=["phone", "phone_verified"])
    consent_give(user=ana, merchant=acme_month, fields=["DISPLAY_NAME", "PHONE"], now=timezone.now())
    client.force_login(owner_of(acme_month))

    page = _text(client.get("/console/rewards/reward/consumers/"))
    export = response_text(client.get("/console/rewards/reward/consumers/export.csv"))

    assert "Ana Name: Ana Phone number: +49 1511 2340007 " in page
    assert "4915112340007" not in page
    assert "+4915112340007" in export  # a file keeps the number as stored (E.164), for other systems


def test_a_merchant_never_sees_another_merchants_rewards_or_consumers(
    client, acme_month, make_merchant, make_campaign, make_consumer
):
    bravo = make_merchant("bravo")
    make_campaign(bravo, name="Bravo Hidden Campaign")
    action_record(
        user=make_consumer("Zed Bravofan"), merchant=bravo, action_type=ActionType.TIKTOK_LOGIN, now=NOW
    )
    agency = owner_of(bravo)
    Membership.objects.create(merchant=acme_month, user=agency, role=Role.MANAGER)
    client.force_login(agency)
    client.post("/console/switch/", {"merchant": acme_month.pk})
    bravo_reward = Reward.objects.get(merchant=bravo)

    pages = [
        _text(client.get(url))
        for url in (
            "/console/",
            "/console/rewards/reward/",
            "/console/rewards/reward/consumers/",
            "/console/rewards/reward/export.csv",
        )
    ]

    for page in pages:
        assert "Zed Bravofan" not in page and "Bravo Hidden Campaign" not in page
    assert client.get(f"/console/rewards/reward/{bravo_reward.pk}/change/").status_code == 404


def test_the_rewards_lists_column_names_are_in_german_and_spanish(client, acme_month):
    client.force_login(owner_of(acme_month))

    german = _text(client.get("/console/rewards/reward/", HTTP_ACCEPT_LANGUAGE="de"))
    spanish = _text(client.get("/console/rewards/reward/", HTTP_ACCEPT_LANGUAGE="es"))

    for column in ("Händlerpreis", "Betrag für die Person", "Erstellt am", "Verfügbar ab"):
        assert column in german
    assert "Ausstehend 0,50 € 0,40 €" in german and "EUR" not in german  # amounts as German writes them
    for column in ("User amount", "Created at", "Available at", "Merchant price"):
        assert column not in german
    for column in ("Importe para la persona", "Creado el", "Disponible desde"):
        assert column in spanish
