import re
from decimal import Decimal

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.utils import timezone

from accounts.models import User
from campaigns.models import ActionType
from merchants.services import consent_give
from rewards.models import Reward, RewardStatus, SocialAction
from rewards.services import action_record
from rewards.tests.conftest import NOW, login_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_consumer(make_consumer):
    """A consumer who signed in with TikTok: likes and comments are claimed with a TikTok account."""

    def make(name=None):
        person = make_consumer(name)
        SocialAccount.objects.create(user=person, provider="tiktok", uid=f"open-{person.pk}", extra_data={})
        return person

    return make


@pytest.fixture
def whatsapp_only(db):
    return User.objects.create_user(phone="+491701112223", phone_verified=True, display_name="Wanda")


@pytest.fixture
def brand(make_merchant, make_campaign):
    merchant = make_merchant()
    make_campaign(
        merchant,
        rules=[login_rule(), {"action": "LIKE", "is_enabled": True, "amount": Decimal("0.05")}],
    )
    return merchant


def test_a_consumer_who_joined_claims_a_like_and_sees_it_pending(client, brand, make_consumer):
    ana = make_consumer("Ana")
    consent_give(user=ana, merchant=brand, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(ana)

    page = client.get(f"/b/{brand.slug}/").content.decode()
    response = client.post(f"/b/{brand.slug}/claim/like/", follow=True)
    again = client.post(f"/b/{brand.slug}/claim/like/", follow=True)

    assert "I liked a post" in page
    assert "Thanks! Your reward of €0.04 for that like is pending in your wallet until " in (
        response.content.decode()
    )
    assert Reward.objects.get(user=ana).status == RewardStatus.PENDING
    assert Reward.objects.get(user=ana).merchant_price == Decimal("0.05")
    assert again.status_code == 200
    assert SocialAction.objects.filter(user=ana).count() == 1


@pytest.mark.parametrize(
    ("language", "told"),
    [
        ("de", "Danke! Deine Prämie von 0,04\xa0€ für dieses Like ist bis "),
        (
            "fr",
            "Merci\xa0! Votre récompense de 0,04\xa0€ pour ce j\u2019aime est en attente dans votre portefeuille jusqu\u2019au ",
        ),
        ("it", "Grazie! Il tuo premio di 0,04\xa0€ per quel like è in attesa nel tuo portafoglio fino al "),
        (
            "es",
            "¡Gracias! Tu recompensa de 0,04\xa0€ por ese me gusta está pendiente en tu monedero hasta el ",
        ),
    ],
)
def test_a_consumer_is_told_what_became_of_a_claim_in_their_language(
    client, brand, make_consumer, language, told
):
    """The outcome was English whatever the page's language, its amount "€ 0.04" (py-moneyed's own
    format) where the wallet beside it wrote "0,04 €"."""
    ana = make_consumer("Ana")
    consent_give(user=ana, merchant=brand, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(ana)

    page = client.post(f"/b/{brand.slug}/claim/like/", follow=True, HTTP_ACCEPT_LANGUAGE=language)

    text = page.content.decode()
    assert told in text, text[text.find("messages") : text.find("messages") + 400]
    assert "Your reward" not in text and "€\xa00.04" not in text


def test_once_a_like_is_claimed_the_brand_page_offers_it_no_more(client, brand, make_consumer):
    """The engine counts one like per person and brand: the page says it was counted, with no amount
    and no button, to her (twice: built, then kept); another person is still offered it."""
    ana, ben = make_consumer("Ana"), make_consumer("Ben")
    for person in (ana, ben):
        consent_give(user=person, merchant=brand, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(ana)
    client.post(f"/b/{brand.slug}/claim/like/")

    for _ in range(2):
        page = client.get(f"/b/{brand.slug}/").content.decode()
        like = re.search(r'<li class="offer" data-action="LIKE">(.*?)</li>', page, re.S).group(1)
        assert 'data-testid="claim-counted"' in like
        assert "Already counted for you: Acme rewards one like per person" in like
        assert "€" not in like and "I liked a post" not in like

    anonymous = Client().get(f"/b/{brand.slug}/").content.decode()
    assert "Held as pending: it can't be checked per person" in anonymous  # told to everyone else

    client.force_login(ben)
    like = re.search(
        r'<li class="offer" data-action="LIKE">(.*?)</li>',
        client.get(f"/b/{brand.slug}/").content.decode(),
        re.S,
    ).group(1)
    assert "I liked a post" in like and "€" in like and "claim-counted" not in like


def test_claiming_a_like_again_says_nothing_new_was_paid_and_what_became_of_the_first(
    client, brand, make_consumer
):
    ana = make_consumer("Ana")
    consent_give(user=ana, merchant=brand, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(ana)
    client.post(f"/b/{brand.slug}/claim/like/")

    again = client.post(f"/b/{brand.slug}/claim/like/", follow=True).content.decode()

    assert "pending in your wallet." not in again.split("Nothing new was paid")[0]
    assert (
        "Nothing new was paid: Acme rewards one like per person, and you told us about yours on "
    ) in again
    assert "Your reward of €0.04 for that like is pending in your wallet until" in again
    assert Reward.objects.filter(user=ana).count() == 1


def test_a_like_over_the_daily_limit_says_so(client, make_merchant, make_campaign, make_consumer):
    merchant = make_merchant()
    make_campaign(
        merchant,
        rules=[login_rule(), {"action": "LIKE", "is_enabled": True, "amount": Decimal("0.05")}],
        user_daily_cap=Decimal("0.50"),
    )
    ana = make_consumer("Ana")
    consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(ana)
    action_record(  # the login reward fills the day
        user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=timezone.now()
    )

    first = client.post(f"/b/{merchant.slug}/claim/like/", follow=True).content.decode()
    again = client.post(f"/b/{merchant.slug}/claim/like/", follow=True).content.decode()

    assert (
        "Thanks! Nothing was paid for that like: you had reached the campaign&#x27;s daily limit that day."
        in first
    )
    assert "Nothing new was paid: Acme rewards one like per person" in again
    assert "you had reached the campaign&#x27;s daily limit that day." in again
    assert Reward.objects.filter(user=ana).count() == 1


def test_claiming_without_joining_sends_the_consumer_to_the_consent_page(client, brand, make_consumer):
    client.force_login(make_consumer())

    response = client.post(f"/b/{brand.slug}/claim/like/")

    assert response.status_code == 302
    assert response["Location"] == f"/b/{brand.slug}/join/"
    assert not SocialAction.objects.exists()


def test_claims_need_a_post_a_known_action_and_a_signed_in_person(client, brand, make_consumer):
    assert client.post(f"/b/{brand.slug}/claim/like/")["Location"].startswith("/accounts/login/")
    client.force_login(make_consumer())
    assert client.get(f"/b/{brand.slug}/claim/like/").status_code == 405
    assert client.post(f"/b/{brand.slug}/claim/follow/").status_code == 404
    assert client.post("/b/no-such-brand/claim/like/").status_code == 404


def test_claiming_again_after_the_reward_was_reversed_says_so_with_its_reason(
    client, brand, make_consumer, ops
):
    from rewards.services import reward_reverse

    ana = make_consumer("Ana")
    consent_give(user=ana, merchant=brand, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(ana)
    client.post(f"/b/{brand.slug}/claim/like/")
    reward_reverse(
        reward_id=Reward.objects.get(user=ana).pk,
        reason="The like was gone when we looked",
        actor=ops,
        now=NOW,
    )

    again = client.post(f"/b/{brand.slug}/claim/like/", follow=True).content.decode()

    assert "Your reward for that like was reversed: The like was gone when we looked" in again


@pytest.mark.parametrize("signed_in_with", ["whatsapp", "email"])
def test_a_person_without_tiktok_is_asked_to_connect_it_and_nothing_is_paid(
    client, brand, whatsapp_only, signed_in_with
):
    person = whatsapp_only
    if signed_in_with == "email":
        person = User.objects.create_user(email="farm4@example.com", password="s3cret-pass-word")
    consent_give(user=person, merchant=brand, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(person)

    page = client.get(f"/b/{brand.slug}/").content.decode()
    told = client.post(f"/b/{brand.slug}/claim/like/", follow=True).content.decode()
    comment = client.post(f"/b/{brand.slug}/claim/comment/", follow=True).content.decode()

    assert "I liked a post" not in page and "I commented on a post" not in page
    assert "connect your TikTok account</a> to claim yours" in page
    connect = "Connect your TikTok account first: likes and comments are made on TikTok"
    assert connect in told and connect in comment
    assert not SocialAction.objects.filter(user=person).exists()
    assert not Reward.objects.filter(user=person).exists()


def test_once_tiktok_is_connected_the_claim_is_offered_and_paid(client, brand, whatsapp_only):
    consent_give(user=whatsapp_only, merchant=brand, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(whatsapp_only)
    assert "I liked a post" not in client.get(f"/b/{brand.slug}/").content.decode()

    SocialAccount.objects.create(user=whatsapp_only, provider="tiktok", uid="open-wanda", extra_data={})
    page = client.get(f"/b/{brand.slug}/").content.decode()
    told = client.post(f"/b/{brand.slug}/claim/like/", follow=True).content.decode()

    assert "I liked a post" in page  # the kept page varies on it: not the one without TikTok
    assert "Thanks! Your reward of €0.04 for that like is pending" in told
    assert Reward.objects.get(user=whatsapp_only, action_type=ActionType.LIKE).status == RewardStatus.PENDING


def test_a_person_without_tiktok_is_told_their_share_is_found_on_tiktok(
    client, make_merchant, make_campaign, whatsapp_only
):
    """Walk finding: the like and comment offers told a WhatsApp-only person to connect TikTok, the
    share offer (found on their TikTok's videos) did not."""
    merchant = make_merchant("sharing")
    make_campaign(merchant)  # pays the sign-in and a share of the brand's video
    consent_give(user=whatsapp_only, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(whatsapp_only)
    hint = "We find your post on your TikTok: <a"

    without = client.get(f"/b/{merchant.slug}/").content.decode()
    SocialAccount.objects.create(user=whatsapp_only, provider="tiktok", uid="open-wanda-2", extra_data={})
    connected = client.get(f"/b/{merchant.slug}/").content.decode()

    assert 'data-action="SHARE_VIDEO"' in without and hint in without
    assert "connect your TikTok account</a> to be paid for it." in without
    assert 'data-action="SHARE_VIDEO"' in connected and hint not in connected
