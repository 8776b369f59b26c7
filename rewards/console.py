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

from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, gettext_lazy, pgettext
from moneyed import Money

from campaigns.console import CampaignConsoleAdmin
from campaigns.models import ActionType, Campaign, campaign_name_in
from core.i18n import time_zone_label
from core.spreadsheets import amount, download_name
from merchants.console_site import (
    ConsoleModelAdmin,
    console_can,
    console_render,
    console_site,
    console_view,
    csv_response,
    export_text,
    window_page,
)
from merchants.models import ConsentField
from merchants.roles import Capability
from merchants.selectors import people_seen_by_merchant
from merchants.tenancy import console_membership
from rewards import (
    brand_poster,  # noqa: F401  (registers the brand page's poster, QR code and panel)
    reports,
    runway,
    selectors,
)
from rewards.calculation_text import (
    CAPPED_BY,
    USER_KINDS,
    amount_text,
    figure_text,
    multiplier_text,
    plan_text,
    risk_signal_text,
)
from rewards.charts import chart, day_label
from rewards.models import Reward
from rewards.reasons import reward_reason_text
from wallets.columns import money_column
from wallets.formats import list_text, money_text, number_text

CONSENT_NOTE = gettext_lazy(
    "Shared with consent: what each person agreed to share with your brand when they joined. "
    "It disappears when they withdraw their consent."
)

# In the order a merchant reads them (PostgreSQL's jsonb does not keep the engine's order).
_LABELS = {
    "rule": gettext_lazy("Reward rule"),
    "amount": gettext_lazy("Rule amount"),
    "counts": gettext_lazy("Counts measured"),
    "rates": gettext_lazy("Rates"),
    "views": gettext_lazy("Views"),
    "likes": gettext_lazy("Likes"),
    "comments": gettext_lazy("Comments"),
    "shares": gettext_lazy("Shares"),
    "per_1000_views": gettext_lazy("Per 1,000 views"),
    "per_like": gettext_lazy("Per like"),
    "per_comment": gettext_lazy("Per comment"),
    "per_share": gettext_lazy("Per share"),
    "post_earns": gettext_lazy("The post earns in all"),
    "earned_before": gettext_lazy("Earned before"),
    "user": gettext_lazy("Consumer"),
    "multiplier": gettext_lazy("Multiplier"),
    "capped_at": gettext_lazy("Capped at"),
    "capped_by": gettext_lazy("Capped by"),
    "plans": gettext_lazy("Subscription plans"),
    "risk": gettext_lazy("Risk signals"),
}
_ORDER = {key: n for n, key in enumerate(_LABELS)}
_MONEY_KEYS = {
    "amount",
    "capped_at",
    "per_1000_views",
    "per_like",
    "per_comment",
    "per_share",
    "post_earns",
    "earned_before",
}


def calculation_rows(calculation: dict, currency: str, prefix: str = "") -> list[tuple[str, str]]:
    """The ``calculation`` JSON as (label, value) lines a merchant can read, in the active language.

    The record stays as the engine wrote it (English, the audit); each line is written from its data
    when it is read (rewards/calculation_text.py)."""
    rows: list[tuple[str, str]] = []
    items = sorted((calculation or {}).items(), key=lambda item: (_ORDER.get(item[0], len(_ORDER)), item[0]))
    for key, value in items:
        label = prefix + str(_LABELS.get(key, key.replace("_", " ").capitalize()))
        if isinstance(value, dict):
            rows.extend(calculation_rows(value, currency, prefix=f"{label} · "))
        elif isinstance(value, list):
            texts = [
                plan_text(item, currency)
                if key == "plans" and isinstance(item, dict)
                else risk_signal_text(item)
                for item in value
            ]
            # "none" agrees with what is missing in some languages (es "ninguna" señal, "ningún" plan).
            none = (
                pgettext("calculation, no risk signal", "none")
                if key == "risk"
                else pgettext("calculation", "none")
            )
            rows.append((label, list_text(texts) or none))
        elif key in _MONEY_KEYS:
            rows.append((label, amount_text(value, currency)))
        elif key == "multiplier":
            rows.append((label, multiplier_text(value)))
        elif key == "rule":
            rows.append((label, f"#{value}"))
        elif key == "user":
            rows.append((label, str(USER_KINDS.get(value, value))))
        elif key == "capped_by":
            rows.append((label, str(CAPPED_BY.get(value, value))))
        elif isinstance(value, int) and not isinstance(value, bool):
            rows.append((label, figure_text(value)))
        else:
            rows.append((label, "" if value is None else str(value)))
    return rows


def calculation_table(calculation: dict, currency: str) -> str:
    """``calculation_rows`` as the table the console's and ops' reward pages show ("-" for none)."""
    rows = calculation_rows(calculation, currency)
    if not rows:
        return "-"
    return format_html(
        '<table class="reward-calculation" data-testid="calculation"><tbody>{}</tbody></table>',
        format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td></tr>", rows),
    )


class MerchantCampaignFilter(admin.RelatedFieldListFilter):
    """The campaign filter: the selected merchant's campaigns (a small table), not the distinct
    campaigns of every reward listed (``RelatedOnlyFieldListFilter`` reads the whole list for them)."""

    def field_choices(self, field, request, model_admin):
        # Each named in the reader's language, as the list's rows name them (``campaign_name_in``).
        membership = console_membership(request)
        return list(
            Campaign.objects.filter(merchant_id=membership.merchant_id if membership else None)
            .annotate(name_read=campaign_name_in(get_language()))
            .order_by("name_read", "pk")
            .values_list("pk", "name_read")
        )


OLD_ACTION_FILTER, ACTION_FILTER = "action__action_type__exact", "action_type__exact"


class RewardConsoleAdmin(ConsoleModelAdmin):
    """Rewards the merchant's campaigns granted: read-only (the engine and ops write them)."""

    merchant_path = "merchant_id"
    person_field = "user"
    change_list_template = "console/rewards/reward_change_list.html"
    list_display = (
        "person",
        "campaign_name",
        "action_type",
        "kind",
        "status",
        "merchant_price_text",
        "user_amount_text",
        "created_at",
        "available_at",
    )
    list_filter = (
        ("campaign", MerchantCampaignFilter),
        "action_type",
        "status",
        "kind",
    )
    list_select_related = ("campaign",)
    # Fifty rows a page: rendering a row costs more than reading it (see docs/benchmarks.md).
    list_per_page = 50
    search_fields = ("campaign__name",)  # never the person's own fields (see person_field)
    search_help_text = gettext_lazy(
        "Searches the campaign's name only: people's names and contact details are not searched here."
    )
    ordering = ("-created_at", "-pk")
    # The columns a merchant can sort by: each has its index (merchant, column, id) (see Reward.Meta).
    sortable_by = ("created_at", "available_at", "merchant_price_text")
    fields = (
        "person",
        "campaign_link",
        "action_type",
        "kind",
        "status",
        "reason_text",
        "merchant_price_text",
        "user_amount_text",
        "margin_text",
        "how_computed",
        "created_at",
        "available_at",
        "decided_at",
    )
    readonly_fields = fields
    export_fields = (
        "pk",
        "person",
        "campaign_name",
        "action_type",
        "kind",
        "status",
        "merchant_price",
        "user_amount",
        "currency",
        "created_at",
        "available_at",
        "reason_text",
    )

    merchant_price_text = money_column("merchant_price", Reward)
    user_amount_text = money_column("user_amount", Reward)
    margin_text = money_column("margin", Reward)

    def get_queryset(self, request):
        # The person is shown through people_seen_by_merchant (one query a page), not this join; the
        # action's type is the reward's own column (``Reward.action_type``); the campaign is named in the
        # reader's language in the same query (``campaign_name_in``).
        return (
            super()
            .get_queryset(request)
            .select_related("campaign")
            .annotate(campaign_name_read=campaign_name_in(get_language(), path="campaign__"))
        )

    def changelist_view(self, request, extra_context=None):
        # The action filter was the action's column before it was the reward's: a list bookmarked then
        # (``?action__action_type__exact=LIKE``) opens with the same filter.
        if OLD_ACTION_FILTER in request.GET:
            query = request.GET.copy()
            query.setlist(ACTION_FILTER, query.pop(OLD_ACTION_FILTER))
            return redirect(f"{request.path}?{query.urlencode()}")
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("campaign"))
    def campaign_name(self, obj: Reward) -> str:
        return obj.campaign_name_read

    @admin.display(description=gettext_lazy("campaign"))
    def campaign_link(self, obj: Reward) -> str:
        url = reverse("console:campaigns_campaign_change", kwargs={"object_id": obj.campaign_id})
        return format_html('<a href="{}">{}</a>', url, obj.campaign_name_read)

    @admin.display(description=Reward._meta.get_field("reason").verbose_name)
    def reason_text(self, obj: Reward) -> str:
        # The engine's own sentences in the reader's language (on this page and in the export), a reason
        # a person typed as written; the stored text stays as recorded (the ledger keeps it).
        return reward_reason_text(obj.reason)

    @admin.display(description=gettext_lazy("Action"))
    def action_type(self, obj: Reward) -> str:
        return ActionType(obj.action_type).label

    @admin.display(description=gettext_lazy("How the amount was computed"))
    def how_computed(self, obj: Reward) -> str:
        return calculation_table(obj.calculation, obj.currency)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        consumers = path(
            "consumers/",
            self.admin_site.admin_view(self.consumers_view),
            name=f"{info[0]}_{info[1]}_consumers",
        )
        consumers_export = path(
            "consumers/export.csv",
            self.admin_site.admin_view(self.consumers_export_view),
            name=f"{info[0]}_{info[1]}_consumers_export",
        )
        return [consumers, consumers_export, *super().get_urls()]

    def consumers_export_view(self, request: HttpRequest) -> HttpResponse:
        """Every consumer of the list as CSV, streamed, with only what each agreed to share."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        merchant = console_membership(request).merchant
        fields = [field.value for field in ConsentField]
        # The page's column heads, in the reader's language (the currency's column beside the amount).
        header = [
            gettext("Consumer"),
            gettext("Actions"),
            gettext("Rewards"),
            gettext("Rewards paid"),
            capfirst(Reward._meta.get_field("currency").verbose_name),
            gettext("First action"),
            gettext("Last action"),
        ] + [str(ConsentField(f).label) for f in fields]
        filename = download_name(pgettext("file name", "consumers"), merchant.slug, day=timezone.localdate())
        return csv_response(filename, header, self._consumer_rows(merchant, fields))

    def _consumer_rows(self, merchant, fields: list[str]):
        rows = selectors.engaged_consumer_rows(merchant=merchant).iterator(chunk_size=1000)
        while True:
            chunk = [row for _, row in zip(range(1000), rows, strict=False)]
            if not chunk:
                return
            consumers = selectors.engaged_consumers(merchant=merchant, rows=chunk)
            people = people_seen_by_merchant(merchant=merchant, user_ids=[c.user_id for c in consumers])
            for consumer in consumers:
                person = people[consumer.user_id]
                yield [
                    person.label,
                    consumer.actions,
                    consumer.rewards,
                    amount(consumer.earned.amount),
                    str(consumer.earned.currency),
                    # In the merchant's time zone (the console's, active while the CSV streams).
                    export_text(consumer.first_at),
                    export_text(consumer.last_at),
                ] + [person.shared.get(f, "") for f in fields]

    def consumers_view(self, request: HttpRequest) -> HttpResponse:
        """People who did something for the merchant: figures, and only what each agreed to share."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        merchant = console_membership(request).merchant
        page = window_page(request, selectors.engaged_consumer_rows(merchant=merchant), 50)
        consumers = selectors.engaged_consumers(merchant=merchant, rows=page.object_list)
        # Only what each person agreed to share with this merchant, and only while they agree.
        people = people_seen_by_merchant(merchant=merchant, user_ids=[c.user_id for c in consumers])
        return console_render(
            request,
            "console/rewards/consumers.html",
            {
                "title": gettext("Consumers who engaged"),
                "opts": self.opts,
                "page_obj": page,
                "consumers": [
                    (
                        consumer,
                        people[consumer.user_id].label,
                        [
                            (ConsentField(key).label, value)
                            for key, value in people[consumer.user_id].shown.items()
                        ],
                    )
                    for consumer in consumers
                ],
                "consent_note": CONSENT_NOTE,
            },
        )


console_site.register(Reward, RewardConsoleAdmin)


def _rewards_figures(merchant, now) -> dict:
    return selectors.merchant_reward_figure_expressions(merchant=merchant, now=now)


def _rewards_panel(request: HttpRequest, membership, *, figures: dict) -> dict:
    figures = selectors.merchant_reward_figures_of(figures, merchant=membership.merchant)
    return {
        "merchant": membership.merchant,
        "figures": {
            name: money_text(value)
            if isinstance(value, Money)
            else number_text(value)
            if isinstance(value, int)
            else value
            for name, value in figures.items()
        },
    }


console_site.register_panel(
    key="rewards",
    order=30,
    template="console/panels/rewards.html",
    context=_rewards_panel,
    stylesheet="rewards/console.css",
    figures=_rewards_figures,
)


# --- the dashboard over time, the first-run checklist, a campaign's report -----------------------

CHECKLIST_DISMISSED = "console_checklist_dismissed"  # session: merchant ids whose checklist is hidden


class _Texts:
    """The day figures' texts, each written once: a chart's mark and the table's cell show the same
    amount, and every chart names the same days."""

    def __init__(self, days: list[reports.Day], *, currency: str):
        self.currency = currency
        self.labels = [day_label(d.day) for d in days]
        self._money: dict[Decimal, str] = {}
        self._counts: dict[int, str] = {}

    def money(self, value) -> str:
        text = self._money.get(value)
        if text is None:
            text = self._money[value] = money_text(value, self.currency)
        return text

    def count(self, value) -> str:
        value = int(value)
        text = self._counts.get(value)
        if text is None:
            text = self._counts[value] = number_text(value)
        return text


def _charts(days: list[reports.Day], totals: reports.Totals, *, texts: _Texts) -> list:
    dates = [d.day for d in days]
    money, count, labels = texts.money, texts.count, texts.labels
    return [
        chart(
            key="rewards",
            title=gettext("Rewards paid"),
            total=money_text(totals.rewards_paid),
            days=dates,
            labels=labels,
            values=[d.rewards_paid for d in days],
            text=money,
        ),
        chart(
            key="views",
            title=gettext("Views of the posts people made"),
            total=count(totals.views),
            days=dates,
            labels=labels,
            values=[d.views for d in days],
            text=count,
        ),
        chart(
            key="consumers",
            title=gettext("New consumers"),
            total=count(totals.new_consumers),
            days=dates,
            labels=labels,
            values=[d.new_consumers for d in days],
            text=count,
        ),
        chart(
            key="cpm",
            title=gettext("Cost per 1,000 views"),
            total=money_text(totals.cost_per_1000_views)
            if totals.cost_per_1000_views
            else gettext("no views"),
            days=dates,
            labels=labels,
            values=[d.cost_per_1000_views for d in days],
            text=money,
            kind="line",
        ),
    ]


def _day_rows(days: list[reports.Day], *, texts: _Texts) -> list[dict]:
    money, count = texts.money, texts.count
    return [
        {
            "day": d.day,
            "label": label,
            "rewards_paid": money(d.rewards_paid),
            "rewards": count(d.rewards),
            "views": count(d.views),
            "new_consumers": count(d.new_consumers),
            "cost_per_1000_views": money(d.cost_per_1000_views) if d.cost_per_1000_views is not None else "-",
        }
        for d, label in zip(reversed(days), reversed(texts.labels), strict=True)
    ]


def _trends_panel(request: HttpRequest, membership) -> dict:
    merchant = membership.merchant
    days_asked = reports.window_days(request.GET.get("days"))
    window = reports.Window.ending(now=timezone.now(), days=days_asked, merchant=merchant)
    days = reports.merchant_daily(merchant=merchant, window=window)
    totals = reports.totals_of(days, merchant.currency)
    texts = _Texts(days, currency=merchant.currency)
    return {
        "window": window,
        "days_asked": days_asked,
        "windows": reports.WINDOWS,
        "totals": totals,
        "charts": _charts(days, totals, texts=texts),
        "day_rows": _day_rows(days, texts=texts),
        "currency": merchant.currency,
        "zone": time_zone_label(window.zone.key),  # the merchant's: its days (merchants.days)
    }


def _checklist_figures(merchant, now) -> dict:
    return reports.merchant_checklist_expressions(merchant=merchant)


# What a member needs to take a checklist step; one whose role can't is shown the step without its
# link (a manager's "Fund your wallet" led to a 403).
_STEP_CAPABILITY = {
    "fund": Capability.MANAGE_BILLING,
    "campaign": Capability.MANAGE_CAMPAIGNS,
    "videos": Capability.MANAGE_CAMPAIGNS,
    "live": Capability.MANAGE_CAMPAIGNS,
}


def _checklist_panel(request: HttpRequest, membership, *, figures: dict) -> dict:
    if membership.merchant_id in request.session.get(CHECKLIST_DISMISSED, []):
        return {"items": [], "show": False}
    items = reports.merchant_checklist_of(figures)
    steps = [
        {
            "key": i.key,
            "label": i.label,
            "done": i.done,
            "hint": i.hint,
            "url": reverse(f"console:{i.url_name}")
            if console_can(request, _STEP_CAPABILITY.get(i.key, Capability.VIEW))
            else "",
        }
        for i in items
    ]
    done = sum(1 for i in items if i.done)
    return {"items": steps, "done": done, "total": len(items), "show": done < len(items)}


@console_view(Capability.VIEW)
def checklist_dismiss(request: HttpRequest) -> HttpResponse:
    """POST: hide the first-run checklist of the selected merchant for this session."""
    if request.method != "POST":
        return redirect("console:index")
    merchant_id = console_membership(request).merchant_id
    dismissed = set(request.session.get(CHECKLIST_DISMISSED, []))
    request.session[CHECKLIST_DISMISSED] = sorted(dismissed | {merchant_id})
    return redirect("console:index")


class CampaignReportConsoleAdmin(CampaignConsoleAdmin):
    """The campaign pages, with each campaign's report (figures by day, CSV) one click away."""

    change_form_template = "console/campaigns/campaign_change_form.html"

    def get_list_display(self, request):
        return (*super().get_list_display(request), "report_link")

    def _warn_if_funds_short(self, request, merchant, *, now) -> None:
        warning = runway.funds_runway(merchant=merchant, now=now).warning
        if warning:
            messages.warning(request, warning)

    @admin.display(description=gettext_lazy("Report"))
    def report_link(self, obj: Campaign) -> str:
        url = reverse("console:campaigns_campaign_report", kwargs={"object_id": obj.pk})
        return format_html('<a href="{}">{}</a>', url, gettext("Report"))

    def get_urls(self):
        report = [
            path(
                "<path:object_id>/report/",
                self.admin_site.admin_view(self.report_view),
                name="campaigns_campaign_report",
            ),
            path(
                "<path:object_id>/report.csv",
                self.admin_site.admin_view(self.report_csv_view),
                name="campaigns_campaign_report_csv",
            ),
        ]
        return report + super().get_urls()

    def _campaign(self, request: HttpRequest, object_id: str) -> Campaign:
        campaign = self.get_object(request, object_id)
        if campaign is None or not self.has_view_permission(request, campaign):
            raise Http404(gettext("No such campaign in this merchant."))
        return campaign

    def _window(self, request: HttpRequest, campaign: Campaign) -> reports.Window:
        # The selected merchant (loaded with the membership): the campaign's own, scoped by ``get_object``.
        merchant = console_membership(request).merchant
        return reports.Window.ending(
            now=timezone.now(), days=reports.window_days(request.GET.get("days")), merchant=merchant
        )

    def report_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        campaign = self._campaign(request, object_id)
        window = self._window(request, campaign)
        days = reports.campaign_daily(campaign=campaign, window=window)
        totals = reports.totals_of(days, campaign.currency)
        texts = _Texts(days, currency=campaign.currency)
        summary = reports.campaign_summary(campaign=campaign)
        return console_render(
            request,
            "console/rewards/campaign_report.html",
            {
                "title": gettext("Report: %(campaign)s") % {"campaign": campaign.name_read},
                "opts": self.opts,
                "original": campaign,
                "campaign": campaign,
                "not_started": campaign.starts_at > timezone.now(),  # "starts on", never "since" a future day
                "summary": summary,
                "spend": money_text(summary.spend),
                "cpm": money_text(summary.cost_per_1000_views)
                if summary.cost_per_1000_views
                else gettext("no views yet"),
                "groups": [(g, money_text(g.amount)) for g in summary.groups],
                "counts": {
                    name: number_text(getattr(summary, name))
                    for name in ("actions", "consumers", "views", "likes", "comments", "shares")
                },
                "window": window,
                "days_asked": reports.window_days(request.GET.get("days")),
                "windows": reports.WINDOWS,
                "charts": _charts(days, totals, texts=texts),
                "day_rows": _day_rows(days, texts=texts),
                "csv_url": reverse("console:campaigns_campaign_report_csv", kwargs={"object_id": campaign.pk})
                + f"?days={reports.window_days(request.GET.get('days'))}",
            },
        )

    def report_csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The report's figures by day as CSV (plain numbers: a spreadsheet adds them up), headed as the
        page's table in the reader's language, with the currency's column beside the amount."""
        campaign = self._campaign(request, object_id)
        days = reports.campaign_daily(campaign=campaign, window=self._window(request, campaign))
        header = (
            gettext("Day"),
            gettext("Rewards paid"),
            capfirst(Reward._meta.get_field("currency").verbose_name),
            gettext("Rewards"),
            gettext("Views"),
            gettext("New consumers"),
            gettext("Cost per 1,000 views"),
        )
        rows = (
            (
                d.day.isoformat(),
                amount(d.rewards_paid),
                campaign.currency,
                d.rewards,
                d.views,
                d.new_consumers,
                amount(d.cost_per_1000_views) if d.cost_per_1000_views is not None else "",
            )
            for d in days
        )
        filename = download_name(
            pgettext("file name", "campaign report"),
            campaign.pk,
            console_membership(request).merchant.slug,
            day=timezone.localdate(),
        )
        return csv_response(filename, header, rows)


console_site.unregister(Campaign)
console_site.register(Campaign, CampaignReportConsoleAdmin)
console_site.register_url("checklist/dismiss/", checklist_dismiss, name="checklist_dismiss")
console_site.register_panel(
    key="checklist",
    order=0,
    template="console/panels/checklist.html",
    context=_checklist_panel,
    stylesheet="rewards/console.css",
    figures=_checklist_figures,
)
console_site.register_panel(
    key="trends",
    order=15,
    template="console/panels/trends.html",
    context=_trends_panel,
    stylesheet="rewards/console.css",
)
