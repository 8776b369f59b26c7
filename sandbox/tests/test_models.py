"""The sandbox's constraint messages in the reader's language (#23)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from sandbox.models import SandboxStripePaymentIntent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "Dieser Idempotenzschlüssel wurde bereits für eine andere Zahlung verwendet."),
        ("es", "Esta clave de idempotencia ya se usó para otro pago."),
    ],
)
def test_an_idempotency_key_used_for_another_payment_is_refused_in_the_readers_language(language, message):
    SandboxStripePaymentIntent.objects.create(
        payment_intent_id="pi_first",
        idempotency_key="order-42",
        amount=1000,
        currency="eur",
        status="succeeded",
    )
    other = SandboxStripePaymentIntent(
        payment_intent_id="pi_second",
        idempotency_key="order-42",
        amount=2000,
        currency="eur",
        status="succeeded",
    )

    with translation.override(language), pytest.raises(ValidationError) as refused:
        other.validate_constraints()

    assert refused.value.messages == [message]
