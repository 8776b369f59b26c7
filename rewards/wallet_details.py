"""The merchant console's wallet lines of rewards in words (``merchants.selectors.wallet_lines``).

A reward's ledger transaction keeps an English ``reason`` as recorded data; the console shows
instead what the reward is, written now in the reader's language: the action (its type's label),
the campaign's name in that language, the touchpoint the person came through, and for a reversal
why. A reason an operator typed is shown as written; the engine's own reasons are its codes'
labels.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import get_language, gettext, pgettext

from campaigns.models import ActionType
from merchants.selectors import subject_ids, wallet_details_register
from rewards.models import Reward, RewardKind
from rewards.reasons import NOT_PAID, REWARD_REASON_REJECTED, Reason
from rewards.services import HOLD_KIND, REVERSAL_KIND, REWARD_KIND
from wallets.models import Transaction

# Reasons the engine records in English when nobody typed one: said by their code's label.
_ENGINE_REASONS = {REWARD_REASON_REJECTED: Reason.REJECTED_AFTER_REVIEW}


def _why_reversed(reward: Reward) -> str:
    if reward.decided_by_id is not None and reward.reason and reward.reason not in _ENGINE_REASONS:
        return reward.reason  # typed by ops: shown as written
    code = _ENGINE_REASONS.get(reward.reason) or reward.action.reason
    if code in NOT_PAID:
        return str(Reason(code).label)
    return pgettext("reward", "reversed")


def reward_wallet_details(transactions: Sequence[Transaction]) -> dict[int, str]:
    rows = subject_ids(transactions, Reward)
    rewards = (
        Reward.objects.filter(pk__in=rows)
        .select_related("action", "action__touchpoint", "campaign")
        .prefetch_related("campaign__texts")
    )
    language = get_language()
    details = {}
    for reward in rewards:
        what = (
            gettext("Engagement on a shared post")
            if reward.kind == RewardKind.ENGAGEMENT
            else str(ActionType(reward.action_type).label)
        )
        parts = [what, reward.campaign.name_in(language)]
        if reward.action.touchpoint is not None:
            parts.append(reward.action.touchpoint.display_name)
        for txn in rows[reward.pk]:
            extra = []
            if txn.kind == HOLD_KIND:
                extra = [gettext("held for review")]
            elif txn.kind == REVERSAL_KIND:
                extra = [_why_reversed(reward)]
            details[txn.pk] = " · ".join([*parts, *extra])
    return details


wallet_details_register(kinds=[REWARD_KIND, HOLD_KIND, REVERSAL_KIND], describe=reward_wallet_details)
