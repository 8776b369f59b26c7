"""The demo subscription for ``seed_demo``: a person subscribed to JoyPlus, paid from their
available balance (earned by the engine in ``rewards.demo.demo_subscriber_seed``). Idempotent:
a person who already has JoyPlus is left as they are."""

from __future__ import annotations

from datetime import datetime

from accounts.models import User
from subscriptions.models import Plan, Subscription, SubscriptionStatus
from subscriptions.services import subscription_start


def demo_subscription_seed(*, person: User, now: datetime) -> str:
    plan = Plan.objects.get(code="joyplus")
    running = Subscription.objects.filter(user=person, plan=plan, status=SubscriptionStatus.ACTIVE).first()
    if running is None:
        running = subscription_start(user=person, plan_id=plan.pk, terms_accepted=True, now=now)
    return f"{person}: {plan.name} from the available balance, renews on {running.period_end:%Y-%m-%d}"
