"""Amount columns for admin pages (the console's and /ops/): the amount with its row's currency as
the reader's language writes it (``wallets.formats.money_text``: ``€2.40``, ``2,40 €``), sorted by
the stored amount. ``merchant_price_text = money_column("merchant_price", Reward)`` on a ModelAdmin,
then ``"merchant_price_text"`` in its ``list_display`` / ``readonly_fields``."""

from __future__ import annotations

from django.contrib import admin
from django.utils.text import capfirst

from wallets.formats import money_text


def money_column(field: str, model, *, currency: str = "currency", description=None):
    """A ModelAdmin method showing ``field`` (a Decimal) in the currency named by ``currency``."""

    @admin.display(
        description=description or capfirst(model._meta.get_field(field).verbose_name), ordering=field
    )
    def column(self, obj) -> str:
        value = getattr(obj, field)
        return "-" if value is None else money_text(value, getattr(obj, currency))

    column.__name__ = f"{field}_text"
    return column
