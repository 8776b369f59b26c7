"""The console pages, as a merchant uses them."""

from __future__ import annotations

import html
import re
import threading
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from campaigns import services
from campaigns.models import ActionType, Campaign, CampaignStatus, PlatformLimit, UgcPolicy, UgcStatus, Video
from campaigns.tests.conftest import NOW, rule, tiny_mp4
from merchants.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# The video page's inline of texts in other languages, posted empty (a browser posts its management form).
NO_TEXTS = {"texts-TOTAL_FORMS": "0", "texts-INITIAL_FORMS": "0"}


def campaign_form(**overrides) -> dict:
    data = {
        "name": "Console summer",
        "starts_at_0": "2026-12-01",
        "starts_at_1": "09:00:00",
        "ends_at_0": "2026-12-31",
        "ends_at_1": "18:00:00",
        "budget": "500.00",
        "hashtag": "#consolesummer",
        "mention": "",
        "hold_days": "14",
        "ugc_policy": UgcPolicy.CREATORS_ONLY,
        "min_reward": "",
        "max_reward": "",
        "new_user_multiplier": "1.00",
        "returning_user_multiplier": "1.00",
        "user_daily_cap": "",
        "user_campaign_cap": "",
        "rules-TOTAL_FORMS": "5",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "5",
        "language": "en",
        "texts-TOTAL_FORMS": "0",
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "0",
        "texts-MAX_NUM_FORMS": "4",
    }
    for index, action in enumerate(ActionType.values):
        enabled = action not in (ActionType.LIKE, ActionType.COMMENT)
        data[f"rules-{index}-action"] = action
        if enabled:
            data[f"rules-{index}-is_enabled"] = "on"
        for name in ("amount", "per_1000_views", "per_like", "per_comment", "per_share"):
            data[f"rules-{index}-{name}"] = "0" if name != "amount" else "0.00"
        data[f"rules-{index}-max_per_post"] = ""
        data[f"rules-{index}-max_rewards"] = ""
    data["rules-0-amount"] = "1.00"  # TikTok login
    data["rules-2-amount"] = "2.00"  # share
    data["rules-2-per_1000_views"] = "0.25"
    data.update(overrides)
    return data


def test_the_add_page_explains_the_fields_and_offers_every_action(client, merchant, owner):
    client.force_login(owner)

    response = client.get(reverse("console:campaigns_campaign_add"))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Days a reward stays pending" in text
    assert text.count('name="rules-') > 5 and "rules-4-action" in text
    assert "campaigns/rule_preview.js" in text


def test_the_add_page_labels_ugc_and_the_views_rate_as_written_in_english(client, merchant, owner):
    """A newcomer's finding: English labels read "Ugc policy:" and "Per 1000 views:" (beside help
    texts saying "per 1,000 views"); German said "UGC-Regel" and "Pro 1.000 Aufrufe" all along."""
    client.force_login(owner)

    text = client.get(reverse("console:campaigns_campaign_add"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert ">UGC policy:</label>" in text and "Ugc policy" not in text
    assert ">Per 1,000 views:</label>" in text and "Per 1000 views" not in text


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Times in your brand's time zone: New York (Eastern Time)."),
        ("de", "Zeiten in der Zeitzone Ihrer Marke: New York (Nordamerikanische Ostküstenzeit)."),
    ],
)
def test_the_campaign_form_names_the_time_zone_its_start_and_end_are_read_in(
    client, merchant, owner, language, said
):
    """A newcomer's finding: Starts and Ends said nothing of a zone, and Django's note beside them
    ("You are 6 hours ahead of server time") was all a member elsewhere had to go by."""
    merchant.time_zone = "America/New_York"
    merchant.save(update_fields=["time_zone"])
    client.force_login(owner)

    page = html.unescape(
        client.get(reverse("console:campaigns_campaign_add"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    )

    assert page.count(said) == 2  # under Starts and under Ends


def test_a_new_campaigns_page_shows_the_merchants_currency_and_nothing_spent_in_it(client, merchant, owner):
    """A newcomer's finding: before the first save the page read "Currency: -" and "Spent: 0"."""
    client.force_login(owner)

    page = client.get(reverse("console:campaigns_campaign_add"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    readonly = dict(
        re.findall(
            r'<label>([^<]+):</label>\s*<div class="readonly">([^<]*)</div>', page.replace("\xa0", " ")
        )
    )
    assert readonly["Currency"] == "Euro"
    assert readonly["Spent"] == "€0.00"


def test_a_manager_creates_a_campaign_with_its_rules_in_one_form(client, merchant, add_member):
    manager = add_member(merchant, "manager@acme.example", Role.MANAGER)
    client.force_login(manager)

    response = client.post(reverse("console:campaigns_campaign_add"), campaign_form())

    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get(merchant=merchant)
    assert campaign.hashtag == "consolesummer"
    assert campaign.status == CampaignStatus.DRAFT
    rules = {r.action: r for r in campaign.rules.all()}
    assert set(rules) == {ActionType.TIKTOK_LOGIN, ActionType.SHARE_VIDEO}  # untouched rows are not saved
    assert rules[ActionType.SHARE_VIDEO].per_1000_views == Decimal("0.25")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at_0": "2026-11-30"}, "The end must be after the start."),
        ({"min_reward": "2.00", "max_reward": "1.00"}, "is below the minimum"),
        ({"user_daily_cap": "-5"}, "cannot be below zero"),
        ({"hashtag": ""}, "set a hashtag and/or an @mention"),
        ({"rules-0-per_like": "0.10"}, "are for shares only"),
        ({"rules-0-amount": "999.00"}, "above the maximum per reward"),
        ({"hashtag": "two words"}, "without spaces"),
        ({"rules-0-amount": "abc"}, "Enter a number"),
    ],
)
def test_contradictions_are_form_errors_with_a_clear_message(client, merchant, owner, overrides, message):
    client.force_login(owner)

    response = client.post(reverse("console:campaigns_campaign_add"), campaign_form(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_quote_endpoint_answers_what_the_merchant_pays_and_the_user_gets(client, merchant, owner):
    client.force_login(owner)

    response = client.get(
        reverse("console:campaigns_campaign_quote"),
        {
            "action": "SHARE_VIDEO",
            "amount": "2.00",
            "per_1000_views": "0.25",
            "per_like": "0.01",
            "per_comment": "0.02",
            "per_share": "0.05",
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["merchant_price"], body["user_amount"], body["margin"]) == ("8.15", "6.52", "1.63")
    assert "10,000 views" in body["text"]


def test_bad_quote_input_is_a_400_not_a_500(client, merchant, owner):
    client.force_login(owner)

    response = client.get(reverse("console:campaigns_campaign_quote"), {"amount": "-1", "views": "lots"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"amount", "views"}


def test_a_refused_quote_names_the_box_as_the_page_labels_it_in_the_readers_language(client, merchant, owner):
    client.force_login(owner)
    url = reverse("console:campaigns_campaign_quote")

    views = client.get(url, {"amount": "0,50", "per_1000_views": "abc"}, HTTP_ACCEPT_LANGUAGE="fr")
    amount = client.get(url, {"amount": "1e9"}, HTTP_ACCEPT_LANGUAGE="fr")
    multiplier = client.get(url, {"amount": "1", "new_user_multiplier": "lots"}, HTTP_ACCEPT_LANGUAGE="en")

    # what the example post then says (it wrote "per 1000 views: ..." in English, and the field's code)
    assert views.status_code == 400
    assert views.json()["message"] == "Par 1\u202f000 vues\u00a0: Saisissez un nombre comme 10,50."
    assert amount.json()["message"] == "Montant\u00a0: Saisissez un nombre comme 10,50."
    assert multiplier.json()["message"] == "New user multiplier: Enter a number such as 10.50."


@pytest.mark.parametrize(
    ("box", "value", "language", "said"),
    [
        (
            "amount",
            "-5",
            "fr",
            "Montant\u00a0: Les montants et tarifs ne peuvent pas être inférieurs à zéro.",
        ),
        ("amount", "-0,50", "en", "Amount: Amounts and rates cannot be below zero."),
        ("per_like", "-0.01", "de", "Pro Like: Beträge und Sätze können nicht unter null liegen."),
        (
            "max_per_post",
            "-1",
            "es",
            "Máximo por publicación: Los importes y tarifas no pueden ser inferiores a cero.",
        ),
        ("max_reward", "-2", "it", "Premio massimo: Un limite non può essere sotto zero."),
        (
            "new_user_multiplier",
            "-1",
            "fr",
            "Multiplicateur nouveaux utilisateurs\u00a0: Un multiplicateur doit être supérieur à zéro (1,00 = aucun changement).",
        ),
    ],
)
def test_a_negative_amount_in_the_rule_editor_is_told_it_cant_be_below_zero(
    client, merchant, owner, box, value, language, said
):
    """A negative amount is a well-formed number: the example post says what the rule is (the save's words),
    not "Enter a number such as 10.50" nor Django's "Ensure this value is greater than or equal to 0"."""
    client.force_login(owner)

    response = client.get(
        reverse("console:campaigns_campaign_quote"),
        {"amount": "1", box: value},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    assert response.json()["message"] == said


def test_the_example_post_says_check_the_amounts_in_the_readers_language_when_the_server_gives_no_words(
    client, merchant, owner
):
    client.force_login(owner)

    page = client.get(reverse("console:campaigns_campaign_add"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert 'data-quote-failed="Vérifiez les montants."' in page


def test_go_live_pause_and_end_from_the_list(client, merchant, owner, make_campaign):
    campaign = make_campaign(merchant, activate=False)
    client.force_login(owner)
    url = reverse("console:campaigns_campaign_changelist")

    client.post(url, {"action": "activate", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE
    assert client.get(reverse("console:index")).content.decode().count('data-figure="campaigns">1<') == 1

    client.post(url, {"action": "pause", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED


def test_the_sixteenth_video_is_refused_in_the_console_with_a_message(client, merchant, owner):
    for n in range(15):
        services.video_add(
            merchant=merchant,
            actor=owner,
            title=f"Clip {n}",
            tiktok_url=f"https://www.tiktok.com/@acme/video/{n}",
        )
    client.force_login(owner)

    response = client.post(
        reverse("console:campaigns_video_add"),
        {"title": "One more", "tiktok_url": "https://www.tiktok.com/@acme/video/99", **NO_TEXTS},
    )

    assert response.status_code == 200
    assert "15 videos, the maximum" in response.content.decode()
    assert Video.objects.count() == 15


def test_a_video_upload_through_the_console(client, merchant, owner):
    client.force_login(owner)

    response = client.post(
        reverse("console:campaigns_video_add"),
        {"title": "Clip", "caption": "Hi", "file": tiny_mp4(), **NO_TEXTS},
    )

    assert response.status_code == 302
    assert Video.objects.get().file.name.endswith(".mp4")


def test_a_text_file_is_refused_as_a_video_in_the_console(client, merchant, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(owner)

    response = client.post(
        reverse("console:campaigns_video_add"),
        {"title": "Clip", "file": SimpleUploadedFile("x.mp4", b"plain text here"), **NO_TEXTS},
    )

    assert response.status_code == 200
    assert "not a real mp4 video" in response.content.decode()


def test_a_refused_tiktok_link_is_not_also_told_to_give_a_tiktok_link(client, merchant, owner):
    """Walk finding: "javascript:…//www.tiktok.com/…" got "Enter a valid URL." and, above the form,
    "Upload a video file or give a TikTok link.", which contradicts the link just typed."""
    client.force_login(owner)

    response = client.post(
        reverse("console:campaigns_video_add"),
        {"title": "Clip", "tiktok_url": "javascript:alert(1)//www.tiktok.com/@a/video/1", **NO_TEXTS},
    )

    page = response.content.decode()
    assert response.status_code == 200 and "Enter a valid URL." in page
    assert "Upload a video file or give a TikTok link." not in page
    assert not merchant.videos.exists()

    neither = client.post(reverse("console:campaigns_video_add"), {"title": "Clip", **NO_TEXTS})
    assert "Upload a video file or give a TikTok link." in neither.content.decode()


def test_reviewing_ugc_in_the_console_needs_a_reason_to_request_changes(
    client, merchant, owner, make_campaign, make_user
):
    campaign = make_campaign(merchant, ugc_policy=UgcPolicy.ALL_USERS)
    consumer = make_user("fan@consumer.example")
    submission = services.ugc_submit(campaign=campaign, user=consumer, file=tiny_mp4(), caption="v1", now=NOW)
    client.force_login(owner)
    assert "1</span> video waiting for your review" in client.get(reverse("console:index")).content.decode()
    url = reverse("console:campaigns_ugcsubmission_change", args=[submission.pk])

    refused = client.post(url, {"decision": UgcStatus.CHANGES_REQUESTED, "reason": ""})
    assert refused.status_code == 200
    assert "Tell the consumer why" in refused.content.decode()

    response = client.post(
        url, {"decision": UgcStatus.CHANGES_REQUESTED, "reason": "Show the product"}, follow=True
    )
    submission.refresh_from_db()
    assert (submission.status, submission.review_reason) == (UgcStatus.CHANGES_REQUESTED, "Show the product")
    said = re.sub(r"<[^>]+>", "", html.unescape(response.content.decode().split('class="messagelist"')[1]))
    said = said.split("\n\n")[0]  # the message, its link's tags removed
    assert "(Changes requested)” was changed successfully." in said
    assert "Waiting for review" not in said


def test_a_video_reviewed_in_another_tab_says_so_when_the_open_review_is_saved(
    client, merchant, owner, make_campaign, make_user
):
    campaign = make_campaign(merchant, ugc_policy=UgcPolicy.ALL_USERS)
    consumer = make_user("fan@consumer.example")
    submission = services.ugc_submit(campaign=campaign, user=consumer, file=tiny_mp4(), caption="v1", now=NOW)
    client.force_login(owner)
    url = reverse("console:campaigns_ugcsubmission_change", args=[submission.pk])
    client.post(url, {"decision": UgcStatus.CHANGES_REQUESTED, "reason": "Show the product"})  # the first tab

    response = client.post(url, {"decision": UgcStatus.APPROVED, "reason": ""}, follow=True)  # the second

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Nothing was saved: this video was reviewed while the page was open (Changes requested)." in page
    assert "You can't open this page" not in page
    submission.refresh_from_db()
    assert submission.status == UgcStatus.CHANGES_REQUESTED


def test_the_rule_editor_shows_the_example_post_quote_for_each_saved_rule(
    client, merchant, owner, make_campaign
):
    campaign = make_campaign(merchant)
    client.force_login(owner)

    text = client.get(reverse("console:campaigns_campaign_change", args=[campaign.pk])).content.decode()

    assert text.count('class="rule-quote"') >= 5  # one per rule (+ the empty template row)
    assert 'data-quote-url="/console/campaigns/campaign/quote/"' in text
    # demo share rule of the fixtures: 2.00 + 6.15 engagement (capped at 25.00), users get 80 %
    assert "you pay €8.15, the user gets €6.52, TikJoy keeps €1.63" in text.replace("\xa0", "")


def test_an_ended_campaign_is_read_only(client, merchant, owner, make_campaign):
    campaign = services.campaign_end(campaign=make_campaign(merchant), actor=owner)
    client.force_login(owner)
    url = reverse("console:campaigns_campaign_change", args=[campaign.pk])

    assert 'name="_save"' not in client.get(url).content.decode()
    response = client.post(url, {"name": "Renamed"}, follow=True)
    campaign.refresh_from_db()
    assert campaign.name != "Renamed"
    assert "an ended campaign can" in response.content.decode()


def test_a_campaign_ended_in_another_tab_says_so_when_the_open_form_is_saved(
    client, merchant, owner, make_campaign
):
    from tikjoy.tests.html_forms import main_form

    campaign = make_campaign(merchant)
    client.force_login(owner)
    url = reverse("console:campaigns_campaign_change", args=[campaign.pk])
    open_form = main_form(client.get(url).content.decode()).data()
    services.campaign_end(campaign=campaign, actor=owner)  # another tab, or a teammate
    open_form["name"] = ["Renamed in the open tab"]

    response = client.post(url, open_form, follow=True)

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Nothing was saved: this campaign ended while the page was open" in page
    assert "You can't open this page" not in page and "role" not in page
    campaign.refresh_from_db()
    assert campaign.name == "Summer JoyBack"


def test_a_saved_rule_keeps_its_action(merchant, make_campaign):
    from campaigns.forms import RewardRuleForm

    login = make_campaign(merchant).rules.get(action=ActionType.TIKTOK_LOGIN)

    form = RewardRuleForm(
        instance=login,
        data={
            "action": ActionType.LIKE,
            "is_enabled": "on",
            "amount": "1.00",
            "per_1000_views": "0",
            "per_like": "0",
            "per_comment": "0",
            "per_share": "0",
        },
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["action"] == ActionType.TIKTOK_LOGIN


@pytest.mark.parametrize(
    ("language", "budget", "per_1000_views", "want_budget", "want_rate"),
    [
        ("en", "10,50", "0,25", "10.50", "0.25"),
        ("en", "1,050", "0.005", "1050.00", "0.005"),
        ("de", "10,50", "0,005", "10.50", "0.005"),
        ("de", "1.050", "0.25", "1050.00", "0.25"),
    ],
)
def test_a_decimal_comma_is_read_as_the_decimal_sign_never_as_a_hundredfold_amount(
    client, merchant, owner, language, budget, per_1000_views, want_budget, want_rate
):
    """A number box in Chromium sends "10,50" as "1050": the console's numbers are text boxes read as
    the member's language writes them."""
    owner.language = language
    owner.save(update_fields=["language"])
    client.force_login(owner)
    page = client.get(
        reverse("console:campaigns_campaign_add"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    (budget_input,) = re.findall(r'<input[^>]*name="budget"[^>]*>', page)
    assert 'type="text"' in budget_input and 'inputmode="decimal"' in budget_input

    response = client.post(
        reverse("console:campaigns_campaign_add"),
        campaign_form(budget=budget, **{"rules-2-per_1000_views": per_1000_views}),
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get(merchant=merchant)
    assert campaign.budget == Decimal(want_budget)
    assert campaign.rules.get(action=ActionType.SHARE_VIDEO).per_1000_views == Decimal(want_rate)


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        (
            "de",
            "1.250",
            "„1.250“ kann hier auf zwei Arten gelesen werden. Erwartet wird 1250 für die ganze Zahl oder 1,2500",
        ),
        ("en", "1,250", "“1,250” can be read two ways here. Type 1250 for the whole number, or 1.2500 for"),
    ],
)
def test_a_rate_that_reads_two_ways_is_asked_about_never_guessed(
    client, merchant, owner, language, typed, message
):
    """Where a rate has three or four decimals, "1.250" is 1250 in German and 1.25 in English: a rate
    read a thousand times too high is money, so the member is asked which, and nothing is saved."""
    owner.language = language
    owner.save(update_fields=["language"])
    client.force_login(owner)

    response = client.post(
        reverse("console:campaigns_campaign_add"),
        campaign_form(budget="100", **{"rules-2-per_1000_views": typed}),
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Campaign.objects.filter(merchant=merchant).exists()


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_saved_rate_with_three_decimals_is_shown_so_that_saving_the_form_again_keeps_it(
    client, merchant, owner, make_campaign, language
):
    """A stored rate of 1.125 shown as "1.125" would be asked about when the form is saved untouched:
    it is shown with four decimals ("1.1250", "1,1250"), which reads one way only."""
    from tikjoy.tests.html_forms import main_form

    campaign = make_campaign(
        merchant,
        rules=[rule(ActionType.SHARE_VIDEO, amount=Decimal("1.00"), per_1000_views=Decimal("1.125"))],
        activate=False,
    )
    owner.language = language
    owner.save(update_fields=["language"])
    client.force_login(owner)
    url = reverse("console:campaigns_campaign_change", args=[campaign.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    response = client.post(url, main_form(page).data(), HTTP_ACCEPT_LANGUAGE=language)

    assert ('value="1.1250"' if language == "en" else 'value="1,1250"') in page
    assert response.status_code == 302, html.unescape(response.content.decode())[:2000]
    assert campaign.rules.get(action=ActionType.SHARE_VIDEO).per_1000_views == Decimal("1.125")


@pytest.mark.parametrize("budget", ["10,5,0", "1e9", "1.234,5678"])
def test_a_number_that_cant_be_read_is_refused_with_an_example(client, merchant, owner, budget):
    client.force_login(owner)

    response = client.post(reverse("console:campaigns_campaign_add"), campaign_form(budget=budget))

    assert response.status_code == 200
    assert "Enter a number such as 10.50." in response.content.decode()
    assert not Campaign.objects.filter(merchant=merchant).exists()


@pytest.mark.parametrize(
    ("budget", "language", "said"),
    [
        ("0.005", "en", "Enter at most 2 digits after the decimal sign, e.g. 10.50."),
        ("12.345", "en", "Enter at most 2 digits after the decimal sign, e.g. 10.50."),
        ("0,005", "de", "Erwartet werden höchstens 2 Nachkommastellen, z.\u00a0B. 10,50."),
    ],
)
def test_a_number_with_more_decimals_than_cents_is_told_so(client, merchant, owner, budget, language, said):
    """0.001 is a number: "Enter a number such as 10.50" didn't say what was wrong with it."""
    client.force_login(owner)

    response = client.post(
        reverse("console:campaigns_campaign_add"), campaign_form(budget=budget), HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 200
    assert said in html.unescape(response.content.decode())
    assert not Campaign.objects.filter(merchant=merchant).exists()


def test_a_campaign_form_opened_before_another_edit_cannot_undo_it(client, merchant, owner, make_campaign):
    from tikjoy.tests.html_forms import main_form

    campaign = make_campaign(merchant, budget=Decimal("100.00"))
    client.force_login(owner)
    url = reverse("console:campaigns_campaign_change", args=[campaign.pk])
    first_tab = main_form(client.get(url).content.decode())
    second_tab = main_form(client.get(url).content.decode())

    data = second_tab.data()
    data["budget"] = ["300.00"]
    assert client.post(url, data).status_code == 302  # the second tab saves 300.00
    stale = first_tab.data()
    stale["name"] = ["Renamed in the first tab"]
    response = client.post(url, stale)

    # Refused, and the form is shown again: what was typed kept, the conflict said, the current values shown.
    campaign.refresh_from_db()
    assert (campaign.budget, campaign.name) == (Decimal("300.00"), "Summer JoyBack")
    assert response.status_code == 200
    page = response.content.decode()
    assert "was changed since you opened the form" in page and "Nothing was saved" in page
    assert 'value="Renamed in the first tab"' in page
    assert "Saved now: Summer JoyBack" in page and "Saved now: 300.00" in page

    # Saving the form shown again applies the person's input over the current version.
    kept = main_form(page).data()
    assert kept["name"] == ["Renamed in the first tab"] and kept["budget"] == ["100.00"]
    kept["budget"] = ["300.00"]  # they keep the other tab's budget
    assert client.post(url, kept).status_code == 302
    campaign.refresh_from_db()
    assert (campaign.budget, campaign.name) == (Decimal("300.00"), "Renamed in the first tab")


def test_merchant_settings_opened_before_another_edit_cannot_undo_it(client, merchant, owner):
    from tikjoy.tests.html_forms import main_form

    client.force_login(owner)
    url = reverse("console:merchants_merchant_change", args=[merchant.pk])
    first_tab = main_form(client.get(url).content.decode())
    second_tab = main_form(client.get(url).content.decode())

    data = second_tab.data()
    data["brand_name"] = ["Acme Coffee"]
    assert client.post(url, data).status_code == 302
    stale = first_tab.data()
    stale["contact_email"] = ["stale@acme.example"]
    response = client.post(url, stale)

    merchant.refresh_from_db()
    assert (merchant.brand_name, merchant.contact_email) == ("Acme Coffee", "hello@acme.example")
    assert response.status_code == 200
    page = response.content.decode()
    assert "was changed since you opened the form" in page
    assert 'value="stale@acme.example"' in page
    assert "Saved now: Acme Coffee" in page and "Saved now: hello@acme.example" in page

    # A second save of the form as shown (it still says the old brand name) is no longer refused:
    # the person saw the current values and chose.
    assert client.post(url, main_form(page).data()).status_code == 302
    merchant.refresh_from_db()
    assert merchant.contact_email == "stale@acme.example"


def test_the_rule_example_shows_what_a_new_customer_costs_when_the_campaign_multiplies_it(
    client, merchant, owner, make_campaign
):
    campaign = make_campaign(
        merchant,
        rules=[rule(ActionType.TIKTOK_LOGIN, amount=Decimal("1.00"))],
        new_user_multiplier=Decimal("1.50"),
    )
    client.force_login(owner)

    page = client.get(
        reverse("console:campaigns_campaign_change", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    text = page.replace("\xa0", " ")
    # the default plan: users get 80 %; the engine charges a new customer 1.50 x the amount
    assert (
        "Un cliente recurrente: usted paga 1,00 €, el usuario recibe 0,80 € y TikJoy se queda 0,20 €" in text
    )
    assert "Un cliente nuevo: usted paga 1,50 €, el usuario recibe 1,20 € y TikJoy se queda 0,30 €" in text


def test_the_rule_example_is_cut_to_the_platforms_maximum_per_reward_as_the_engine_cuts_it(
    client, merchant, owner, make_campaign
):
    campaign = make_campaign(
        merchant,
        rules=[rule(ActionType.TIKTOK_LOGIN, amount=Decimal("1.00"))],
        new_user_multiplier=Decimal("1.50"),
    )
    PlatformLimit.objects.filter(currency="EUR").update(max_reward=Decimal("1.20"))  # ops lowered it since
    client.force_login(owner)

    page = client.get(reverse("console:campaigns_campaign_change", args=[campaign.pk])).content.decode()

    assert "A new customer: you pay €1.20, the user gets €0.96, TikJoy keeps €0.24." in page.replace(
        "\xa0", ""
    )


def test_the_live_quote_follows_the_multipliers_typed_in_the_campaign_form(client, merchant, owner):
    client.force_login(owner)

    response = client.get(
        reverse("console:campaigns_campaign_quote"),
        {"action": ActionType.TIKTOK_LOGIN, "amount": "2.00", "new_user_multiplier": "1.50"},
        HTTP_ACCEPT_LANGUAGE="de",
    )

    body = response.json()
    assert (body["merchant_price"], body["new_customer"]["merchant_price"]) == ("2.00", "3.00")
    assert "Neuer Kunde: Sie zahlen 3,00" in body["text"].replace("\xa0", " ")


def test_the_live_quote_refuses_a_multiplier_that_is_not_a_number(client, merchant, owner):
    client.force_login(owner)

    response = client.get(
        reverse("console:campaigns_campaign_quote"), {"amount": "2.00", "new_user_multiplier": "lots"}
    )

    assert response.status_code == 400
    assert "new_user_multiplier" in response.json()["errors"]


def test_the_video_form_states_the_size_limit_in_the_members_language(client, owner, settings):
    settings.VIDEO_MAX_UPLOAD_MB = 50
    client.force_login(owner)

    english = client.get(reverse("console:campaigns_video_add")).content.decode()
    german = client.get(reverse("console:campaigns_video_add"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "An mp4, mov or webm file of up to 50 MB. Or give a TikTok link." in english
    assert "Eine mp4-, mov- oder webm-Datei mit bis zu 50 MB." in german


@pytest.mark.parametrize(
    ("language", "multiplier", "said", "unsaid"),
    [
        ("es", "1.00", "Inicio de sesión con TikTok: 999,00\xa0€ supera el máximo por recompensa", "(por 1 "),
        ("es", "1.50", "999,00\xa0€ (por 1,5 para algunos usuarios) supera el máximo", None),
        ("en", "1.00", "Log in with TikTok: €999.00 is above the maximum per reward", "(times 1 "),
    ],
)
def test_a_rule_above_the_maximum_names_the_multiplier_only_when_it_is_not_one(
    client, merchant, owner, language, multiplier, said, unsaid
):
    client.force_login(owner)

    response = client.post(
        reverse("console:campaigns_campaign_add"),
        campaign_form(**{"rules-0-amount": "999.00", "new_user_multiplier": multiplier}),
        HTTP_ACCEPT_LANGUAGE=language,
    )

    page = html.unescape(response.content.decode())
    assert said in page
    assert unsaid is None or unsaid not in page


def _video_form(**overrides) -> dict:
    return {"title": "Clip", "tiktok_url": "https://www.tiktok.com/@acme/video/1", **NO_TEXTS, **overrides}


def test_a_caption_over_tiktoks_2200_characters_is_refused_in_words(client, merchant, owner):
    client.force_login(owner)

    refused = client.post(reverse("console:campaigns_video_add"), _video_form(caption="x" * 2201))
    german = client.post(
        reverse("console:campaigns_video_add"), _video_form(caption="x" * 2201), HTTP_ACCEPT_LANGUAGE="de"
    )
    accepted = client.post(reverse("console:campaigns_video_add"), _video_form(caption="x" * 2200))

    assert refused.status_code == 200
    assert "TikTok allows at most 2,200 characters in a caption: this one has 2,201." in html.unescape(
        refused.content.decode()
    )
    assert "TikTok erlaubt höchstens 2.200 Zeichen" in html.unescape(german.content.decode())
    assert accepted.status_code == 302
    assert Video.objects.get().caption == "x" * 2200


def test_the_caption_with_its_hashtags_and_mentions_must_fit_tiktoks_limit(client, merchant, owner):
    client.force_login(owner)

    response = client.post(
        reverse("console:campaigns_video_add"),
        _video_form(caption="x" * 2190, hashtags="#acmesummer", mentions="@acme"),
    )

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "With its hashtags and mentions, the text to post has 2,208 characters" in page
    assert not Video.objects.exists()


@pytest.mark.parametrize(
    ("hashtags", "said"),
    [
        ("#summer #", "Write letters or digits after each #"),
        ("#sum-mer", "“#sum-mer” isn't a hashtag: after the # use only letters, digits and _"),
        ("#joy!", "“#joy!” isn't a hashtag"),
        ("#a#b", "“#a#b” isn't a hashtag"),
    ],
)
def test_a_hashtag_that_tiktok_would_cut_is_refused(client, merchant, owner, hashtags, said):
    client.force_login(owner)

    response = client.post(reverse("console:campaigns_video_add"), _video_form(hashtags=hashtags))

    assert response.status_code == 200
    assert said in html.unescape(response.content.decode())
    assert not Video.objects.exists()


def test_hashtags_in_any_alphabet_with_digits_and_underscores_are_accepted(client, merchant, owner):
    client.force_login(owner)

    response = client.post(
        reverse("console:campaigns_video_add"), _video_form(hashtags="#café_2026 #日本 München")
    )

    assert response.status_code == 302
    assert Video.objects.get().hashtags == "#café_2026 #日本 #München"


def _add_token(client) -> str:
    """The token of one rendering of the add form (``core.admin.AddedOnceMixin``)."""
    page = client.get(reverse("console:campaigns_campaign_add")).content.decode()
    return re.search(r'<input type="hidden" name="_once" value="([^"]+)">', page).group(1)


def test_a_double_click_on_save_adds_one_campaign_and_says_the_second_was_ignored(
    client, merchant, owner, django_capture_on_commit_callbacks
):
    """Walk finding: a double click on Save made two identical draft campaigns."""
    client.force_login(owner)
    form = campaign_form(_once=_add_token(client))

    with django_capture_on_commit_callbacks(execute=True):  # the first sending's transaction commits
        first = client.post(reverse("console:campaigns_campaign_add"), form)
    started = time.monotonic()
    second = client.post(reverse("console:campaigns_campaign_add"), form, follow=True)

    assert time.monotonic() - started < 5  # told at once: the first one's row is saved

    assert first.status_code == 302
    assert Campaign.objects.filter(merchant=merchant).count() == 1
    assert second.redirect_chain[-1][0] == reverse("console:campaigns_campaign_changelist")
    page = second.content.decode()
    assert "This form was sent twice: the second sending was ignored." in page
    assert "Console summer" in page  # the list shows what the first one saved


def test_a_refused_add_form_corrected_and_sent_again_is_saved(client, merchant, owner):
    client.force_login(owner)
    token = _add_token(client)

    refused = client.post(
        reverse("console:campaigns_campaign_add"), campaign_form(_once=token, ends_at_0="2026-11-30")
    )
    saved = client.post(reverse("console:campaigns_campaign_add"), campaign_form(_once=token))

    assert refused.status_code == 200 and "The end must be after the start." in refused.content.decode()
    assert f'name="_once" value="{token}"' in refused.content.decode()  # the shown-again form keeps its token
    assert saved.status_code == 302 and Campaign.objects.filter(merchant=merchant).count() == 1


def test_two_add_forms_opened_in_two_tabs_add_two_campaigns(client, merchant, owner):
    client.force_login(owner)
    tabs = [_add_token(client), _add_token(client)]

    for token, name in zip(tabs, ["Summer", "Winter"], strict=True):
        assert (
            client.post(
                reverse("console:campaigns_campaign_add"), campaign_form(_once=token, name=name)
            ).status_code
            == 302
        )

    assert sorted(Campaign.objects.filter(merchant=merchant).values_list("name", flat=True)) == [
        "Summer",
        "Winter",
    ]


def test_an_add_form_refused_for_a_rule_corrected_and_sent_again_is_saved(client, merchant, owner):
    """The campaign's own fields were valid, a rule's amount was not: the form shown again keeps what
    was typed, and the corrected sending is saved (it took the token anyway, so the corrected sending
    was ignored as "sent twice" and led to a list without the campaign)."""
    client.force_login(owner)
    token = _add_token(client)

    refused = client.post(
        reverse("console:campaigns_campaign_add"), campaign_form(_once=token, **{"rules-0-amount": "abc"})
    )
    assert refused.status_code == 200 and Campaign.objects.filter(merchant=merchant).count() == 0
    assert f'name="_once" value="{token}"' in refused.content.decode()

    saved = client.post(reverse("console:campaigns_campaign_add"), campaign_form(_once=token), follow=True)

    assert "This form was sent twice" not in saved.content.decode()
    assert Campaign.objects.filter(merchant=merchant).count() == 1


def _first_sending_ends(token: str, outcome: str | None, after: float = 0.3) -> threading.Timer:
    """The page's first sending, still being saved ("pending"), ends ``after`` seconds from now: saved
    (``outcome`` "saved") or refused (None: its token given back)."""
    key = f"admin-added-once:{token}"
    cache.set(key, "pending", timeout=60)
    end = threading.Timer(
        after,
        (lambda: cache.set(key, outcome, timeout=60)) if outcome else cache.delete,
        [] if outcome else [key],
    )
    end.start()
    return end


def test_a_second_sending_waits_for_the_first_and_saves_nothing_when_it_saved(client, merchant, owner):
    client.force_login(owner)
    token = _add_token(client)
    _first_sending_ends(token, "saved")

    second = client.post(reverse("console:campaigns_campaign_add"), campaign_form(_once=token), follow=True)

    assert "This form was sent twice: the second sending was ignored." in second.content.decode()
    assert not Campaign.objects.filter(merchant=merchant).exists()  # the first's row is another test's


def test_a_second_sending_is_handled_as_the_first_when_the_first_saved_nothing(client, merchant, owner):
    """Review finding: the first sending of a double click refused (a rule of the service), the second
    was told "sent twice … the list shows what the first one saved" though nothing was saved."""
    client.force_login(owner)
    token = _add_token(client)
    _first_sending_ends(token, None)

    second = client.post(reverse("console:campaigns_campaign_add"), campaign_form(_once=token), follow=True)

    assert "This form was sent twice" not in second.content.decode()
    assert Campaign.objects.filter(merchant=merchant).count() == 1


def test_a_token_this_page_does_not_make_is_ignored(client, merchant, owner):
    client.force_login(owner)

    for _ in range(2):
        sent = client.post(reverse("console:campaigns_campaign_add"), campaign_form(_once="a b\n" * 20))
        assert sent.status_code == 302

    assert Campaign.objects.filter(merchant=merchant).count() == 2  # no token: Django's own behaviour
