"""The console's Diagnostics: every outcome the engine records, explained with its fix; search by what a
person shared only; one merchant's pages only."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from campaigns import services as campaign_services
from campaigns.models import ActionType, UgcSubmission
from merchants.models import ConsentField
from merchants.roles import Role
from merchants.services import consent_give
from rewards.models import MerchantConsumer, Reward, SocialAction
from rewards.reasons import REWARD_REASON_POST_GONE, Reader, Reason, reason_explain
from rewards.services import action_record, reward_reverse, user_ban
from rewards.tests.conftest import share
from social.models import TikTokProfile
from support import diagnostics
from tikjoy.tests.factories import NOW, login_rule, owner_of, response_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(make_merchant, ops):
    def make(slug="joycoffee", funds="100.00", **fields):
        return make_merchant(slug, funds=funds, ops=ops, brand_name="Joy Coffee", **fields)

    return make


@pytest.fixture
def campaign_for(make_campaign):
    def make(merchant, **overrides):
        overrides.setdefault("rules", [login_rule()])
        overrides.setdefault("hashtag", "joycoffee")
        return make_campaign(merchant, now=NOW, **overrides)

    return make


def _login(user, merchant, *, at=NOW, device=""):
    return action_record(
        user=user, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=at, device_id=device
    )


def _like(user, merchant, *, at=NOW):
    return action_record(user=user, merchant=merchant, action_type=ActionType.LIKE, now=at)


# Each scenario runs the real engine and returns the action whose outcome is asked about.


def _paid(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign_for(merchant)
    return _login(make_consumer(), merchant)


def _held(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign_for(merchant)
    _login(make_consumer(), merchant, device="shared-phone")
    return _login(make_consumer(), merchant, device="shared-phone")


def _earns_by_engagement(funded, campaign_for, make_consumer, ops):
    from tikjoy.tests.factories import share_rule

    merchant = funded()
    campaign = campaign_for(merchant, rules=[share_rule(amount=Decimal("0.00"))])
    ana = make_consumer()
    share(ana, merchant, campaign)
    return SocialAction.objects.get(user=ana)


def _funds_ran_out(funded, campaign_for, make_consumer, ops):
    merchant = funded(funds="0.60")
    campaign_for(merchant)
    _login(make_consumer(), merchant)
    return _login(make_consumer(), merchant)


def _budget(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign_for(merchant, budget=Decimal("0.50"))
    _login(make_consumer(), merchant)
    return _login(make_consumer(), merchant)


def _person_cap(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    like = {"action": "LIKE", "is_enabled": True, "amount": Decimal("0.30")}
    campaign_for(merchant, rules=[login_rule(), like], user_campaign_cap=Decimal("0.50"))
    ana = make_consumer()
    _login(ana, merchant)
    return _like(ana, merchant)


def _daily_cap(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    like = {"action": "LIKE", "is_enabled": True, "amount": Decimal("0.30")}
    campaign_for(merchant, rules=[login_rule(), like], user_daily_cap=Decimal("0.50"))
    ana = make_consumer()
    _login(ana, merchant)
    return _like(ana, merchant)


def _rule_limit(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign_for(merchant, rules=[login_rule(max_rewards=1)])
    _login(make_consumer(), merchant)
    return _login(make_consumer(), merchant)


def _paused(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign = campaign_for(merchant)
    campaign_services.campaign_pause(campaign=campaign, actor=owner_of(merchant))
    return _login(make_consumer(), merchant)


def _not_started(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign_for(merchant, starts_at=NOW + timedelta(days=3))
    return _login(make_consumer(), merchant)


def _ended(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign_for(merchant, ends_at=NOW + timedelta(days=1))
    return _login(make_consumer(), merchant, at=NOW + timedelta(days=2))


def _draft(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign_for(merchant, activate=False)
    return _login(make_consumer(), merchant)


def _no_campaign(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign_for(merchant)  # rewards logins, not likes
    return _like(make_consumer(), merchant)


def _video_not_approved(funded, campaign_for, make_consumer, ops):
    from tikjoy.tests.factories import share_rule

    merchant = funded()
    campaign = campaign_for(merchant, rules=[share_rule()])
    chloe = make_consumer()
    UgcSubmission.objects.create(
        campaign=campaign, user=chloe, file="ugc.mp4", caption="#joycoffee", submitted_at=NOW
    )
    share(chloe, merchant, campaign)
    return SocialAction.objects.get(user=chloe)


def _banned(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign_for(merchant)
    ana = make_consumer()
    user_ban(user=ana, reason="Fake accounts", actor=ops, now=NOW)
    return _login(ana, merchant)


def _reversed(funded, campaign_for, make_consumer, ops):
    merchant = funded()
    campaign_for(merchant)
    action = _login(make_consumer(), merchant)
    reward_reverse(reward_id=action.rewards.get().pk, reason="Duplicate account", actor=ops, now=NOW)
    action.refresh_from_db()
    return action


# (scenario, the reason recorded, words the merchant reads, words of the fix, the fix's console page)
SCENARIOS = [
    (_paid, Reason.PAID, "Paid €0.50", "", ""),
    (_held, Reason.HELD_FOR_REVIEW, "risk score 60", "reviews it", "console:rewards_reward_change"),
    (_earns_by_engagement, Reason.EARNS_BY_ENGAGEMENT, "engagement", "", ""),
    (
        _funds_ran_out,
        Reason.FUNDS_RAN_OUT,
        "your wallet held €0.10",
        "you need at least €0.40 more",
        "console:add_funds",
    ),
    (_budget, Reason.BUDGET_REACHED, "€0.50 of €0.50", "Raise the campaign's budget", "campaign"),
    (
        _person_cap,
        Reason.PERSON_CAP_REACHED,
        "limit per person (€0.50",
        "Raise the limit per person",
        "campaign",
    ),
    (_daily_cap, Reason.DAILY_CAP_REACHED, "€0.50 a day", "Raise the daily limit", "campaign"),
    (_rule_limit, Reason.RULE_LIMIT_REACHED, "(1)", "maximum number of rewards", "campaign"),
    (_paused, Reason.CAMPAIGN_PAUSED, "paused by your team", "Resume the campaign", "campaign"),
    (_not_started, Reason.CAMPAIGN_NOT_STARTED, "before the campaign started", "start earlier", "campaign"),
    (_ended, Reason.CAMPAIGN_ENDED, "after the campaign ended", "Extend the campaign", "campaign"),
    (_draft, Reason.CAMPAIGN_DRAFT, "still a draft", "Launch the campaign", "campaign"),
    (
        _no_campaign,
        Reason.NO_CAMPAIGN,
        "rewarded this kind of action",
        "Add a reward rule",
        "console:campaigns_campaign_changelist",
    ),
    (
        _video_not_approved,
        Reason.VIDEO_NOT_APPROVED,
        "waits for your approval",
        "Review the person's video",
        "console:campaigns_ugcsubmission_changelist",
    ),
    (_banned, Reason.BANNED, "banned this person", "write to support", ""),
    (_reversed, Reason.REVERSED, "Duplicate account", "Nothing to do", "console:rewards_reward_change"),
]


def _page(client, merchant, action):
    client.force_login(owner_of(merchant))
    ref = MerchantConsumer.objects.get(merchant=merchant, user=action.user).pk
    return client.get(reverse("console:diagnostics_consumer", kwargs={"ref": ref}))


@pytest.mark.parametrize(
    ("scenario", "code", "words", "fix", "link"), SCENARIOS, ids=[s[1] for s in SCENARIOS]
)
def test_each_outcome_the_engine_records_is_explained_with_its_fix(
    client, funded, campaign_for, make_consumer, ops, scenario, code, words, fix, link
):
    action = scenario(funded, campaign_for, make_consumer, ops)
    assert action.reason == code

    response = _page(client, action.merchant, action)

    assert response.status_code == 200
    body = html.unescape(response_text(response))
    assert f'data-reason="{code}"' in body
    assert words in body
    if fix:
        assert fix in body
    if link == "campaign":
        campaign_id = action.campaign_id or action.reason_params.get("campaign")
        assert reverse("console:campaigns_campaign_change", kwargs={"object_id": campaign_id}) in body
    elif link == "console:rewards_reward_change":
        reward = Reward.objects.get(action=action, kind="ACTION")
        assert reverse(link, kwargs={"object_id": reward.pk}) in body
    elif link:
        assert reverse(link) in body
    call_command("ledger_check")
    call_command("rewards_check")


def test_every_reason_has_words_for_both_readers_in_every_language():
    for language in ("en", "it", "de", "fr", "es"):
        with translation.override(language):
            for code in Reason.values:
                merchant = reason_explain(code, {"currency": "EUR", "price": "0.50"}, reader=Reader.MERCHANT)
                consumer = reason_explain(code, {"brand": "Joy Coffee"}, reader=Reader.CONSUMER)
                assert merchant.text and consumer.text and merchant.title


def test_the_consumer_reads_a_kind_sentence_without_the_merchants_figures(
    funded, campaign_for, make_consumer, ops
):
    action = _funds_ran_out(funded, campaign_for, make_consumer, ops)

    consumer = reason_explain(
        action.reason, {**action.reason_params, "brand": "Joy Coffee"}, reader=Reader.CONSUMER
    )

    assert consumer.text.startswith("Not paid yet: Joy Coffee's wallet is empty.")
    assert "0.10" not in consumer.text and not consumer.fix


def test_an_action_decided_before_reasons_shows_the_words_recorded_then(
    client, funded, campaign_for, make_consumer
):
    merchant = funded()
    campaign_for(merchant)
    action = _login(make_consumer(), merchant)
    SocialAction.objects.filter(pk=action.pk).update(
        reason="",
        reason_params={},
        status="INELIGIBLE",
        status_detail="No live campaign of this brand rewards this action.",
    )

    body = html.unescape(response_text(_page(client, merchant, action)))

    assert "No live campaign of this brand rewards this action." in body


# --- "Why isn't my campaign paying?" ---------------------------------------------------------------


def test_a_campaign_out_of_funds_says_so_first_with_the_top_up_it_needs(
    client, funded, campaign_for, make_consumer
):
    merchant = funded(funds="0.60")
    campaign = campaign_for(merchant)
    for _ in range(3):
        _login(make_consumer(), merchant)
    client.force_login(owner_of(merchant))

    response = client.get(reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk}))

    body = html.unescape(response_text(response))
    assert response.status_code == 200
    assert 'data-check="status" data-level="PROBLEM"' in body
    assert "Paused by TikJoy: your prepaid funds ran out." in body
    assert 'data-check="funds" data-level="PROBLEM"' in body
    assert "you need at least €0.40 more" in body
    assert 'data-reason="FUNDS_RAN_OUT"' in body and 'data-count="2"' in body
    assert 'data-reason="PAID"' in body and 'data-count="1"' in body
    assert reverse("console:add_funds") in body


def test_a_healthy_campaign_has_no_problem(client, funded, campaign_for, make_consumer):
    merchant = funded()
    campaign = campaign_for(merchant, budget=Decimal("50.00"))
    _login(make_consumer(), merchant)
    client.force_login(owner_of(merchant))

    body = html.unescape(
        response_text(
            client.get(reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk}))
        )
    )

    assert "Nothing stops it from paying right now." in body
    assert 'data-level="PROBLEM"' not in body


def test_a_limit_below_every_reward_is_a_problem(client, funded, campaign_for):
    merchant = funded()
    campaign = campaign_for(merchant, user_daily_cap=Decimal("0.20"))
    client.force_login(owner_of(merchant))

    body = html.unescape(
        response_text(
            client.get(reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk}))
        )
    )

    assert 'data-check="caps" data-level="PROBLEM"' in body
    assert "more than a person may earn" in body


def test_the_limits_per_person_are_joined_by_a_french_semicolon_in_french(client, funded, campaign_for):
    merchant = funded()
    campaign = campaign_for(merchant, user_campaign_cap=Decimal("40.00"), user_daily_cap=Decimal("10.00"))
    client.force_login(owner_of(merchant))
    url = reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk})

    french = html.unescape(response_text(client.get(url, HTTP_ACCEPT_LANGUAGE="fr")))
    english = html.unescape(response_text(client.get(url, HTTP_ACCEPT_LANGUAGE="en")))

    assert "par personne au total\xa0; 10,00\xa0€ par personne et par jour" in french, french
    assert "total;" not in french
    assert "€40.00 per person in all; €10.00 per person a day." in english


# --- search: only what the person shared with this merchant ----------------------------------------


def _shared_person(merchant, make_consumer, *, fields):
    ana = make_consumer("Ana Shared")
    ana.email, ana.phone, ana.phone_verified = "ana@example.com", "+33612345678", True
    ana.save(update_fields=["email", "phone", "phone_verified"])
    TikTokProfile.objects.create(user=ana, open_id="open-ana", username="ana.joy")
    consent_give(user=ana, merchant=merchant, fields=fields, now=NOW)
    _login(ana, merchant)
    return ana


@pytest.mark.parametrize(
    "query",
    ["ana@example.com", "ANA@Example.com", "+33 6 12 34 56 78", "0033612345678", "@ana.joy", "Ana.Joy"],
)
def test_a_person_is_found_by_what_they_shared(client, funded, campaign_for, make_consumer, query):
    merchant = funded()
    campaign_for(merchant)
    ana = _shared_person(
        merchant, make_consumer, fields=[ConsentField.EMAIL, ConsentField.PHONE, ConsentField.TIKTOK_HANDLE]
    )

    found = diagnostics.consumer_search(merchant=merchant, query=query)

    assert [f.ref for f in found] == [MerchantConsumer.objects.get(merchant=merchant, user=ana).pk]


@pytest.mark.parametrize("query", ["ana@example.com", "+33612345678", "@ana.joy"])
def test_what_a_person_did_not_share_finds_nobody(client, funded, campaign_for, make_consumer, query):
    merchant = funded()
    campaign_for(merchant)
    _shared_person(merchant, make_consumer, fields=[ConsentField.DISPLAY_NAME])
    client.force_login(owner_of(merchant))

    response = client.get(reverse("console:diagnostics"), {"q": query})

    body = html.unescape(response_text(response))
    assert 'data-result="none"' in body
    assert "Ana Shared" not in body


def test_a_withdrawn_consent_finds_nobody(funded, campaign_for, make_consumer):
    from merchants.services import consent_withdraw

    merchant = funded()
    campaign_for(merchant)
    ana = _shared_person(merchant, make_consumer, fields=[ConsentField.EMAIL])
    consent_withdraw(user=ana, merchant=merchant, now=NOW)

    assert diagnostics.consumer_search(merchant=merchant, query="ana@example.com") == []


def test_the_page_shows_only_what_the_person_shared(client, funded, campaign_for, make_consumer):
    merchant = funded()
    campaign_for(merchant)
    ana = _shared_person(merchant, make_consumer, fields=[ConsentField.TIKTOK_HANDLE])
    action = SocialAction.objects.get(user=ana)

    body = html.unescape(response_text(_page(client, merchant, action)))

    assert "@ana.joy" in body
    assert "ana@example.com" not in body and "+33612345678" not in body and "Ana Shared" not in body


# --- one merchant's pages only ----------------------------------------------------------------------


def test_another_merchants_consumer_and_campaign_are_not_found(client, funded, campaign_for, make_consumer):
    alpha, bravo = funded("alpha"), funded("bravo")
    campaign_for(alpha)
    bravo_campaign = campaign_for(bravo)
    ana = make_consumer()
    _login(ana, alpha)
    _login(ana, bravo)
    bravo_ref = MerchantConsumer.objects.get(merchant=bravo, user=ana).pk
    client.force_login(owner_of(alpha))

    consumer = client.get(reverse("console:diagnostics_consumer", kwargs={"ref": bravo_ref}))
    campaign = client.get(reverse("console:diagnostics_campaign", kwargs={"campaign_id": bravo_campaign.pk}))
    huge = client.get(f"/console/diagnostics/consumers/{10**30}/")

    assert (consumer.status_code, campaign.status_code, huge.status_code) == (404, 404, 404)


def test_every_role_may_run_diagnostics_and_a_stranger_may_not(
    client, funded, campaign_for, add_member, make_user
):
    merchant = funded()
    campaign = campaign_for(merchant)
    viewer = add_member(merchant, "viewer@joycoffee.example", Role.VIEWER)
    client.force_login(viewer)
    assert (
        client.get(reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk})).status_code
        == 200
    )

    client.force_login(make_user("stranger@example.com"))
    response = client.get(reverse("console:diagnostics"))
    assert response.status_code == 302


def test_the_campaign_page_reads_a_bounded_number_of_rows(
    client, funded, campaign_for, make_consumer, django_assert_max_num_queries
):
    merchant = funded()
    campaign = campaign_for(merchant)
    for _ in range(5):
        _login(make_consumer(), merchant)
    client.force_login(owner_of(merchant))
    url = reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk})
    client.get(url)

    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200


def test_a_consumer_claiming_a_like_reads_the_kind_version_of_the_reason(funded, campaign_for, make_consumer):
    from rewards.services import action_claim

    merchant = funded()
    campaign_for(merchant)  # rewards logins only

    outcome = action_claim(
        user=make_consumer(), merchant=merchant, action_type=ActionType.LIKE, now=NOW, has_tiktok_account=True
    )

    assert outcome.message == "Thanks! Not paid: Joy Coffee had no campaign running for this."
    assert "your campaigns" not in outcome.message


def test_the_diagnostics_page_speaks_the_readers_language(client, funded, campaign_for):
    merchant = funded()
    campaign = campaign_for(merchant)
    client.force_login(owner_of(merchant))

    index = client.get(reverse("console:diagnostics"), HTTP_ACCEPT_LANGUAGE="it")
    page = client.get(
        reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk}),
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert "Perché la mia campagna non paga?" in html.unescape(response_text(index))
    assert "Checkliste" in response_text(page)
    assert "Im Moment hindert sie nichts am Zahlen." in response_text(page)


# --- a person who shared but has done nothing yet ------------------------------------------------


def _owner_reading(merchant, language):
    owner = owner_of(merchant)
    owner.language = language
    owner.save(update_fields=["language"])
    return owner


@pytest.mark.parametrize(
    ("language", "query", "words"),
    [
        ("de", "Hana", "teilt Daten mit Ihrer Marke, hat aber noch nichts getan, wofür eine Kampagne zahlt."),
        (
            "fr",
            "+4915112340007",
            "partage ses données avec votre marque mais n\u2019a encore rien fait qu\u2019une campagne rémunère.",
        ),
        (
            "en",
            "hana consumer",
            "shares their data with your brand but has not done anything a campaign pays for yet.",
        ),
    ],
)
def test_a_person_who_shares_their_data_but_did_nothing_yet_is_found_and_told_so(
    client, funded, campaign_for, make_consumer, language, query, words
):
    merchant = funded()
    campaign_for(merchant)
    hana = make_consumer("Hana Consumer")
    hana.phone, hana.phone_verified = "+4915112340007", True
    hana.save(update_fields=["phone", "phone_verified"])
    consent_give(
        user=hana, merchant=merchant, fields=[ConsentField.DISPLAY_NAME, ConsentField.PHONE], now=NOW
    )
    client.force_login(_owner_reading(merchant, language))

    body = html.unescape(response_text(client.get(reverse("console:diagnostics"), {"q": query})))

    assert f"Hana Consumer {words}" in body
    assert 'data-result="none"' not in body
    assert "/console/diagnostics/consumers/" not in body


def test_a_person_who_acted_is_linked_to_their_page_and_one_who_did_not_is_told_apart(
    client, funded, campaign_for, make_consumer
):
    merchant = funded()
    campaign_for(merchant)
    ana = _shared_person(merchant, make_consumer, fields=[ConsentField.DISPLAY_NAME])
    hana = make_consumer("Hana Shared")
    consent_give(user=hana, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=NOW)
    client.force_login(owner_of(merchant))

    body = html.unescape(response_text(client.get(reverse("console:diagnostics"), {"q": "Shared"})))

    ref = MerchantConsumer.objects.get(merchant=merchant, user=ana).pk
    assert f'<a href="/console/diagnostics/consumers/{ref}/">Ana Shared</a>' in body
    assert "Hana Shared shares their data with your brand but has not done anything" in body
    assert "Ana Shared shares their data" not in body


def test_the_french_title_of_a_persons_page_says_no_he_or_she(client, funded, campaign_for, make_consumer):
    merchant = funded()
    campaign_for(merchant)
    ana = _shared_person(merchant, make_consumer, fields=[ConsentField.DISPLAY_NAME])
    _owner_reading(merchant, "fr")

    body = html.unescape(response_text(_page(client, merchant, SocialAction.objects.get(user=ana))))

    assert "Pourquoi aucune récompense pour Ana Shared\xa0?" in body
    assert "n\u2019a-t-il" not in body and "n\u2019a-t-elle" not in body


def test_the_german_heading_of_a_persons_actions_is_theirs_not_the_merchants(
    client, funded, campaign_for, make_consumer
):
    merchant = funded()
    campaign_for(merchant)
    ana = _shared_person(merchant, make_consumer, fields=[ConsentField.DISPLAY_NAME])
    _owner_reading(merchant, "de")

    body = html.unescape(response_text(_page(client, merchant, SocialAction.objects.get(user=ana))))

    assert "Letzte Aktion der Person" in body
    assert "Ihre letzte" not in body


def test_an_ended_campaign_is_finalizada_in_spanish_on_its_diagnostics_page_as_in_the_list(
    client, funded, campaign_for
):
    merchant = funded()
    campaign = campaign_services.campaign_end(campaign=campaign_for(merchant), actor=owner_of(merchant))
    client.force_login(_owner_reading(merchant, "es"))

    body = html.unescape(
        response_text(
            client.get(reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk}))
        )
    )

    assert "Finalizada: ya no paga nada." in body
    assert "Terminada" not in body


@pytest.mark.parametrize(("language", "typed"), [("it", "Test Doppelzählung"), ("es", "Test")])
def test_a_reversed_reward_keeps_the_reason_as_typed_and_claims_nothing_about_its_conditions(language, typed):
    with translation.override(language):
        typed_by_hand = reason_explain(Reason.REVERSED, {"reason": typed}, reader=Reader.MERCHANT)
        by_engine = reason_explain(
            Reason.REVERSED, {"reason": REWARD_REASON_POST_GONE}, reader=Reader.MERCHANT
        )

    assert typed_by_hand.text.endswith(f": {typed}")  # as the person typed it, capital kept
    assert (
        typed_by_hand.fix
        == by_engine.fix
        == {"it": "Non deve fare nulla.", "es": "No tiene que hacer nada."}[language]
    )
    assert by_engine.text != typed_by_hand.text
