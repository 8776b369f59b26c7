from __future__ import annotations

from decimal import Decimal

from django import forms


class CreditNoteForm(forms.Form):
    gross_amount = forms.DecimalField(
        label="Amount to credit (VAT included)", max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    reason = forms.CharField(max_length=300, help_text="Printed on the credit note.")
