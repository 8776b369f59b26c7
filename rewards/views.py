"""The consumer's wallet: ``/wallet/`` (server-rendered) and ``/wallet/summary.json`` (the widget's data)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from rewards import selectors
from rewards.notices import notice_channel_for
from social.selectors import connected_accounts_get
from wallets.debts import debts_of

HISTORY_PAGE_SIZE = 20


@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    page = Paginator(selectors.wallet_history(user=user), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    history = [
        {
            "reward": reward,
            "action": selectors.reward_action_label(reward),
            "status": selectors.STATUS_FOR_USER[reward.status],
            "reason": selectors.reward_reason_for_user(reward),
            "plan_note": selectors.reward_plan_note(reward),
        }
        for reward in page.object_list
    ]
    accounts = connected_accounts_get(user=user)
    return render(
        request,
        "wallet/wallet.html",
        {
            "balances": selectors.wallet_balances_get(user=user),
            "counts": selectors.status_counts(user=user),
            "schedule": selectors.availability_schedule(user=user, now=now),
            "held": [
                {"reward": r, "action": selectors.reward_action_label(r)}
                for r in selectors.held_rewards(user=user)
            ],
            "held_totals": selectors.held_totals(user=user),
            "waiting": selectors.unfunded_actions(user=user, now=now),
            "awaited": selectors.awaited_brands(user=user),
            "notice_channel": notice_channel_for(user),
            "held_explanation": selectors.HELD_EXPLANATION,
            "reversed_items": [
                {"reward": r, "action": selectors.reward_action_label(r)}
                for r in selectors.reversed_rewards(user=user)
            ],
            "page_obj": page,
            "history": history,
            "tiktok": accounts["tiktok"],
            "phone": accounts["phone"],
            "phone_verified": accounts["phone_verified"],
            "debts": debts_of(owner=user),
        },
    )


@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    """The wallet's figures as JSON; 401 JSON (not a redirect) when nobody is signed in."""
    if not request.user.is_authenticated:
        response = JsonResponse(
            {
                "error": "not_authenticated",
                "detail": "Sign in to see your wallet.",
                "login_url": reverse("account_login"),
            },
            status=401,
        )
        response["WWW-Authenticate"] = 'Session realm="TikJoy"'
        return response
    # Cache-Control: private, no-store comes from core.hardening.NoStoreMiddleware.
    return JsonResponse(selectors.wallet_summary(user=request.user, now=timezone.now()))
