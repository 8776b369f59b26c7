"""The API's representations (for the OpenAPI document) and the functions that build them.

Ids are typed strings (``cmp_12``, ``rwd_34``); money is a decimal string with its currency.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext
from rest_framework import serializers

from api.base import typed_id
from campaigns.models import REPORTED_ACTIONS, ActionType, Campaign, CampaignStatus, PauseReason, RewardRule
from merchants.consumer_ids import REF_PATTERN, consumer_ref
from merchants.models import ConsentField
from rewards.models import ActionStatus, Reward, RewardKind, RewardStatus, SocialAction
from rewards.reasons import Reason
from webhooks.models import EventType, WebhookEndpoint
from webhooks.payloads import reward_payload


def _dt(value):
    return value.isoformat() if value else None


def _dec(value):
    return None if value is None else str(value)


class RuleOut(serializers.Serializer):
    id = serializers.CharField()
    action = serializers.ChoiceField(choices=ActionType.choices)
    is_enabled = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    per_1000_views = serializers.DecimalField(max_digits=12, decimal_places=4)
    per_like = serializers.DecimalField(max_digits=12, decimal_places=4)
    per_comment = serializers.DecimalField(max_digits=12, decimal_places=4)
    per_share = serializers.DecimalField(max_digits=12, decimal_places=4)
    max_per_post = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    max_rewards = serializers.IntegerField(allow_null=True)
    rewards_paid = serializers.IntegerField()


class CampaignOut(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=CampaignStatus.choices)
    pause_reason = serializers.ChoiceField(choices=[("", ""), *PauseReason.choices])
    currency = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    spent = serializers.DecimalField(max_digits=14, decimal_places=2)
    hashtag = serializers.CharField(allow_blank=True)
    mention = serializers.CharField(allow_blank=True)
    hold_days = serializers.IntegerField()
    rules = RuleOut(many=True)


def rule_data(rule: RewardRule) -> dict:
    return {
        "id": typed_id("rul", rule.pk),
        "action": rule.action,
        "is_enabled": rule.is_enabled,
        "amount": _dec(rule.amount),
        "per_1000_views": _dec(rule.per_1000_views),
        "per_like": _dec(rule.per_like),
        "per_comment": _dec(rule.per_comment),
        "per_share": _dec(rule.per_share),
        "max_per_post": _dec(rule.max_per_post),
        "max_rewards": rule.max_rewards,
        "rewards_paid": rule.rewards_paid,
    }


def campaign_data(campaign: Campaign) -> dict:
    return {
        "id": typed_id("cmp", campaign.pk),
        "name": campaign.name,
        "status": campaign.status,
        "pause_reason": campaign.pause_reason,
        "currency": campaign.currency,
        "starts_at": _dt(campaign.starts_at),
        "ends_at": _dt(campaign.ends_at),
        "budget": _dec(campaign.budget),
        "spent": _dec(campaign.spent),
        "hashtag": campaign.hashtag,
        "mention": campaign.mention,
        "hold_days": campaign.hold_days,
        "rules": [rule_data(rule) for rule in sorted(campaign.rules.all(), key=lambda r: r.pk)],
    }


class RewardOut(serializers.Serializer):
    id = serializers.CharField()
    campaign = serializers.CharField()
    action_type = serializers.ChoiceField(choices=ActionType.choices)
    kind = serializers.ChoiceField(choices=RewardKind.choices)
    status = serializers.ChoiceField(choices=RewardStatus.choices)
    currency = serializers.CharField()
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="What the merchant pays (the consumer's share and the fee).",
    )
    reason = serializers.CharField(allow_blank=True, help_text="Why it was held or reversed.")
    created_at = serializers.DateTimeField()
    available_at = serializers.DateTimeField(help_text="When the hold period ends.")
    decided_at = serializers.DateTimeField(allow_null=True)


def reward_data(reward: Reward) -> dict:
    """A reward read through ``api.views._rewards`` (``Reward.action_type`` is its action's type)."""
    return reward_payload(reward, action_type=reward.action_type)


class ReverseIn(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text="Why, in words: the consumer sees it.", trim_whitespace=True
    )


class ConsumerDataOut(serializers.Serializer):
    DISPLAY_NAME = serializers.CharField(required=False)
    TIKTOK_HANDLE = serializers.CharField(required=False)
    PHONE = serializers.CharField(required=False)
    EMAIL = serializers.CharField(required=False)


class ConsumerOut(serializers.Serializer):
    id = serializers.CharField()
    consented_at = serializers.DateTimeField()
    data = ConsumerDataOut(help_text="Only the fields this person agreed to share with you.")


CONSENT_KEYS = list(ConsentField.values)


class MoneyOut(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()


class WalletOut(serializers.Serializer):
    balance = MoneyOut(help_text="Available funds in the merchant's currency.")
    balances = MoneyOut(many=True, help_text="That one first, then any other currency held.")


class WalletEntryOut(serializers.Serializer):
    id = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Signed: + in, - out.")
    currency = serializers.CharField()
    kind = serializers.CharField(help_text="TOP_UP, REWARD, REWARD_REVERSAL...")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class TopUpOut(serializers.Serializer):
    account_holder = serializers.CharField()
    iban = serializers.CharField()
    bic = serializers.CharField()
    bank_name = serializers.CharField()
    currency = serializers.CharField()
    payment_reference = serializers.CharField(
        help_text="Put it on the transfer: it says which wallet to credit."
    )


class EndpointOut(serializers.Serializer):
    id = serializers.CharField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))
    description = serializers.CharField(allow_blank=True)
    is_active = serializers.BooleanField()
    disabled_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class EndpointCreatedOut(EndpointOut):
    secret = serializers.CharField(
        allow_null=True,
        help_text=(
            "whsec_...: shown only in this response. Verify signatures with it. null when the request is "
            "replayed with its Idempotency-Key (Idempotent-Replayed: true): the secret is never stored "
            "with the answer."
        ),
    )


class EndpointIn(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        min_length=1,
        max_length=len(EventType.values),
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def endpoint_data(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> dict:
    data = {
        "id": typed_id("whe", endpoint.pk),
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "is_active": endpoint.is_active,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": _dt(endpoint.created_at),
    }
    if with_secret:
        data["secret"] = endpoint.secret
    return data


class OfferRuleOut(serializers.Serializer):
    action = serializers.ChoiceField(choices=ActionType.choices)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="What a new customer earns for the action (before engagement), as the brand page shows it.",
    )
    returning_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="What a returning customer earns for it."
    )


class OfferCampaignOut(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()
    ends_at = serializers.DateTimeField(allow_null=True)
    rules = OfferRuleOut(many=True)


class OfferOut(serializers.Serializer):
    brand_name = serializers.CharField()
    brand_page = serializers.CharField(help_text="The brand page's path, e.g. /b/acme/.")
    campaigns = OfferCampaignOut(many=True)


def page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    return type(
        name,
        (serializers.Serializer,),
        {
            "data": item(many=True),
            "next_cursor": serializers.CharField(
                allow_null=True, help_text="Pass it as ?cursor= for the next page; null on the last."
            ),
        },
    )


class ActionIn(serializers.Serializer):
    """An action the merchant's own systems saw: a purchase or a sign-up in their shop."""

    type = serializers.ChoiceField(choices=[(a.value, a.label) for a in REPORTED_ACTIONS])
    consumer = serializers.RegexField(
        REF_PATTERN,
        help_text="The person's id as you know them (con_...), from GET /api/v1/consumers or the "
        "consumer.joined webhook. They must have joined the brand.",
    )
    event_id = serializers.CharField(
        max_length=100,
        help_text="Your own id of the event (e.g. the order number): each counts once.",
    )
    occurred_at = serializers.DateTimeField(
        required=False, help_text="When it happened (default: now); at most 30 days ago."
    )


_REPORTED_TYPES = frozenset(a.value for a in REPORTED_ACTIONS)
_CONSUMER_ID = re.compile(REF_PATTERN)


def action_in(data) -> dict:
    """``ActionIn``'s validated data. The usual body (the type, the consumer and the event id as plain
    strings, no ``occurred_at``) is checked here and gives what the serializer would (the event id
    stripped); any other body, valid or not, goes through ``ActionIn`` itself, so every refusal is
    the serializer's (``ValidationError``: a 400 with its messages). Building and running the
    serializer's fields was about 600 Python calls of every reported action (docs/benchmarks.md)."""
    if isinstance(data, dict) and "occurred_at" not in data:
        kind, consumer, event_id = data.get("type"), data.get("consumer"), data.get("event_id")
        if (
            type(kind) is str
            and kind in _REPORTED_TYPES
            and type(consumer) is str
            and _CONSUMER_ID.fullmatch(consumer)
            and type(event_id) is str
        ):
            event_id = event_id.strip()
            if 0 < len(event_id) <= 100 and event_id.isprintable():
                return {"type": kind, "consumer": consumer, "event_id": event_id}
    body = ActionIn(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


class ActionOut(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.ChoiceField(choices=ActionType.choices)
    consumer = serializers.CharField()
    event_id = serializers.CharField()
    status = serializers.ChoiceField(
        choices=ActionStatus.choices,
        help_text="REWARDED (pending) or HELD when paid; INELIGIBLE or UNFUNDED with detail saying why.",
    )
    detail = serializers.CharField(allow_blank=True)
    reason = serializers.ChoiceField(
        choices=Reason.choices,
        allow_blank=True,
        help_text="Why the engine decided so, as a stable code (see docs/rewards.md, reason codes); "
        "empty for an action decided before codes were recorded.",
    )
    reward = serializers.CharField(allow_null=True, help_text="The reward it earned (rwd_...), if any.")
    occurred_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


def action_data(action: SocialAction, *, reward_id: int | None) -> dict:
    return {
        "id": typed_id("act", action.pk),
        "type": action.action_type,
        "consumer": consumer_ref(merchant_id=action.merchant_id, user_id=action.user_id),
        "event_id": action.key.split(":", 2)[2],
        "status": action.status,
        "detail": action.status_detail,
        "reason": action.reason,
        "reward": typed_id("rwd", reward_id) if reward_id else None,
        "occurred_at": _dt(action.occurred_at),
        "created_at": _dt(action.created_at),
    }


CampaignPage = page_of(CampaignOut, "CampaignPage")
RewardPage = page_of(RewardOut, "RewardPage")
ConsumerPage = page_of(ConsumerOut, "ConsumerPage")
WalletEntryPage = page_of(WalletEntryOut, "WalletEntryPage")
EndpointPage = page_of(EndpointOut, "EndpointPage")


RULE_DEFAULTS = {
    "is_enabled": True,
    "amount": Decimal("0.00"),
    "per_1000_views": Decimal("0"),
    "per_like": Decimal("0"),
    "per_comment": Decimal("0"),
    "per_share": Decimal("0"),
    "max_per_post": None,
    "max_rewards": None,
}


class RuleIn(serializers.Serializer):
    """A rule, whole: fields left out take their defaults (a rule sent in an update replaces that action's rule)."""

    action = serializers.ChoiceField(choices=ActionType.choices)
    is_enabled = serializers.BooleanField(default=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=Decimal("0.00"))
    per_1000_views = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=0, default=Decimal("0")
    )
    per_like = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0, default=Decimal("0"))
    per_comment = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0, default=Decimal("0"))
    per_share = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0, default=Decimal("0"))
    max_per_post = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, allow_null=True, default=None
    )
    max_rewards = serializers.IntegerField(
        min_value=0, max_value=2_000_000_000, allow_null=True, default=None
    )


class CampaignIn(serializers.Serializer):
    """A new campaign (a draft: activate it to go live) or, with PATCH, the fields to change."""

    name = serializers.CharField(max_length=120)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True, required=False)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, required=False)
    hashtag = serializers.CharField(max_length=100, allow_blank=True, required=False)
    mention = serializers.CharField(max_length=100, allow_blank=True, required=False)
    hold_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    rules = RuleIn(many=True, required=False, max_length=len(ActionType.values))

    def validate_rules(self, rules):
        actions = [rule["action"] for rule in rules]
        if len(set(actions)) != len(actions):
            raise serializers.ValidationError(gettext("Only one rule per action."))
        return rules
