"""Campaign data for ``merchants/tests/test_tenant_isolation.py``: one of each console object per merchant."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.services import user_ensure_with_email
from campaigns import services
from campaigns.models import ActionType, UgcPolicy, UgcStatus, UgcSubmission


def populate_campaigns(*, merchant, owner, label: str, domain: str) -> None:
    now = timezone.now()
    campaign = services.campaign_create(
        merchant=merchant,
        actor=owner,
        values={
            "name": f"{label} Secret Campaign",
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=30),
            "hashtag": f"{label.lower()}secret",
            "ugc_policy": UgcPolicy.ALL_USERS,
        },
        rules=[
            {"action": ActionType.TIKTOK_LOGIN, "is_enabled": True, "amount": Decimal("1.00")},
            {
                "action": ActionType.SHARE_VIDEO,
                "is_enabled": True,
                "amount": Decimal("2.00"),
                "per_1000_views": Decimal("0.25"),
            },
        ],
    )
    services.campaign_activate(campaign=campaign, actor=owner, now=now)
    services.video_add(
        merchant=merchant,
        actor=owner,
        title=f"{label} Secret Video",
        caption=f"Avenue {label} caption",
        tiktok_url="https://www.tiktok.com/@demo/video/7000000000000000001",
    )
    consumer = user_ensure_with_email(email=f"fan@{domain}", password="a-long-pass-phrase-42")[0]
    UgcSubmission.objects.create(
        campaign=campaign,
        user=consumer,
        file="campaigns/ugc/test.mp4",
        caption=f"{label} Secret UGC caption",
        status=UgcStatus.SUBMITTED,
        submitted_at=now,
    )
