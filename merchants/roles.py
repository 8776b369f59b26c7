"""Who may do what in the merchant console. The one place the rules are written.

docs/merchants.md shows the same table; every console page and action asks
:func:`role_can` (through ``ConsoleModelAdmin`` or ``console_view``).
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "OWNER", _("Owner")
    MANAGER = "MANAGER", _("Manager")
    AGENCY = "AGENCY", _("Agency")
    VIEWER = "VIEWER", _("Viewer")


class Capability(StrEnum):
    VIEW = "VIEW"  # see the dashboard, touchpoints, team, wallet, top-ups
    EDIT_BRAND = "EDIT_BRAND"  # brand name, logo, contact e-mail
    MANAGE_TOUCHPOINTS = "MANAGE_TOUCHPOINTS"  # add and change touchpoints, print posters
    MANAGE_BILLING = "MANAGE_BILLING"  # legal and billing details, add funds, low-balance threshold
    MANAGE_TEAM = "MANAGE_TEAM"  # invite, change roles, remove members
    MANAGE_CAMPAIGNS = "MANAGE_CAMPAIGNS"  # campaigns, reward rules, the video library, UGC review
    MANAGE_API = "MANAGE_API"  # API keys and webhook endpoints (owners only)
    VIEW_BILLING = "VIEW_BILLING"  # monthly statements and service-fee invoices (owners, managers)
    CHAT = "CHAT"  # the Inbox: WhatsApp conversations with consumers, paid from the wallet (owners, managers)
    CLOSE_MERCHANT = "CLOSE_MERCHANT"  # close the merchant, its bank details for the refund (owners only)


# What a closed merchant's team can still do: read its history and documents, and see its refund through.
CLOSED_CAPABILITIES = frozenset({Capability.VIEW, Capability.VIEW_BILLING, Capability.CLOSE_MERCHANT})


CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset(Capability),
    Role.MANAGER: frozenset(
        {
            Capability.VIEW,
            Capability.EDIT_BRAND,
            Capability.MANAGE_TOUCHPOINTS,
            Capability.MANAGE_CAMPAIGNS,
            Capability.VIEW_BILLING,
            Capability.CHAT,
        }
    ),
    Role.AGENCY: frozenset({Capability.VIEW, Capability.MANAGE_TOUCHPOINTS, Capability.MANAGE_CAMPAIGNS}),
    Role.VIEWER: frozenset({Capability.VIEW}),
}


def role_can(role: str | None, capability: Capability, *, closed: bool = False) -> bool:
    """Whether ``role`` may do ``capability``; for a closed merchant, only reading and the closure itself."""
    if closed and capability not in CLOSED_CAPABILITIES:
        return False
    return role is not None and capability in CAPABILITIES.get(role, frozenset())
