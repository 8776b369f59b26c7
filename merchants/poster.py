"""The printable A4 poster of a store touchpoint: brand, a QR code to its landing page, one line on JoyBack.

The poster of the brand page itself, with what a person can earn there, is ``rewards.brand_poster``
(it reads the live campaigns, which live above this app).
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from merchants.models import Touchpoint

JOYBACK_LINE = gettext_noop(
    "Scan, sign in with TikTok or WhatsApp, share our video and get cash back in your TikJoy wallet."
)


def touchpoint_landing_url(*, touchpoint: Touchpoint) -> str:
    path = reverse("brand:landing", kwargs={"slug": touchpoint.merchant.slug})
    return f"{settings.SITE_URL}{path}?{urlencode({'t': touchpoint.public_key})}"


def qr_svg_bytes(*, data: str) -> bytes:
    """A QR code of ``data`` as an SVG document (a path: scales to any print size)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def qr_svg_data_uri(*, data: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg_bytes(data=data)).decode()


def poster_html(*, touchpoint: Touchpoint) -> str:
    """The poster in the active language: the viewer's, who prints it (the console page's language,
    which the merchant's team chooses for their store), as the brand poster (``rewards.brand_poster``)."""
    url = touchpoint_landing_url(touchpoint=touchpoint)
    logo_uri = None
    if touchpoint.merchant.logo:
        try:
            logo_uri = Path(touchpoint.merchant.logo.path).as_uri()
        except (NotImplementedError, ValueError):
            logo_uri = None
    return render_to_string(
        "merchants/poster.html",
        {
            "touchpoint": touchpoint,
            "merchant": touchpoint.merchant,
            "landing_url": url,
            "qr": qr_svg_data_uri(data=url),
            "logo_path": logo_uri,
            "joyback_line": gettext(JOYBACK_LINE),
        },
    )


def poster_pdf(*, touchpoint: Touchpoint) -> bytes:
    from weasyprint import HTML

    return HTML(string=poster_html(touchpoint=touchpoint), base_url=str(settings.MEDIA_ROOT)).write_pdf()
