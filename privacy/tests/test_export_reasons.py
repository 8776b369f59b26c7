"""A consumer's data export explains each action in the consumer's words: never the merchant's figures."""

import pytest

from privacy.export import export_sections
from rewards.models import SocialAction
from support.tests.test_diagnostics import _funds_ran_out, campaign_for, funded  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_export_does_not_show_the_merchants_wallet(funded, campaign_for, make_consumer, ops):  # noqa: F811
    action = SocialAction.objects.get(pk=_funds_ran_out(funded, campaign_for, make_consumer, ops).pk)
    assert "your wallet held" in action.status_detail  # the merchant's sentence, with its balance

    details = [row["detail"] for row in export_sections(user=action.user)["social_actions"]]

    assert details == [
        f"Not paid yet: {action.merchant.brand_name}'s wallet is empty. It is paid if they add funds within a "
        "few days."
    ]
