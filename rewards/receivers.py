"""What the engine does when the apps below it report a change (connected in ``RewardsConfig.ready``).

Each receiver runs inside the sender's transaction. Most only queue a task after the commit
(``core.tasks.after_commit``), so nothing happens if the change rolls back. The task is given the
moment of the change (``at``): the engine decides as of when the money arrived or the campaign
went live, as it would have had it run at once. New engagement snapshots are counted in the
campaigns' days at once, in the snapshots' transaction (a figure that must never miss one).
"""

from __future__ import annotations

from datetime import datetime

from core.tasks import after_commit
from rewards.services import post_engagement_days_add


def on_top_up_credited(*, merchant, now: datetime, **kwargs) -> None:
    """Funds arrived: resume campaigns paused because funds ran out, then pay the actions refused meanwhile."""
    after_commit("rewards.tasks.funds_arrived", merchant_id=merchant.pk, at=now.isoformat())


def on_campaign_went_live(*, campaign, now: datetime | None = None, **kwargs) -> None:
    """A campaign went live (or live again): pay the actions refused for lack of money, tell who waited."""
    after_commit(
        "rewards.tasks.campaign_went_live", campaign_id=campaign.pk, at=now.isoformat() if now else None
    )


def on_engagement_gained(*, gains, **kwargs) -> None:
    """Snapshots were written: count what they gained in the days of their posts' shares."""
    post_engagement_days_add(gains=gains)
