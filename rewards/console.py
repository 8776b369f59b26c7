"""The merchant console's reward pages (``/console/rewards/...``), registered on ``console_site``.

- Rewards: every reward the merchant paid (or holds, or had reversed), read-only,
  filtered by campaign, action type and status; the detail page spells out how the
  amount was computed.
- Consumers who engaged (``/console/rewards/reward/consumers/``): people with at
  least one social action for the merchant, with figures; of each person only what
  they agreed to share with the merchant (``merchants.selectors.people_seen_by_merchant``).

Registered from ``RewardsConfig.ready`` (the ops admin lives in ``rewards/admin.py``).
Both pages are scoped by ``ConsoleModelAdmin`` to the selected merchant; the generic
isolation test in ``merchants/tests/test_tenant_isolation.py`` walks them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from campaigns.models import ActionType
from merchants.console_site import ConsoleModelAdmin, console_render, console_site
from merchants.models import ConsentField
from merchants.selectors import people_seen_by_merchant
from merchants.tenancy import console_membership
from rewards import (
    brand_poster,  # noqa: F401  (registers the brand page's poster, QR code and panel)
    selectors,
)
from rewards.models import Reward

CONSENT_NOTE = (
    "Shared with consent: what each person agreed to share with your brand when they joined. "
    "It disappears when they withdraw their consent."
)

# In the order a merchant reads them (PostgreSQL's jsonb does not keep the engine's order).
_LABELS = {
    "rule": "Reward rule",
    "amount": "Rule amount",
    "counts": "Counts measured",
    "rates": "Rates",
    "views": "Views",
    "likes": "Likes",
    "comments": "Comments",
    "shares": "Shares",
    "per_1000_views": "Per 1,000 views",
    "per_like": "Per like",
    "per_comment": "Per comment",
    "per_share": "Per share",
    "post_earns": "The post earns in all",
    "earned_before": "Earned before",
    "user": "Consumer",
    "multiplier": "Multiplier",
    "risk": "Risk signals",
}
_ORDER = {key: n for n, key in enumerate(_LABELS)}
_MONEY_KEYS = {
    "amount",
    "per_1000_views",
    "per_like",
    "per_comment",
    "per_share",
    "post_earns",
    "earned_before",
}


def _figure(value) -> str:
    """A decimal as a person writes it: 0.0100 -> 0.01, 0.0025 stays 0.0025."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number == number.quantize(Decimal("0.01")):
        return f"{number:.2f}"
    return f"{number.normalize():f}"


def calculation_rows(calculation: dict, currency: str, prefix: str = "") -> list[tuple[str, str]]:
    """The ``calculation`` JSON as (label, value) lines a merchant can read."""
    rows: list[tuple[str, str]] = []
    items = sorted((calculation or {}).items(), key=lambda item: (_ORDER.get(item[0], len(_ORDER)), item[0]))
    for key, value in items:
        label = prefix + _LABELS.get(key, key.replace("_", " ").capitalize())
        if isinstance(value, dict):
            rows.extend(calculation_rows(value, currency, prefix=f"{label} · "))
        elif isinstance(value, list):
            text = "; ".join(
                f"{item.get('detail') or item.get('code')}" if isinstance(item, dict) else str(item)
                for item in value
            )
            rows.append((label, text or "none"))
        elif key in _MONEY_KEYS:
            rows.append((label, f"{_figure(value)} {currency}"))
        elif key == "multiplier":
            rows.append((label, f"times {_figure(value)}"))
        elif key == "rule":
            rows.append((label, f"#{value}"))
        elif key == "user":
            rows.append((label, {"NEW": "new to the brand", "RETURNING": "returning"}.get(value, str(value))))
        elif isinstance(value, int) and not isinstance(value, bool):
            rows.append((label, f"{value:,}"))
        else:
            rows.append((label, "" if value is None else str(value)))
    return rows


class RewardConsoleAdmin(ConsoleModelAdmin):
    """Rewards the merchant's campaigns granted: read-only (the engine and ops write them)."""

    merchant_path = "merchant_id"
    person_field = "user"
    change_list_template = "console/rewards/reward_change_list.html"
    list_display = (
        "person",
        "campaign",
        "action_type",
        "kind",
        "status",
        "merchant_price",
        "user_amount",
        "currency",
        "created_at",
        "available_at",
    )
    list_filter = (
        ("campaign", admin.RelatedOnlyFieldListFilter),
        "action__action_type",
        "status",
        "kind",
    )
    list_select_related = ("user", "campaign", "action")
    search_fields = ("campaign__name",)  # never the person's own fields (see person_field)
    ordering = ("-created_at", "-pk")
    fields = (
        "person",
        "campaign",
        "action_type",
        "kind",
        "status",
        "reason",
        "merchant_price",
        "user_amount",
        "margin",
        "currency",
        "how_computed",
        "created_at",
        "available_at",
        "decided_at",
    )
    readonly_fields = fields
    export_fields = (
        "pk",
        "person",
        "campaign",
        "action_type",
        "kind",
        "status",
        "merchant_price",
        "user_amount",
        "currency",
        "created_at",
        "available_at",
        "reason",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "campaign", "action")

    @admin.display(description="Action", ordering="action__action_type")
    def action_type(self, obj: Reward) -> str:
        return ActionType(obj.action.action_type).label

    @admin.display(description="How the amount was computed")
    def how_computed(self, obj: Reward) -> str:
        rows = calculation_rows(obj.calculation, obj.currency)
        if not rows:
            return "-"
        return format_html(
            '<table class="reward-calculation"><tbody>{}</tbody></table>',
            format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td></tr>", rows),
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        consumers = path(
            "consumers/",
            self.admin_site.admin_view(self.consumers_view),
            name=f"{info[0]}_{info[1]}_consumers",
        )
        return [consumers, *super().get_urls()]

    def consumers_view(self, request: HttpRequest) -> HttpResponse:
        """People who did something for the merchant: figures, and only what each agreed to share."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        merchant = console_membership(request).merchant
        page = Paginator(selectors.engaged_consumer_rows(merchant=merchant), 50).get_page(
            request.GET.get("page")
        )
        consumers = selectors.engaged_consumers(merchant=merchant, rows=page.object_list)
        # Only what each person agreed to share with this merchant, and only while they agree.
        people = people_seen_by_merchant(merchant=merchant, user_ids=[c.user_id for c in consumers])
        return console_render(
            request,
            "console/rewards/consumers.html",
            {
                "title": "Consumers who engaged",
                "opts": self.opts,
                "page_obj": page,
                "consumers": [
                    (
                        consumer,
                        people[consumer.user_id].label,
                        [
                            (ConsentField(key).label, value)
                            for key, value in people[consumer.user_id].shared.items()
                        ],
                    )
                    for consumer in consumers
                ],
                "consent_note": CONSENT_NOTE,
            },
        )


console_site.register(Reward, RewardConsoleAdmin)


def _rewards_panel(request: HttpRequest, membership) -> dict:
    return {
        "merchant": membership.merchant,
        "figures": selectors.merchant_reward_figures(merchant=membership.merchant, now=timezone.now()),
    }


console_site.register_panel(
    key="rewards",
    order=30,
    template="console/panels/rewards.html",
    context=_rewards_panel,
    stylesheet="rewards/console.css",
)
