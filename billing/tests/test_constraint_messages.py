"""A constraint's refusal reaches ops and the merchant in their language, not in English (ops' admin
forms validate the model's constraints; issue #23)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from billing.models import Statement
from tikjoy.tests.factories import NOW

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            [
                "Der Schlusssaldo muss dem Anfangssaldo plus Eingänge minus Ausgänge entsprechen.",
                "Der Zeitraum eines Kontoauszugs muss nach seinem Beginn enden.",
            ],
        ),
        (
            "es",
            [
                "El saldo final debe ser igual al saldo inicial más las entradas menos las salidas.",
                "El periodo de un extracto debe terminar después de su inicio.",
            ],
        ),
    ],
)
def test_a_statement_that_neither_adds_up_nor_lasts_is_refused_in_the_readers_language(language, expected):
    statement = Statement(
        currency="EUR",
        month=NOW.date().replace(day=1),
        period_start=NOW,
        period_end=NOW,
        opening_balance=Decimal("100.00"),
        money_in=Decimal("50.00"),
        money_out=Decimal("20.00"),
        closing_balance=Decimal("100.00"),
    )

    with translation.override(language), pytest.raises(ValidationError) as refused:
        statement.validate_constraints()

    assert refused.value.messages == expected


@pytest.mark.parametrize(("closing", "refused"), [("130.00", False), ("130.01", True), ("129.99", True)])
def test_a_statement_must_add_up_to_the_cent(closing, refused):
    """The check allows a thousandth for SQLite's floats (make run); a cent off is still refused."""
    statement = Statement(
        currency="EUR",
        month=NOW.date().replace(day=1),
        period_start=NOW,
        period_end=NOW + timedelta(days=1),
        opening_balance=Decimal("100.00"),
        money_in=Decimal("50.00"),
        money_out=Decimal("20.00"),
        closing_balance=Decimal(closing),
    )

    if refused:
        with pytest.raises(ValidationError, match="closing balance must equal"):
            statement.validate_constraints()
    else:
        statement.validate_constraints()
