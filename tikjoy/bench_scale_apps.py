"""What ``manage.py bench_scale --apps`` times: the new apps' pages at their own scale (issue #22).

The pages a merchant (console), an affiliate, a consumer, an operator (``/ops/``) and an API client
open in payouts, affiliates, webhooks and the API, over the data ``tikjoy.scale_data_apps`` built,
and in billing and Promote over ``tikjoy.scale_billing`` and ``tikjoy.scale_promote`` (a creator:
a consumer who promotes posts of their own).
Each is a ``Page`` of ``bench_scale`` (timed the same way, with the same goals); the clients are
signed in (or carry the API key) here.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import user_ensure_with_email
from affiliates.models import Affiliate, Commission, Program
from api.models import KeyKind, Scope
from api.services import api_key_create
from billing.models import Invoice, InvoiceStatus, Statement
from merchants.models import Merchant
from payouts.models import Payout, PayoutBatch
from promote.models import CoinWallet, PromoteOrder
from rewards.models import MerchantConsumer, Reward
from tikjoy.scale_billing import BillingData
from tikjoy.scale_data_apps import AppsData
from tikjoy.scale_promote import PromoteData
from webhooks.models import WebhookEndpoint, WebhookEvent


@dataclass(frozen=True)
class AppPage:
    who: str  # merchant | affiliate | consumer | creator | ops | api
    kind: str  # list | detail | export
    label: str
    url: str


def existing(*, merchant: Merchant, owner: User) -> AppsData | None:
    """The apps' data an earlier ``--apps`` run built for ``merchant`` (None: none was)."""
    program = Program.objects.filter(merchant=merchant).first()
    endpoint = WebhookEndpoint.objects.filter(merchant=merchant).order_by("pk").first()
    if program is None or endpoint is None:
        return None
    payouts = Payout.objects.filter(
        owner_type="accounts.user",
        requested_by_id__in=MerchantConsumer.objects.filter(merchant=merchant).values("user_id"),
    )
    heavy = (
        Affiliate.objects.filter(program=program)
        .annotate(n=Count("commissions"))
        .order_by("-n")
        .values_list("user_id", flat=True)
        .first()
    )
    _, raw_key = api_key_create(
        merchant=merchant,
        name=f"Scale bench {uuid.uuid4().hex[:6]}",
        kind=KeyKind.SECRET,
        scope=Scope.WRITE,
        expires_at=None,
        actor=owner,
        now=timezone.now(),
    )
    newest = payouts.order_by("-pk").values_list("requested_by_id", flat=True).first()
    return AppsData(
        payouts=payouts.count(),
        batches=PayoutBatch.objects.filter(payouts__in=payouts[:1]).count(),
        payout_user_id=newest,
        program=program,
        affiliates=Affiliate.objects.filter(program=program).count(),
        heavy_affiliate_user_id=heavy,
        clicks=0,
        conversions=0,
        commissions=Commission.objects.filter(affiliate__program=program).count(),
        endpoint=endpoint,
        events=WebhookEvent.objects.filter(merchant=merchant).count(),
        api_key=raw_key,
        seconds={},
    )


def clients(*, data: AppsData, owner: User) -> dict[str, Client]:
    """A client for each kind of person: the merchant's owner, the busiest affiliate, the consumer
    with the newest payout, an operator (superuser), and the API key's bearer."""
    merchant_client = Client()
    merchant_client.force_login(owner)
    affiliate = Client()
    affiliate.force_login(User.objects.get(pk=data.heavy_affiliate_user_id))
    consumer = Client()
    if data.payout_user_id:
        consumer.force_login(User.objects.get(pk=data.payout_user_id))
    ops_user, _ = user_ensure_with_email(
        email=f"scale-bench-ops-{uuid.uuid4().hex[:6]}@bench.invalid",
        password=uuid.uuid4().hex,
        is_staff=True,
    )
    User.objects.filter(pk=ops_user.pk).update(is_superuser=True)
    ops = Client()
    ops.force_login(User.objects.get(pk=ops_user.pk))
    api = Client(headers={"Authorization": f"Bearer {data.api_key}"})
    return {"merchant": merchant_client, "affiliate": affiliate, "consumer": consumer, "ops": ops, "api": api}


def _cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def pages(*, data: AppsData, merchant: Merchant) -> list[AppPage]:
    program = data.program
    payouts = Payout.objects.filter(owner_type="accounts.user").order_by("-pk")
    payout = payouts.filter(state="RETURNED").first() or payouts.first()
    batch = PayoutBatch.objects.order_by("-pk").first()
    deep_payouts = max(1, min(500, data.payouts // 200))  # page 500 at 200,000 payouts (100 a page)
    deep_commissions = max(1, min(500, data.commissions // 100))
    ops_payouts = reverse("admin:payouts_payout_changelist")
    commissions = reverse("admin:affiliates_commission_changelist")
    report = reverse("console:affiliates_report")
    portal_report = reverse("affiliates:report", kwargs={"program_id": program.pk})
    rewards = Reward.objects.filter(merchant=merchant).order_by("-pk").values_list("pk", flat=True)
    count = rewards.count()
    deep_reward = rewards[min(count - 1, 500_000)] if count else 0
    result = [
        # The merchant's console
        AppPage("merchant", "list", "affiliate program (affiliates, latest commissions)",
                reverse("console:affiliates_program")),
        AppPage("merchant", "list", "affiliate report by day", report),
        AppPage("merchant", "list", "affiliate report by month", report + "?group=month"),
        AppPage("merchant", "list", "affiliate report by link", report + "?group=link"),
        AppPage("merchant", "list", "affiliate report by sub-id", report + "?group=sub_id"),
        AppPage("merchant", "export", "affiliate report CSV", report + "?format=csv"),
        AppPage("merchant", "list", "webhook endpoints", reverse("console:hook_endpoints")),
        AppPage("merchant", "detail", "webhook endpoint (delivery log)",
                reverse("console:hook_endpoint", kwargs={"pk": data.endpoint.pk})),
        AppPage("merchant", "list", "API keys", reverse("console:api_keys")),
        AppPage("merchant", "list", "statements", reverse("console:billing_statement_changelist")),
        AppPage("merchant", "list", "invoices", reverse("console:billing_invoice_changelist")),
        # The affiliate
        AppPage("affiliate", "list", "affiliate's dashboard (the busiest affiliate)",
                reverse("affiliates:program", kwargs={"program_id": program.pk})),
        AppPage("affiliate", "list", "affiliate's report by day", portal_report),
        AppPage("affiliate", "list", "affiliate's report by link", portal_report + "?group=link"),
        AppPage("affiliate", "list", "affiliate's report by sub-id", portal_report + "?group=sub_id"),
        # The consumer
        AppPage("consumer", "list", "/wallet/payouts/", reverse("payouts:home")),
        # Operators
        AppPage("ops", "list", "ops: payouts", ops_payouts),
        AppPage("ops", "list", f"ops: payouts, page {deep_payouts}", ops_payouts + f"?p={deep_payouts - 1}"),
        AppPage("ops", "list", "ops: payouts returned", ops_payouts + "?state__exact=RETURNED"),
        AppPage("ops", "list", "ops: payouts requested", ops_payouts + "?state__exact=REQUESTED"),
        AppPage("ops", "list", "ops: payouts searched by reference",
                ops_payouts + f"?q={payout.end_to_end_id if payout else 'x'}"),
        AppPage("ops", "list", "ops: payouts searched by IBAN (typed with spaces)",
                ops_payouts + "?" + urlencode({"q": payout.bank_account.iban_formatted if payout else "x"})),
        AppPage("ops", "list", "ops: SEPA batches", reverse("admin:payouts_payoutbatch_changelist")),
        AppPage("ops", "list", "ops: bank accounts", reverse("admin:payouts_bankaccount_changelist")),
        AppPage("ops", "list", "ops: commissions", commissions),
        AppPage("ops", "list", "ops: commissions held", commissions + "?state__exact=HELD"),
        AppPage("ops", "list", f"ops: commissions, page {deep_commissions}", commissions + f"?p={deep_commissions - 1}"),
        AppPage("ops", "list", "ops: conversions", reverse("admin:affiliates_conversion_changelist")),
        AppPage("ops", "list", "ops: clicks", reverse("admin:affiliates_click_changelist")),
        AppPage("ops", "list", "ops: clicks by bots", reverse("admin:affiliates_click_changelist") + "?is_bot__exact=1"),
        AppPage("ops", "list", "ops: affiliates", reverse("admin:affiliates_affiliate_changelist")),
        # The API
        AppPage("api", "list", "API: GET /api/v1/rewards", "/api/v1/rewards"),
        AppPage("api", "list", "API: GET /api/v1/rewards, deep cursor", f"/api/v1/rewards?cursor={_cursor(deep_reward)}"),
        AppPage("api", "list", "API: GET /api/v1/consumers", "/api/v1/consumers"),
        AppPage("api", "list", "API: GET /api/v1/wallet/transactions", "/api/v1/wallet/transactions"),
        AppPage("api", "list", "API: GET /api/v1/webhook-endpoints", "/api/v1/webhook-endpoints"),
        AppPage("api", "detail", "API: GET /api/v1/webhook-endpoints/<id>",
                f"/api/v1/webhook-endpoints/whe_{data.endpoint.pk}"),
        AppPage("api", "list", "API: GET /api/v1/statements", "/api/v1/statements"),
    ]  # fmt: skip
    if payout is not None:
        result.append(
            AppPage(
                "ops", "detail", "ops: a payout", reverse("admin:payouts_payout_change", args=[payout.pk])
            )
        )
    if batch is not None:
        result.append(
            AppPage(
                "ops",
                "detail",
                "ops: a SEPA batch",
                reverse("admin:payouts_payoutbatch_change", args=[batch.pk]),
            )
        )
    return result


# --- Billing at volume and Promote at its own scale (tikjoy/scale_billing.py, tikjoy/scale_promote.py)


def billing_existing(*, merchant: Merchant) -> BillingData | None:
    """The billing history an earlier ``--apps`` run built (None: none was)."""
    statements = Statement.objects.filter(merchant=merchant)
    big = statements.order_by("-entry_count").values_list("pk", flat=True).first()
    if big is None:
        return None
    latest = (
        Invoice.objects.filter(merchant=merchant, status=InvoiceStatus.FINALISED)
        .order_by("-issue_date", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return BillingData(
        merchants=Statement.objects.values("merchant_id").distinct().count(),
        months=statements.count(),
        statements=Statement.objects.count(),
        invoices=Invoice.objects.count(),
        transactions=0,
        big_statement_id=big,
        big_invoice_id=latest,
        seconds={},
    )


def promote_existing(*, merchant: Merchant) -> PromoteData | None:
    orders = PromoteOrder.objects.filter(wallet__merchant=merchant)
    busiest = (
        orders.filter(status="SETTLED").order_by("-duration_days", "-pk").values_list("pk", flat=True).first()
    )
    if busiest is None:
        return None
    creator = (
        PromoteOrder.objects.filter(wallet__user__isnull=False, status="SETTLED")
        .values("wallet_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    wallet = CoinWallet.objects.get(pk=creator["wallet_id"]) if creator else None
    creator_order = (
        PromoteOrder.objects.filter(wallet=wallet, status="SETTLED")
        .order_by("-duration_days", "-pk")
        .values_list("pk", flat=True)
        .first()
        if wallet
        else None
    )
    return PromoteData(
        orders=PromoteOrder.objects.count(),
        ticks=0,
        coupons=0,
        purchases=0,
        creator_user_id=wallet.user_id if wallet else None,
        busiest_order_id=busiest,
        creator_order_id=creator_order,
        seconds={},
    )


def billing_pages(*, billing: BillingData) -> list[AppPage]:
    """What a merchant opens in billing (console, API) and what operators open (``/ops/``)."""
    statement = Statement.objects.only("pk", "month").get(pk=billing.big_statement_id)
    stm = reverse("console:billing_statement_changelist")
    inv = reverse("console:billing_invoice_changelist")
    ops_stm = reverse("admin:billing_statement_changelist")
    ops_inv = reverse("admin:billing_invoice_changelist")
    deep = max(1, min(100, billing.statements // 100))
    numbered = Invoice.objects.filter(pk=billing.big_invoice_id).values_list("number", flat=True).first()
    pages = [
        AppPage("merchant", "list", "console: statements", stm),
        AppPage("merchant", "detail", f"console: a statement ({statement.month:%Y-%m}, the largest)",
                reverse("console:billing_statement_change", args=[statement.pk])),
        AppPage("merchant", "export", "console: that statement's PDF",
                reverse("console:billing_statement_pdf", args=[statement.pk])),
        AppPage("merchant", "export", "console: that statement's CSV",
                reverse("console:billing_statement_csv", args=[statement.pk])),
        AppPage("merchant", "list", "console: invoices", inv),
        AppPage("api", "detail", "API: GET /api/v1/statements/<id>", f"/api/v1/statements/stm_{statement.pk}"),
        AppPage("api", "export", "API: that statement's PDF", f"/api/v1/statements/stm_{statement.pk}/pdf"),
        AppPage("api", "list", "API: GET /api/v1/invoices", "/api/v1/invoices"),
        AppPage("ops", "list", "ops: statements", ops_stm),
        AppPage("ops", "list", f"ops: statements, page {deep}", ops_stm + f"?p={deep - 1}"),
        AppPage("ops", "list", "ops: statements of a month", ops_stm + f"?month={statement.month:%Y-%m-%d}"),
        AppPage("ops", "list", "ops: statements searched by merchant", ops_stm + "?q=bill-"),
        AppPage("ops", "detail", "ops: a statement", reverse("admin:billing_statement_change", args=[statement.pk])),
        AppPage("ops", "list", "ops: invoices", ops_inv),
        AppPage("ops", "list", f"ops: invoices, page {deep}", ops_inv + f"?p={deep - 1}"),
        AppPage("ops", "list", "ops: invoices finalised", ops_inv + "?status__exact=FINALISED"),
    ]  # fmt: skip
    if billing.big_invoice_id:
        pk = billing.big_invoice_id
        pages += [
            AppPage("merchant", "detail", "console: an invoice", reverse("console:billing_invoice_change", args=[pk])),
            AppPage("merchant", "export", "console: its Factur-X PDF", reverse("console:billing_invoice_pdf", args=[pk])),
            AppPage("merchant", "export", "console: its XML", reverse("console:billing_invoice_xml", args=[pk])),
            AppPage("api", "export", "API: its Factur-X PDF", f"/api/v1/invoices/inv_{pk}/pdf"),
            AppPage("ops", "detail", "ops: an invoice", reverse("admin:billing_invoice_change", args=[pk])),
            AppPage("ops", "list", "ops: invoices searched by number", ops_inv + f"?q={numbered or ''}"),
        ]  # fmt: skip
    return pages


def promote_pages(*, promote: PromoteData) -> list[AppPage]:
    """What the merchant and a creator open in Promote, and operators' Promote lists."""
    orders = reverse("admin:promote_promoteorder_changelist")
    deep = max(1, min(50, promote.orders // 100))
    pages = [
        AppPage("merchant", "list", "console: Promote (coins, orders, purchases)", reverse("console:promote")),
        AppPage("merchant", "list", "console: Promote coupons", reverse("console:promote_coupons")),
        AppPage("merchant", "list", "console: Promote coupons, a consumer searched", reverse("console:promote_coupons") + "?q=consumer+77"),
        AppPage("merchant", "list", "console: the coupon form's consumer search (JSON)", reverse("console:promote_coupon_consumers") + "?q=consumer+77"),
        AppPage("merchant", "list", "console: consumers' shares", reverse("console:promote_shares")),
        AppPage("ops", "list", "ops: promotion orders", orders),
        AppPage("ops", "list", f"ops: promotion orders, page {deep}", orders + f"?p={deep - 1}"),
        AppPage("ops", "list", "ops: promotion orders active", orders + "?status__exact=ACTIVE"),
        AppPage("ops", "list", "ops: promotion orders searched", orders + "?q=autumn"),
        AppPage("ops", "list", "ops: coupons", reverse("admin:promote_coupon_changelist")),
        AppPage("ops", "list", "ops: coin wallets", reverse("admin:promote_coinwallet_changelist")),
        AppPage("ops", "list", "ops: coin purchases", reverse("admin:promote_coinpurchase_changelist")),
    ]  # fmt: skip
    if promote.busiest_order_id:
        pk = promote.busiest_order_id
        pages += [
            AppPage("merchant", "detail", "console: a promotion's analytics (the longest)",
                    reverse("console:promote_order", kwargs={"pk": pk})),
            AppPage("merchant", "export", "console: its CSV", reverse("console:promote_order_csv", kwargs={"pk": pk})),
            AppPage("ops", "detail", "ops: a promotion order", reverse("admin:promote_promoteorder_change", args=[pk])),
        ]  # fmt: skip
    if promote.creator_user_id:
        pages.append(
            AppPage("creator", "list", "creator: /promote/ (the busiest creator)", reverse("promote:home"))
        )
    if promote.creator_order_id:
        pk = promote.creator_order_id
        pages += [
            AppPage("creator", "detail", "creator: a promotion's analytics", reverse("promote:order", kwargs={"order_id": pk})),
            AppPage("creator", "export", "creator: its CSV", reverse("promote:order_csv", kwargs={"order_id": pk})),
        ]  # fmt: skip
    return pages


def creator_client(*, promote: PromoteData | None) -> Client:
    client = Client()
    if promote is not None and promote.creator_user_id:
        client.force_login(User.objects.get(pk=promote.creator_user_id))
    return client
