"""Which VAT an invoice carries, from the rules in ``settings.BILLING_VAT`` (data, not code)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext

from billing.models import VatCategory

CENT = Decimal("0.01")


@dataclass(frozen=True)
class VatTreatment:
    category: str
    rate: Decimal
    note: str


def vat_treatment(
    *, seller_country: str, buyer_country: str, buyer_vat_id: str, consumer: bool = False
) -> VatTreatment:
    """Domestic VAT at home and for EU buyers without a VAT id; reverse charge for EU businesses
    elsewhere with a VAT id; outside the EU, not in scope of EU VAT.

    ``consumer``: a private person (a consumer buying Promote coins): never reverse charge; the
    operator's rate in the EU, not in scope outside it (the place of supply of an electronically
    supplied service to a private person is where they live).

    The ``note`` is written in the active language (the invoice's: billing.services writes it inside
    the document language when the invoice is drafted and again when it is issued)."""
    rules = settings.BILLING_VAT
    eu = set(rules["eu_countries"])
    if consumer:
        if buyer_country in eu or buyer_country == seller_country:
            rate = Decimal(rules["domestic_rate"]).quantize(CENT)
            return VatTreatment(
                category=VatCategory.STANDARD,
                rate=rate,
                note=gettext(
                    "VAT charged at the %(country)s rate of %(rate)s %% (a private customer in the EU)."
                )
                % {"country": seller_country, "rate": _rate(rate)},
            )
        return VatTreatment(
            category=VatCategory.NOT_IN_SCOPE,
            rate=Decimal("0.00"),
            note=gettext(
                "Not subject to EU VAT: electronically supplied service to a private customer established "
                "outside the EU (Article 58 of Council Directive 2006/112/EC)."
            ),
        )
    if buyer_country == seller_country or (buyer_country in eu and not buyer_vat_id):
        rate = Decimal(rules["domestic_rate"]).quantize(CENT)
        words = {"country": seller_country, "rate": _rate(rate)}
        if buyer_country == seller_country:
            note = gettext(
                "VAT charged at the %(country)s rate of %(rate)s %% because the buyer is established in the "
                "seller's country."
            )
        else:
            note = gettext(
                "VAT charged at the %(country)s rate of %(rate)s %% because the buyer gave no EU VAT number."
            )
        return VatTreatment(category=VatCategory.STANDARD, rate=rate, note=note % words)
    if buyer_country in eu:
        return VatTreatment(
            category=VatCategory.REVERSE_CHARGE,
            rate=Decimal("0.00"),
            note=gettext(
                "Reverse charge: VAT to be accounted for by the customer "
                "(Article 196 of Council Directive 2006/112/EC)."
            ),
        )
    return VatTreatment(
        category=VatCategory.NOT_IN_SCOPE,
        rate=Decimal("0.00"),
        note=gettext(
            "Not subject to EU VAT: service supplied to a business established outside the EU "
            "(Article 44 of Council Directive 2006/112/EC)."
        ),
    )


def _rate(rate: Decimal) -> str:
    return number_format(rate.normalize())


def split_gross(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(net, VAT) of a VAT-inclusive amount: net rounded half up to the cent, VAT the rest.

    The VAT may differ from net x rate by one cent; EN 16931 (BR-CO-17, BR-S-09) allows that.
    """
    net = (gross * 100 / (100 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return net, gross - net
