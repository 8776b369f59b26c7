"""Which merchant a console request acts for: the one selected among the user's memberships.

A page is made for one merchant and every POST form on it carries that merchant
(``console_merchant``, added by the console site). A POST acts only when that is
still the selected merchant and the user is still in its team; otherwise it is
refused with a message (:func:`console_request_merchant_check`). A user removed
from the merchant they had selected is moved to another of their merchants only
on a page they are reading (GET), and told so.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from merchants.models import Membership, Merchant
from merchants.roles import Capability, role_can

SESSION_KEY = "console_merchant_id"
MERCHANT_FIELD = "console_merchant"


def _lost_selection(request: HttpRequest) -> int | None:
    """The merchant id the session had selected when the user is no longer in its team."""
    return getattr(request, "_console_lost_merchant_id", None)


def console_membership(request: HttpRequest) -> Membership | None:
    """The membership of the selected merchant (the first by brand name when none is selected).

    When the selected merchant is no longer one of the user's, the first other one is
    returned and ``request._console_lost_merchant_id`` records the lost selection.
    """
    if hasattr(request, "_console_membership"):
        return request._console_membership
    membership = None
    user = request.user
    if user.is_authenticated and user.is_active:
        memberships = Membership.objects.filter(user=user).select_related("merchant")
        selected = request.session.get(SESSION_KEY)
        if selected is not None:
            membership = memberships.filter(merchant_id=selected).first()
            if membership is None:
                request._console_lost_merchant_id = selected
        if membership is None:
            membership = memberships.order_by("merchant__brand_name", "pk").first()
    request._console_membership = membership
    return membership


def console_select(request: HttpRequest, *, merchant_id: int) -> Membership | None:
    """Select one of the user's merchants; ``None`` when the user is not in its team."""
    membership = (
        Membership.objects.filter(user=request.user, merchant_id=merchant_id)
        .select_related("merchant")
        .first()
        if request.user.is_authenticated
        else None
    )
    if membership is not None:
        request.session[SESSION_KEY] = membership.merchant_id
        request._console_membership = membership
        request._console_lost_merchant_id = None
    return membership


def _brand(merchant_id: int) -> str:
    return Merchant.objects.filter(pk=merchant_id).values_list("brand_name", flat=True).first() or _(
        "a merchant"
    )


def console_request_merchant_check(request: HttpRequest) -> str | None:
    """Why this console POST must not act (a message for the person), or None when it may.

    Side effect on a refusal caused by a lost selection: the session moves to the
    merchant now shown, so the page the person is sent back to is consistent.
    """
    membership = console_membership(request)
    lost = _lost_selection(request)
    carried = request.POST.get(MERCHANT_FIELD)
    if lost is not None:
        # The selection came from this session, so naming it reveals nothing new.
        message = (
            _("You are no longer in the team of %(brand)s, so nothing was changed.") % {"brand": _brand(lost)}
            + " "
            + (
                _("You are now working on %(brand)s.") % {"brand": membership.merchant.brand_name}
                if membership is not None
                else _("You are in no other merchant's team.")
            )
        )
        if membership is not None:
            request.session[SESSION_KEY] = membership.merchant_id
        else:
            request.session.pop(SESSION_KEY, None)
        return message
    if carried is None:
        return None
    current = membership.merchant_id if membership is not None else None
    if not (carried.isascii() and carried.isdigit()) or int(carried) != current:
        # Name the merchant the page was made for only when the user is still in its team.
        made_for = (
            _brand(int(carried))
            if carried.isascii()
            and carried.isdigit()
            and Membership.objects.filter(user=request.user, merchant_id=int(carried)).exists()
            else _("another merchant")
        )
        now_on = membership.merchant.brand_name if membership is not None else _("no merchant")
        return _(
            "This page was made for %(made_for)s, but you are now working on %(now_on)s "
            "(switched in another tab?), so nothing was changed. Check the page and try again."
        ) % {"made_for": made_for, "now_on": now_on}
    return None


def console_notice_lost_selection(request: HttpRequest) -> None:
    """On a page being read: tell the person their selected merchant is gone, and select the one shown."""
    lost = _lost_selection(request)
    membership = console_membership(request)
    if lost is None or membership is None:
        return
    messages.warning(
        request,
        _("You are no longer in the team of %(brand)s: you are now working on %(now_on)s.")
        % {"brand": _brand(lost), "now_on": membership.merchant.brand_name},
    )
    request.session[SESSION_KEY] = membership.merchant_id
    request._console_lost_merchant_id = None


def console_can(request: HttpRequest, capability: Capability | None) -> bool:
    membership = console_membership(request)
    return (
        capability is not None
        and membership is not None
        and role_can(membership.role, capability, closed=membership.merchant.closed_at is not None)
    )
