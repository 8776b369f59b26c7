"""The consumer's wallet: ``/wallet/`` (server-rendered) and ``/wallet/summary.json`` (the widget's data)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from rewards import selectors
from rewards.models import RewardStatus
from rewards.notices import notice_channel_for
from wallets.formats import money_text

HISTORY_PAGE_SIZE = 20


class _CountedPaginator(Paginator):
    """A paginator told how many objects there are (the wallet counted them already)."""

    def __init__(self, object_list, per_page, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    figures = selectors.wallet_reward_figures(user=user)
    page = _CountedPaginator(
        selectors.wallet_history(user=user), HISTORY_PAGE_SIZE, count=figures.total
    ).get_page(request.GET.get("page"))
    history = [
        {
            "reward": reward,
            "action": selectors.reward_action_label(reward),
            "status": selectors.STATUS_FOR_USER[reward.status],
            "reason": selectors.reward_reason_for_user(reward),
            "plan_note": selectors.reward_plan_note(reward),
        }
        for reward in selectors.wallet_history_page(
            user=user, offset=(page.number - 1) * HISTORY_PAGE_SIZE, size=HISTORY_PAGE_SIZE
        )
    ]
    listed = selectors.held_and_reversed(user=user, counts=figures.counts)
    held = [{"reward": r, "action": selectors.reward_action_label(r)} for r in listed[RewardStatus.HELD]]
    awaited = selectors.awaited_brands(user=user)
    balances, debts = selectors.wallet_money_get(user=user)
    owed = [money_text(debt) for debt in debts]
    return render(
        request,
        "wallet/wallet.html",
        {
            "balances": balances,
            "counts": figures.counts,
            "schedule": selectors.availability_schedule(user=user, now=now),
            "held": held,
            "held_more": figures.counts[RewardStatus.HELD] - len(held),
            "held_totals": figures.held_totals,
            "waiting": selectors.unfunded_actions(user=user, now=now),
            "awaited": awaited,
            # How the person is told when a brand they wait for starts (read only when one is awaited).
            "notice_channel": notice_channel_for(user) if awaited else None,
            "held_explanation": selectors.HELD_EXPLANATION,
            "reversed_items": [
                {"reward": r, "action": selectors.reward_action_label(r)}
                for r in listed[RewardStatus.REVERSED]
            ],
            "page_obj": page,
            "history": history,
            "tiktok": selectors.wallet_tiktok_profile(user=user),
            "phone": user.phone,
            "phone_verified": user.phone_verified,
            "debts": debts,
            "debts_text": owed[0]
            if len(owed) == 1
            else gettext("%(items)s and %(last)s") % {"items": ", ".join(owed[:-1]), "last": owed[-1]}
            if owed
            else "",
            "held_total_text": " + ".join(money_text(money) for money in figures.held_totals),
        },
    )


@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    """The wallet's figures as JSON; 401 JSON (not a redirect) when nobody is signed in."""
    if not request.user.is_authenticated:
        response = JsonResponse(
            {
                "error": "not_authenticated",
                "detail": gettext("Sign in to see your wallet."),
                "login_url": reverse("account_login"),
            },
            status=401,
        )
        response["WWW-Authenticate"] = 'Session realm="TikJoy"'
        return response
    # Cache-Control: private, no-store comes from core.hardening.NoStoreMiddleware.
    return JsonResponse(selectors.wallet_summary(user=request.user, now=timezone.now()))
