from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from wallets.forms import TypedDecimalField


class CreditNoteForm(forms.Form):
    gross_amount = TypedDecimalField(
        label=_("Amount to credit (VAT included)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    reason = forms.CharField(max_length=300, label=_("Reason"), help_text=_("Printed on the credit note."))
