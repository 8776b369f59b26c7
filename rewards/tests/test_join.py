import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merchants.services import consent_give
from rewards.models import Reward, RewardStatus, SocialAction
from rewards.tests.conftest import NOW, eur
from wallets.models import Purpose
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db


def test_joining_a_brand_after_tiktok_sign_in_pays_the_login_reward_once(
    client, make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant()
    make_campaign(merchant)
    ana = make_consumer("Ana")
    SocialAccount.objects.create(user=ana, provider="tiktok", uid="ana-open-id")
    consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(ana)

    first = client.get(f"/b/{merchant.slug}/join/")
    again = client.get(f"/b/{merchant.slug}/join/")

    assert first.status_code == again.status_code == 302
    action = SocialAction.objects.get(user=ana)
    assert action.action_type == "TIKTOK_LOGIN"
    assert len(action.device_id) == 32  # the tj_device cookie set on the first visit
    assert Reward.objects.get(user=ana).status == RewardStatus.PENDING
    assert balance(account_for(owner=ana, purpose=Purpose.USER_PENDING, currency="EUR")) == eur("0.40")


def test_joining_reads_how_the_person_signs_in_once(client, make_merchant, make_campaign, make_consumer):
    merchant = make_merchant()
    make_campaign(merchant)
    ana = make_consumer("Ana")
    SocialAccount.objects.create(user=ana, provider="tiktok", uid="ana-open-id")
    consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(ana)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/b/{merchant.slug}/join/").status_code == 302

    assert SocialAction.objects.get(user=ana).action_type == "TIKTOK_LOGIN"
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "socialaccount_socialaccount"' in q["sql"]]
    assert len(reads) == 1, reads
