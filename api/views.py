"""``/api/v1/``: each view parses input, makes one service or selector call, renders the result."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.response import Response

from api import serializers as s
from api.base import (
    IDEMPOTENCY_HEADER,
    ApiView,
    cursor_page,
    cursor_page_of_list,
    idempotent,
    page_of,
    page_params,
    parse_id,
    typed_id,
)
from api.models import Scope
from api.problems import ApiProblem, CampaignProblem, problems
from api.selectors import action_reward_id, reward_page
from campaigns.models import REPORTED_ACTIONS, Campaign, RewardRule
from campaigns.selectors import landing_offers
from campaigns.services import (
    CampaignError,
    CampaignInvalid,
    NotAllowed,
    campaign_activate,
    campaign_create,
    campaign_pause,
    campaign_update,
)
from merchants.consumer_ids import consumer_ref, consumer_user_id
from merchants.selectors import consented_data_for_merchant, wallet_balance, wallet_balances, wallet_history
from rewards.models import Reward, RewardStatus, SocialAction
from rewards.reported import ReportedActionError, reported_action_record
from rewards.services import RewardError, reward_reverse
from webhooks.models import WebhookEndpoint
from webhooks.reasons import DISABLED_THROUGH_API, reason_english
from webhooks.services import WebhookError, endpoint_create, endpoint_disable
from webhooks.ssrf import UnsafeUrl

READ_ERRORS = (400, 401, 403, 429)
ONE_ERRORS = (401, 403, 404, 429)
PAGE_PARAMS = [
    OpenApiParameter(
        "limit", {"type": "integer", "minimum": 1, "maximum": 100}, description="1 to 100 (default 50)."
    ),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="next_cursor of the previous page."),
]


def _campaigns(merchant):
    return Campaign.objects.filter(merchant=merchant).prefetch_related(
        Prefetch("rules", queryset=RewardRule.objects.order_by("pk"))
    )


class CampaignList(ApiView):
    required_scopes = {"POST": Scope.WRITE}

    @extend_schema(
        operation_id="campaigns_list",
        parameters=PAGE_PARAMS,
        responses={200: s.CampaignPage, **problems(*READ_ERRORS)},
        tags=["campaigns"],
    )
    def get(self, request):
        """The merchant's campaigns with their reward rules, newest first."""
        return Response(cursor_page(request, _campaigns(self.key.merchant), s.campaign_data))

    @extend_schema(
        operation_id="campaigns_create",
        request=s.CampaignIn,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.CampaignOut, **problems(400, 401, 403, 409, 415, 422, 429)},
        tags=["campaigns"],
    )
    @idempotent
    def post(self, request):
        """A new campaign, as a draft, with its rules (activate it to go live)."""
        body = s.CampaignIn(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        rules = values.pop("rules", [])
        with CampaignErrors():
            campaign = campaign_create(
                merchant=self.key.merchant, actor=self.key.created_by, values=values, rules=rules
            )
        return Response(s.campaign_data(_campaigns(self.key.merchant).get(pk=campaign.pk)), status=201)


class CampaignDetail(ApiView):
    required_scopes = {"PATCH": Scope.WRITE}

    @extend_schema(
        operation_id="campaigns_retrieve",
        responses={200: s.CampaignOut, **problems(*ONE_ERRORS)},
        tags=["campaigns"],
    )
    def get(self, request, id: str):
        campaign = get_object_or_404(_campaigns(self.key.merchant), pk=parse_id("cmp", id))
        return Response(s.campaign_data(campaign))

    @extend_schema(
        operation_id="campaigns_update",
        request=s.CampaignIn(partial=True),
        responses={200: s.CampaignOut, **problems(400, 401, 403, 404, 415, 422, 429)},
        tags=["campaigns"],
    )
    def patch(self, request, id: str):
        """Change a campaign's fields and/or replace some of its rules (by action). Not once ended."""
        campaign = get_object_or_404(_campaigns(self.key.merchant), pk=parse_id("cmp", id))
        body = s.CampaignIn(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        rules = changes.pop("rules", None)
        if rules is not None:  # a partial body skips defaults: a rule sent is whole, as in a creation
            rules = [{**s.RULE_DEFAULTS, **rule} for rule in rules]
        with CampaignErrors():
            campaign_update(campaign=campaign, actor=self.key.created_by, changes=changes, rules=rules)
        return Response(s.campaign_data(_campaigns(self.key.merchant).get(pk=campaign.pk)))


class CampaignErrors:
    """The campaign services' errors as problems: field errors 422 with ``errors``; not allowed 403."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, NotAllowed):
            raise ApiProblem(
                gettext("The key's creator may no longer manage campaigns for this merchant."),
                status=403,
                code="actor_not_allowed",
            ) from error
        if isinstance(error, CampaignInvalid):
            raise CampaignProblem(error) from error
        if isinstance(error, CampaignError):
            raise ApiProblem(str(error), status=422, code="campaign_rejected") from error
        return False


class CampaignTransition(ApiView):
    required_scopes = {"POST": Scope.WRITE}
    transition = ""

    def post(self, request, id: str):
        campaign = get_object_or_404(_campaigns(self.key.merchant), pk=parse_id("cmp", id))
        with CampaignErrors():
            if self.transition == "activate":
                campaign_activate(campaign=campaign, actor=self.key.created_by, now=timezone.now())
            else:
                campaign_pause(campaign=campaign, actor=self.key.created_by)
        return Response(s.campaign_data(_campaigns(self.key.merchant).get(pk=campaign.pk)))


TRANSITION_SCHEMA = {
    "request": None,
    "responses": {200: s.CampaignOut, **problems(401, 403, 404, 422, 429)},
    "tags": ["campaigns"],
}


@extend_schema_view(post=extend_schema(operation_id="campaigns_activate", **TRANSITION_SCHEMA))
class CampaignActivate(CampaignTransition):
    """Draft or paused -> active (its rules must be valid and one must pay)."""

    transition = "activate"


@extend_schema_view(post=extend_schema(operation_id="campaigns_pause", **TRANSITION_SCHEMA))
class CampaignPause(CampaignTransition):
    """Active -> paused by the merchant."""

    transition = "pause"


REWARD_COLUMNS = (
    "pk",
    "campaign_id",
    "action_type",
    "kind",
    "status",
    "currency",
    "merchant_price",
    "reason",
    "created_at",
    "available_at",
    "decided_at",
)


def _rewards(merchant):
    """The merchant's rewards with only the columns the API shows (the action's type is the reward's own)."""
    return Reward.objects.filter(merchant=merchant).only(*REWARD_COLUMNS)


class RewardList(ApiView):
    @extend_schema(
        operation_id="rewards_list",
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("status", OpenApiTypes.STR, enum=RewardStatus.values),
            OpenApiParameter("campaign", OpenApiTypes.STR, description="A campaign id, e.g. cmp_12."),
            OpenApiParameter("created_after", OpenApiTypes.DATETIME),
            OpenApiParameter("created_before", OpenApiTypes.DATETIME),
        ],
        responses={200: s.RewardPage, **problems(*READ_ERRORS)},
        tags=["rewards"],
    )
    def get(self, request):
        """The merchant's rewards, newest first, filtered by status, campaign and creation time."""
        values = {}
        if _REWARD_FILTERS.intersection(request.query_params):  # the filters' checks cost: only when sent
            filters = _RewardFilters(data=request.query_params)
            if not filters.is_valid():
                raise exceptions.ValidationError(filters.errors)
            values = filters.validated_data
        campaign_id = None
        if values.get("campaign"):
            head, _, number = values["campaign"].partition("_")
            if head != "cmp" or not number.isascii() or not number.isdigit() or int(number) > 2**63 - 1:
                raise exceptions.ValidationError({"campaign": [gettext("A campaign id, e.g. cmp_12.")]})
            campaign_id = int(number)
        limit, after = page_params(request)
        # One fixed statement, rows as the API shows them (the API's busiest read: docs/benchmarks.md).
        rows = reward_page(
            merchant_id=self.key.merchant_id,
            limit=limit + 1,
            after=after,
            status=values.get("status") or None,
            campaign_id=campaign_id,
            created_after=values.get("created_after") or None,
            created_before=values.get("created_before") or None,
        )
        return Response(page_of(rows, limit, pk=lambda row: int(row["id"].removeprefix("rwd_"))))


_REWARD_FILTERS = frozenset({"status", "campaign", "created_after", "created_before"})


class _RewardFilters(s.serializers.Serializer):
    status = s.serializers.ChoiceField(choices=RewardStatus.choices, required=False)
    campaign = s.serializers.CharField(required=False, max_length=40)
    created_after = s.serializers.DateTimeField(required=False)
    created_before = s.serializers.DateTimeField(required=False)
    limit = s.serializers.CharField(required=False)
    cursor = s.serializers.CharField(required=False)


class RewardDetail(ApiView):
    @extend_schema(
        operation_id="rewards_retrieve",
        responses={200: s.RewardOut, **problems(*ONE_ERRORS)},
        tags=["rewards"],
    )
    def get(self, request, id: str):
        reward = get_object_or_404(_rewards(self.key.merchant), pk=parse_id("rwd", id))
        return Response(s.reward_data(reward))


class RewardReverse(ApiView):
    required_scopes = {"POST": Scope.WRITE}

    @extend_schema(
        operation_id="rewards_reverse",
        request=s.ReverseIn,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: s.RewardOut, **problems(400, 401, 403, 404, 409, 415, 422, 429)},
        tags=["rewards"],
    )
    @idempotent
    def post(self, request, id: str):
        """Reverse a pending or held reward: the money goes back to the wallet. The consumer sees the reason.

        The ledger records the key's creator as the actor, and the key's audit trail the request.
        """
        reward = get_object_or_404(_rewards(self.key.merchant), pk=parse_id("rwd", id))
        body = s.ReverseIn(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            reward = reward_reverse(
                reward_id=reward.pk,
                reason=body.validated_data["reason"],
                actor=self.key.created_by,
                now=timezone.now(),
            )
        except RewardError as error:
            raise ApiProblem(str(error), status=409, code="reward_not_reversible") from error
        return Response(s.reward_data(_rewards(self.key.merchant).get(pk=reward.pk)))


def _reported(merchant):
    return SocialAction.objects.filter(
        merchant=merchant, action_type__in=REPORTED_ACTIONS, key__startswith=f"reported:{merchant.pk}:"
    )


def _action_response(action: SocialAction, *, status: int = 200) -> Response:
    """The action and the reward it earned (as the engine just paid it, else read)."""
    if hasattr(action, "paid_reward_id"):
        reward_id = action.paid_reward_id
    else:
        reward_id = action_reward_id(action_id=action.pk)
    return Response(s.action_data(action, reward_id=reward_id), status=status)


class ActionReport(ApiView):
    required_scopes = {"POST": Scope.WRITE}

    @extend_schema(
        operation_id="actions_report",
        request=s.ActionIn,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: s.ActionOut,
            200: OpenApiResponse(
                s.ActionOut, description="This event_id was already reported: the first answer."
            ),
            **problems(400, 401, 403, 409, 415, 422, 429),
        },
        tags=["actions"],
    )
    @idempotent
    def post(self, request):
        """Report a purchase or sign-up in your shop by a person who joined the brand; the live campaign's
        rule for it pays them (pending, then confirmed after the hold; reverse it like any reward)."""
        values = s.action_in(request.data)
        try:
            action, created = reported_action_record(
                merchant=self.key.merchant,
                # None (nobody) for an id that isn't this merchant's: the same answer as a stranger's
                consumer_id=consumer_user_id(merchant_id=self.key.merchant_id, ref=values["consumer"]),
                action_type=values["type"],
                event_id=values["event_id"],
                occurred_at=values.get("occurred_at"),
                now=timezone.now(),
            )
        except ReportedActionError as error:
            status = 409 if error.code == "event_id_reused" else 422
            raise ApiProblem(str(error), status=status, code=error.code) from error
        return _action_response(action, status=201 if created else 200)


class ActionDetail(ApiView):
    @extend_schema(
        operation_id="actions_retrieve",
        responses={200: s.ActionOut, **problems(*ONE_ERRORS)},
        tags=["actions"],
    )
    def get(self, request, id: str):
        """A reported action and what it earned."""
        return _action_response(get_object_or_404(_reported(self.key.merchant), pk=parse_id("act", id)))


class ConsumerList(ApiView):
    @extend_schema(
        operation_id="consumers_list",
        parameters=PAGE_PARAMS,
        responses={200: s.ConsumerPage, **problems(*READ_ERRORS)},
        tags=["consumers"],
    )
    def get(self, request):
        """The people who agreed to share data with the merchant, each with only the fields they agreed to,
        under the id this merchant knows them by (con_...: another brand knows them by another)."""
        merchant = self.key.merchant

        def person(p):
            return {
                "id": consumer_ref(merchant_id=merchant.pk, user_id=p.user_id),
                "consented_at": p.given_at.isoformat(),
                "data": dict(p.data),
            }

        # Only the page (and one more, to know there is a next one) is read, in person-id order.
        limit, after = page_params(request)
        people = consented_data_for_merchant(merchant=merchant, after_consent_id=after, limit=limit + 1)
        return Response(cursor_page_of_list(request, people, person, pk=lambda p: p.consent_id))


class Wallet(ApiView):
    @extend_schema(
        operation_id="wallet_retrieve",
        responses={200: s.WalletOut, **problems(401, 403, 429)},
        tags=["wallet"],
    )
    def get(self, request):
        """The available balance: what rewards can still be paid from."""
        merchant = self.key.merchant
        as_dict = lambda money: {"amount": str(money.amount), "currency": str(money.currency)}  # noqa: E731
        return Response(
            {
                "balance": as_dict(wallet_balance(merchant=merchant)),
                "balances": [as_dict(m) for m in wallet_balances(merchant=merchant)],
            }
        )


class WalletHistory(ApiView):
    @extend_schema(
        operation_id="wallet_transactions_list",
        parameters=PAGE_PARAMS,
        responses={200: s.WalletEntryPage, **problems(*READ_ERRORS)},
        tags=["wallet"],
    )
    def get(self, request):
        """Every movement of the available balance, newest first, with its reason."""

        def entry(e):
            return {
                "id": typed_id("ent", e.pk),
                "amount": str(e.amount),
                "currency": e.currency,
                "kind": e.transaction.kind,
                "reason": e.transaction.reason,
                "created_at": e.transaction.created_at.isoformat(),
            }

        return Response(cursor_page(request, wallet_history(merchant=self.key.merchant), entry))


class TopUp(ApiView):
    @extend_schema(
        operation_id="wallet_top_up_retrieve",
        responses={200: s.TopUpOut, **problems(401, 403, 429)},
        tags=["wallet"],
    )
    def get(self, request):
        """How to add funds: a bank transfer with the merchant's payment reference."""
        merchant = self.key.merchant
        bank = settings.PLATFORM_BANK_DETAILS
        return Response(
            {
                "account_holder": bank["account_holder"],
                "iban": bank["iban"],
                "bic": bank["bic"],
                "bank_name": bank["bank_name"],
                "currency": merchant.currency,
                "payment_reference": merchant.payment_reference,
            }
        )


class EndpointList(ApiView):
    required_scopes = {"POST": Scope.WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_list",
        parameters=PAGE_PARAMS,
        responses={200: s.EndpointPage, **problems(*READ_ERRORS)},
        tags=["webhooks"],
    )
    def get(self, request):
        """The merchant's webhook endpoints (active and disabled)."""
        endpoints = WebhookEndpoint.objects.filter(merchant=self.key.merchant)
        return Response(cursor_page(request, endpoints, s.endpoint_data))

    @extend_schema(
        operation_id="webhook_endpoints_create",
        request=s.EndpointIn,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.EndpointCreatedOut, **problems(400, 401, 403, 409, 415, 422, 429)},
        tags=["webhooks"],
    )
    @idempotent
    def post(self, request):
        """Register a URL for events; the answer holds its whsec_ secret, shown only here."""
        body = s.EndpointIn(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            endpoint = endpoint_create(
                merchant=self.key.merchant,
                url=body.validated_data["url"],
                events=body.validated_data["events"],
                description=body.validated_data["description"],
                actor=self.key.created_by,
                now=timezone.now(),
            )
        except UnsafeUrl as error:
            raise ApiProblem(str(error), status=422, code="unsafe_url") from error
        except WebhookError as error:
            raise ApiProblem(str(error), status=422, code="invalid_endpoint") from error
        response = Response(s.endpoint_data(endpoint, with_secret=True), status=201)
        response.replay_data = {**response.data, "secret": None}  # the secret is shown once, never stored
        return response


class EndpointDetail(ApiView):
    required_scopes = {"DELETE": Scope.WRITE}

    def _get(self, id: str) -> WebhookEndpoint:
        return get_object_or_404(WebhookEndpoint, merchant=self.key.merchant, pk=parse_id("whe", id))

    @extend_schema(
        operation_id="webhook_endpoints_retrieve",
        responses={200: s.EndpointOut, **problems(*ONE_ERRORS)},
        tags=["webhooks"],
    )
    def get(self, request, id: str):
        return Response(s.endpoint_data(self._get(id)))

    @extend_schema(
        operation_id="webhook_endpoints_disable",
        responses={
            204: OpenApiResponse(description="Disabled: nothing more is sent."),
            **problems(*ONE_ERRORS),
        },
        tags=["webhooks"],
    )
    def delete(self, request, id: str):
        """Disable the endpoint (its delivery log is kept)."""
        endpoint_disable(
            endpoint=self._get(id), reason=reason_english(DISABLED_THROUGH_API), now=timezone.now()
        )
        return Response(status=204)


class Offer(ApiView):
    required_scopes = {"GET": Scope.PUBLIC}

    @extend_schema(
        operation_id="offer_retrieve", responses={200: s.OfferOut, **problems(401, 429)}, tags=["public"]
    )
    def get(self, request):
        """The merchant's live offer, as the brand page shows it: what a person earns (the merchant's
        price less TikJoy's share, capped as the engine caps it). Any key, publishable ones included."""
        merchant = self.key.merchant
        live = landing_offers(merchant=merchant, now=timezone.now(), texts=False)
        return Response(
            {
                "brand_name": merchant.brand_name,
                "brand_page": reverse("brand:landing", kwargs={"slug": merchant.slug}),
                "campaigns": [
                    {
                        "id": typed_id("cmp", item["campaign"].pk),
                        "name": item["campaign"].name,
                        "currency": item["campaign"].currency,
                        "ends_at": item["campaign"].ends_at.isoformat() if item["campaign"].ends_at else None,
                        "rules": [
                            {
                                "action": offer.action,
                                "amount": str(offer.new_user.amount),
                                "returning_amount": str(offer.returning_user.amount),
                            }
                            for offer in item["offers"]
                        ],
                    }
                    for item in live
                ],
            }
        )
