"""A constraint's refusal reaches the merchant in their language, not in English (issue #23)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("it", "Il segreto di firma deve iniziare con whsec_."),
        ("es", "El secreto de firma debe empezar por whsec_."),
    ],
)
def test_a_secret_without_its_prefix_is_refused_in_the_readers_language(language, expected):
    endpoint = WebhookEndpoint(url="https://shop.example/hooks", secret="abc123")

    with translation.override(language), pytest.raises(ValidationError) as refused:
        endpoint.validate_constraints()

    assert refused.value.messages == [expected]
