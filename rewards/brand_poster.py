"""What a person can earn on a brand's page, in a few words, and the printable poster of the brand page.

``brand_earnings`` reads the live campaigns' rules (the same offers the brand page lists, after
the platform's margin) and says what they pay, truthfully: "up to" only where an amount is a
ceiling (new and returning customers earn differently, a post's engagement has a cap); nothing
at all when no campaign is live. The brand page's top and the poster both use it.

The poster (A4 PDF) and the QR code (SVG) point at the brand page itself, ``/b/<slug>/``; store
posters, with a touchpoint's key, stay in ``merchants.poster``. Both are console pages
(``/console/brand-poster/``, ``/console/brand-qr.svg``) and a dashboard panel links them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from weasyprint import HTML

from campaigns.models import LOGIN_ACTIONS, ActionType
from campaigns.selectors import Offer, live_offers
from core.spreadsheets import download_name
from merchants.console_site import console_site, console_view
from merchants.models import Membership, Merchant
from merchants.poster import qr_svg_bytes, qr_svg_data_uri
from merchants.roles import Capability
from merchants.tenancy import console_membership
from wallets.formats import money_text

# What a person does for each action: as a line of the offers ("Share our video on TikTok: ...")
# and inside the headline ("Earn €1.20 when you share our video on TikTok"). Whole phrases per
# action, so a language can put the verb where it belongs.
_LINE_PHRASES = {
    ActionType.TIKTOK_LOGIN: pgettext_lazy("earn line", "Sign in with TikTok"),
    ActionType.WHATSAPP_LOGIN: pgettext_lazy("earn line", "Sign in with WhatsApp"),
    ActionType.SHARE_VIDEO: pgettext_lazy("earn line", "Share our video on TikTok"),
    ActionType.LIKE: pgettext_lazy("earn line", "Like one of our posts"),
    ActionType.COMMENT: pgettext_lazy("earn line", "Comment on one of our posts"),
    ActionType.PURCHASE: pgettext_lazy("earn line", "Buy in our shop"),
    ActionType.SIGN_UP: pgettext_lazy("earn line", "Sign up in our shop"),
}
_WHEN_PHRASES = {
    ActionType.TIKTOK_LOGIN: pgettext_lazy("earn headline", "when you sign in with TikTok"),
    ActionType.WHATSAPP_LOGIN: pgettext_lazy("earn headline", "when you sign in with WhatsApp"),
    ActionType.SHARE_VIDEO: pgettext_lazy("earn headline", "when you share our video on TikTok"),
    ActionType.LIKE: pgettext_lazy("earn headline", "when you like one of our posts"),
    ActionType.COMMENT: pgettext_lazy("earn headline", "when you comment on one of our posts"),
    ActionType.PURCHASE: pgettext_lazy("earn headline", "when you buy in our shop"),
    ActionType.SIGN_UP: pgettext_lazy("earn headline", "when you sign up in our shop"),
}


def _money(amount: Decimal, currency: str) -> str:
    """``€1,234.50`` in English, ``1.234,50 €`` in German: the one money format (``wallets.formats``)."""
    return money_text(amount, currency)


def _and(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) == 1:
        return items[0]
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _rate(value: Decimal, currency: str) -> str:
    return money_text(value, currency)  # every digit of the rate (0.008 stays 0.008)


@dataclass(frozen=True)
class EarnLine:
    action: str
    fixed: Decimal  # the most this action pays at once (0: engagement only)
    text: str  # e.g. "Share our video on TikTok: €1.20, plus up to €5.00 per post ..."


@dataclass(frozen=True)
class BrandEarnings:
    headline: str  # e.g. "Earn up to €1.20 when you share our video on TikTok"
    lines: list[EarnLine]


def _line(offer: Offer, currency: str) -> EarnLine | None:
    new, returning = offer.new_user.amount, offer.returning_user.amount
    fixed = max(new, returning)
    parts = []
    if fixed > 0:
        if new != returning:
            parts.append(gettext("up to %(amount)s") % {"amount": _money(fixed, currency)})
        else:
            parts.append(_money(fixed, currency))
    if offer.has_engagement:
        if offer.max_per_post is not None:
            measured = [
                str(name)
                for name, rate in (
                    (pgettext_lazy("engagement measured", "views"), offer.per_1000_views),
                    (pgettext_lazy("engagement measured", "likes"), offer.per_like),
                    (pgettext_lazy("engagement measured", "comments"), offer.per_comment),
                    (pgettext_lazy("engagement measured", "shares"), offer.per_share),
                )
                if rate
            ]
            engagement = gettext("up to %(amount)s per post from its %(measures)s") % {
                "amount": _money(offer.max_per_post.amount, currency),
                "measures": _and(measured),
            }
        else:
            rates = [
                gettext("%(rate)s per 1,000 views") % {"rate": _rate(offer.per_1000_views, currency)}
                if offer.per_1000_views
                else "",
                gettext("%(rate)s per like") % {"rate": _rate(offer.per_like, currency)}
                if offer.per_like
                else "",
                gettext("%(rate)s per comment") % {"rate": _rate(offer.per_comment, currency)}
                if offer.per_comment
                else "",
                gettext("%(rate)s per share") % {"rate": _rate(offer.per_share, currency)}
                if offer.per_share
                else "",
            ]
            engagement = gettext("%(rates)s on your post") % {"rates": _and([r for r in rates if r])}
        parts.append(gettext("plus %(engagement)s") % {"engagement": engagement} if parts else engagement)
    if not parts:
        return None
    if offer.action in LOGIN_ACTIONS:
        parts[-1] = gettext("%(amount)s, once") % {"amount": parts[-1]}
    phrase = str(_LINE_PHRASES.get(offer.action, offer.label))
    return EarnLine(
        offer.action, fixed, gettext("%(action)s: %(earns)s") % {"action": phrase, "earns": ", ".join(parts)}
    )


def brand_earnings(*, merchant: Merchant, now: datetime) -> BrandEarnings | None:
    """What the live campaigns pay, in words, best first; None when nothing is live (or pays)."""
    return earnings_from_offers(live_offers(merchant=merchant, now=now))


def earnings_from_offers(offers: list[dict]) -> BrandEarnings | None:
    """``brand_earnings`` from the live campaigns' offers already read (``campaigns.selectors.landing_offers``),
    in the active language."""
    best: dict[str, tuple[Offer, str]] = {}
    for item in offers:
        currency = item["campaign"].currency
        for offer in item["offers"]:
            top = max(offer.new_user.amount, offer.returning_user.amount)
            held = best.get(offer.action)
            if held is None or top > max(held[0].new_user.amount, held[0].returning_user.amount):
                best[offer.action] = (offer, currency)
    lines = [line for offer, currency in best.values() if (line := _line(offer, currency)) is not None]
    if not lines:
        return None
    lines.sort(key=lambda line: line.fixed, reverse=True)
    top_offer, currency = best[lines[0].action]
    when = str(_WHEN_PHRASES[top_offer.action])
    if lines[0].fixed > 0:
        values = {"amount": _money(lines[0].fixed, currency), "when": when}
        ceiling = top_offer.new_user.amount != top_offer.returning_user.amount
        if top_offer.has_engagement:  # the fixed amount is not all it can pay: never say less than true
            headline = (
                gettext("Earn up to %(amount)s %(when)s, plus more as your post is seen")
                if ceiling
                else gettext("Earn %(amount)s %(when)s, plus more as your post is seen")
            ) % values
        else:
            headline = (
                gettext("Earn up to %(amount)s %(when)s") if ceiling else gettext("Earn %(amount)s %(when)s")
            ) % (values)
    elif top_offer.max_per_post is not None:
        headline = gettext("Earn up to %(amount)s per post %(when)s") % {
            "amount": _money(top_offer.max_per_post.amount, currency),
            "when": when,
        }
    else:
        headline = gettext("Earn cash %(when)s") % {"when": when}
    return BrandEarnings(headline=headline, lines=lines)


# --- the poster and the QR code -----------------------------------------------------------------


def brand_page_url(*, merchant: Merchant) -> str:
    return settings.SITE_URL + reverse("brand:landing", kwargs={"slug": merchant.slug})


def brand_poster_html(*, merchant: Merchant, now: datetime) -> str:
    url = brand_page_url(merchant=merchant)
    logo_uri = None
    if merchant.logo:
        try:
            logo_uri = Path(merchant.logo.path).as_uri()
        except (NotImplementedError, ValueError):
            logo_uri = None
    return render_to_string(
        "brand/poster.html",
        {
            "merchant": merchant,
            "landing_url": url,
            "qr": qr_svg_data_uri(data=url),
            "logo_path": logo_uri,
            "earnings": brand_earnings(merchant=merchant, now=now),
        },
    )


def brand_poster_pdf(*, merchant: Merchant, now: datetime) -> bytes:
    return HTML(
        string=brand_poster_html(merchant=merchant, now=now), base_url=str(settings.MEDIA_ROOT)
    ).write_pdf()


@console_view(Capability.VIEW)
def brand_poster(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    now = timezone.now()
    response = HttpResponse(brand_poster_pdf(merchant=merchant, now=now), content_type="application/pdf")
    filename = download_name(
        pgettext("file name", "poster"), merchant.slug, day=timezone.localdate(now), extension="pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@console_view(Capability.VIEW)
def brand_qr(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    response = HttpResponse(
        qr_svg_bytes(data=brand_page_url(merchant=merchant)), content_type="image/svg+xml"
    )
    filename = download_name(
        pgettext("file name", "QR code"), merchant.slug, day=timezone.localdate(), extension="svg"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _poster_panel(request: HttpRequest, membership: Membership) -> dict:
    return {
        "merchant": membership.merchant,
        "brand_url": brand_page_url(merchant=membership.merchant),
        "earnings": brand_earnings(merchant=membership.merchant, now=timezone.now()),
    }


console_site.register_url("brand-poster/", brand_poster, name="brand_poster")
console_site.register_url("brand-qr.svg", brand_qr, name="brand_qr")
console_site.register_panel(
    key="brand_poster", order=20, template="brand/console_poster_panel.html", context=_poster_panel
)
