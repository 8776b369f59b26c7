"""Which merchant a console request acts for: the one selected among the user's memberships."""

from __future__ import annotations

from django.http import HttpRequest

from merchants.models import Membership
from merchants.roles import Capability, role_can

SESSION_KEY = "console_merchant_id"


def console_membership(request: HttpRequest) -> Membership | None:
    """The membership of the selected merchant (the first by brand name when none is selected)."""
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
    return membership


def console_can(request: HttpRequest, capability: Capability | None) -> bool:
    membership = console_membership(request)
    return capability is not None and membership is not None and role_can(membership.role, capability)
