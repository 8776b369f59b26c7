"""The consumer's wallet: ``/wallet/`` (server-rendered) and ``/wallet/summary.json`` (the widget's data).

Both are kept rendered while what they show is unchanged (``rewards.wallet_page``)."""

from __future__ import annotations

import json
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.people import is_consumer, is_team_member
from core.csrf import csrf_token_get
from rewards import selectors, wallet_page
from rewards.models import RewardStatus
from rewards.notices import notice_channel_for
from rewards.reasons import reward_reason_text
from wallets.formats import money_text
from wallets.withdrawals import PAYOUT_CURRENCY

HISTORY_PAGE_SIZE = wallet_page.HISTORY_ROWS
WALLET_TEMPLATE = "wallet/wallet.html"


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
    now = timezone.now()
    if (
        request.META.get("QUERY_STRING")  # another history page: built as it is asked for
        or connection.vendor != "postgresql"
        or len(messages.get_messages(request))  # shown once, never kept (counting them reads, not uses, them)
    ):
        return render(request, WALLET_TEMPLATE, _wallet_context(request, user=request.user, now=now))

    def build(placeholder: str) -> str:
        # The person as the build's snapshot has them: the request's copy was read before it.
        user = User.objects.get(pk=request.user.pk)
        context = _wallet_context(request, user=user, now=now)
        context["user"] = user
        context["person_is_consumer"] = SimpleLazyObject(lambda: is_consumer(user))
        context["person_is_member"] = SimpleLazyObject(lambda: is_team_member(user))
        context["csrf_token"] = placeholder  # each response puts its own token there
        return render_to_string(WALLET_TEMPLATE, context, request=request)

    placeholder, body = wallet_page.wallet_body(user=request.user, kind="page", now=now, build=build)
    return HttpResponse(body.replace(placeholder, csrf_token_get(request)))


def _wallet_context(request: HttpRequest, *, user: User, now: datetime) -> dict:
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
    movements, movements_more = selectors.wallet_movements(user=user)
    schedule = selectors.availability_schedule(user=user, now=now)
    reversed_items = [
        {"reward": r, "action": selectors.reward_action_label(r), "reason": reward_reason_text(r.reason)}
        for r in listed[RewardStatus.REVERSED]
    ]
    return {
        "balances": balances,
        "counts": figures.counts,
        "schedule": schedule,
        # "yours to pay out" only when the euro coming with the available euro reach the smallest payout,
        # and never to a person who owes (a debt stops every payout).
        "schedule_conditions": selectors.availability_conditions(
            schedule,
            available=next((row.available for row in balances if row.currency == PAYOUT_CURRENCY), None),
            owed=debts,
        ),
        "held": held,
        "held_more": figures.counts[RewardStatus.HELD] - len(held),
        "held_totals": figures.held_totals,
        "waiting": selectors.unfunded_actions(user=user, now=now),
        "awaited": awaited,
        # How the person is told when a brand they wait for starts (read only when one is awaited).
        "notice_channel": notice_channel_for(user) if awaited else None,
        "held_explanation": selectors.HELD_EXPLANATION,
        "reversed_items": reversed_items,
        # JoyFast: a reward advanced before it was reversed did reach the available balance.
        "reversed_advanced": any(item["reward"].advanced_at for item in reversed_items),
        "reversed_not_advanced": any(not item["reward"].advanced_at for item in reversed_items),
        "page_obj": page,
        "history": history,
        "movements": movements,
        "movements_more": movements_more,
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
        # No reward in any state, no debt, no other movement: only then "Nothing here yet".
        "wallet_empty": figures.total == 0 and not debts and not movements,
    }


MOVEMENTS_PAGE_SIZE = 50


@login_required
@require_GET
def movements(request: HttpRequest) -> HttpResponse:
    """``/wallet/movements/``: every "Other movements" line of the signed-in person, newest first,
    ``MOVEMENTS_PAGE_SIZE`` a page; ``?before=<movement>`` is the page after it (keyset: any page
    costs one indexed read). Only the person's own accounts are read, whatever ``before`` says."""
    raw = request.GET.get("before", "")
    before = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None
    lines, more = selectors.wallet_movements(user=request.user, limit=MOVEMENTS_PAGE_SIZE, before=before)
    return render(
        request,
        "wallet/movements.html",
        {
            "movements": lines,
            "older": lines[-1].entry_id if more and lines else None,
            "paged": before is not None,
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
    user, now = request.user, timezone.now()
    if connection.vendor != "postgresql":
        return JsonResponse(selectors.wallet_summary(user=user, now=now))
    _, body = wallet_page.wallet_body(
        user=user,
        kind="json",
        now=now,
        build=lambda _: json.dumps(selectors.wallet_summary(user=user, now=now), cls=DjangoJSONEncoder),
    )
    return HttpResponse(body, content_type="application/json")
