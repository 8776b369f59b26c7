"""``/api/v1/conversions``: a merchant's server reports its affiliate program's conversions.

The view parses, calls ``affiliates.services.conversion_record`` once and renders the conversion
as ``affiliates.payloads`` represents it for the API and the webhooks (docs/affiliates.md).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from affiliates.models import Conversion, ConversionSource, Program
from affiliates.payloads import conversion_data
from affiliates.services import (
    DuplicateOrder,
    TagAttributionMismatch,
    conversion_record,
    tag_conversion_confirm,
    tag_conversion_supersede,
)
from api.base import IDEMPOTENCY_HEADER, ApiView, cursor_page, idempotent, typed_id
from api.models import Scope
from api.problems import ApiProblem, problems
from api.views import PAGE_PARAMS, READ_ERRORS

CLOCK_SKEW = timedelta(minutes=5)


def _conflict(error: DuplicateOrder | TagAttributionMismatch, *, code: str) -> ApiProblem:
    """A 409 naming the order's conversion (the one recorded first)."""
    return ApiProblem(
        gettext("%(problem)s It is %(id)s.") % {"problem": error, "id": typed_id("cnv", error.conversion.pk)},
        status=409,
        code=code,
    )


class ConversionIn(serializers.Serializer):
    """A conversion of the merchant's affiliate program. Send ``click_id`` (the ``tj_click`` query parameter the
    visitor arrived with) or ``customer_id`` (a customer bound to an affiliate by an earlier conversion), or both."""

    order_id = serializers.CharField(
        max_length=200, help_text="Unique per program: a second report is a 409."
    )
    event_type = serializers.CharField(max_length=40, default="sale", help_text="e.g. sale, sign_up.")
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, help_text="The order's value (revenue), e.g. 120.00."
    )
    currency = serializers.CharField(min_length=3, max_length=3, help_text="The program's currency.")
    occurred_at = serializers.DateTimeField(help_text="When the customer converted (ISO 8601 with offset).")
    click_id = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    customer_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    customer_email = serializers.EmailField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Only to spot self-referrals; not shown to affiliates.",
    )


class CommissionOut(serializers.Serializer):
    id = serializers.CharField()
    conversion = serializers.CharField()
    state = serializers.ChoiceField(choices=["pending", "held", "locked", "approved", "paid", "reversed"])
    amount = serializers.CharField()
    currency = serializers.CharField()
    lock_date = serializers.DateField()
    approve_date = serializers.DateField()
    reversal_code = serializers.CharField(allow_blank=True)


class ConversionOut(serializers.Serializer):
    id = serializers.CharField()
    order_id = serializers.CharField()
    event_type = serializers.CharField()
    amount = serializers.CharField()
    currency = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    status = serializers.ChoiceField(
        choices=["accepted", "rejected", "superseded"],
        help_text="superseded: a thank-you-page tag report set aside because your own report of the order named "
        "another affiliate's visit (its commission reversed); the order's standing conversion is the other one.",
    )
    reject_reason = serializers.CharField(allow_blank=True)
    commission = CommissionOut(allow_null=True)


class ConversionPage(serializers.Serializer):
    data = ConversionOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class Conversions(ApiView):
    required_scopes = {"POST": Scope.WRITE}

    def _program(self) -> Program:
        program = Program.objects.filter(merchant=self.key.merchant).first()
        if program is None:
            raise ApiProblem(
                gettext("You have no affiliate program: start one in the console first."),
                status=422,
                code="no_program",
            )
        return program

    @extend_schema(
        operation_id="conversions_list",
        parameters=PAGE_PARAMS,
        responses={200: ConversionPage, **problems(*READ_ERRORS)},
        tags=["affiliates"],
    )
    def get(self, request):
        """The program's conversions, newest first, with their commission's state."""
        program = Program.objects.filter(merchant=self.key.merchant).first()
        conversions = (
            Conversion.objects.filter(program=program).select_related("commission")
            if program
            else Conversion.objects.none()
        )
        return Response(cursor_page(request, conversions, conversion_data))

    @extend_schema(
        operation_id="conversions_create",
        request=ConversionIn,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: ConversionOut,
            200: OpenApiResponse(
                ConversionOut,
                description=(
                    "The order was reported by the thank-you-page tag first: this report confirms it "
                    "(when its click_id or customer_id gives the same affiliate; else 409 attribution_mismatch)."
                ),
            ),
            **problems(400, 401, 403, 409, 415, 422, 429),
        },
        tags=["affiliates"],
    )
    @idempotent
    def post(self, request):
        """Report a conversion (idempotent on the order id): attributed ones earn the affiliate a commission;
        the others are recorded as rejected, with the reason. An order the thank-you-page tag reported first
        is confirmed (200): its commission, held until now, goes on as pending."""
        body = ConversionIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        program = self._program()
        now = timezone.now()
        if data["currency"].upper() != program.currency:
            raise ApiProblem(
                gettext("The program's currency is %(currency)s.") % {"currency": program.currency},
                status=400,
                code="invalid_request",
            )
        if data["occurred_at"] > now + CLOCK_SKEW:
            raise ApiProblem(gettext("occurred_at is in the future."), status=400, code="invalid_request")
        if not data["click_id"] and not data["customer_id"]:
            raise ApiProblem(gettext("Send click_id or customer_id."), status=400, code="invalid_request")
        recorded = {
            "program": program,
            "order_id": data["order_id"],
            "event_type": data["event_type"],
            "amount": data["amount"],
            "currency": program.currency,
            "occurred_at": data["occurred_at"],
            "click_id": data["click_id"],
            "customer_ref": data["customer_id"],
            "customer_email": data["customer_email"],
            "now": now,
        }
        try:
            conversion = conversion_record(**recorded)
        except DuplicateOrder as exc:
            if exc.conversion.source != ConversionSource.TAG:
                raise _conflict(exc, code="duplicate_order") from exc
            # The thank-you-page tag reported this order first: the server's report confirms it.
            try:
                conversion = tag_conversion_confirm(
                    conversion_id=exc.conversion.pk,
                    amount=data["amount"],
                    click_id=data["click_id"],
                    customer_ref=data["customer_id"],
                    occurred_at=data["occurred_at"],
                    now=now,
                )
            except TagAttributionMismatch as mismatch:
                if not mismatch.another_affiliate or not tag_conversion_supersede(
                    conversion_id=mismatch.conversion.pk, now=now
                ):
                    raise _conflict(mismatch, code="attribution_mismatch") from mismatch
                # Another affiliate brought the order, by the shop's own report: it stands (201), and
                # the tag's report is set aside with its held commission reversed.
                try:
                    conversion = conversion_record(**recorded)
                except DuplicateOrder as again:
                    raise _conflict(again, code="duplicate_order") from again
                return Response(conversion_data(conversion), status=201)
            except DuplicateOrder as again:
                raise ApiProblem(str(again), status=409, code="duplicate_order") from again
            return Response(conversion_data(conversion), status=200)
        return Response(conversion_data(conversion), status=201)
