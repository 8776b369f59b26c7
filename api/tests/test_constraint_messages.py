"""A constraint's refusal reaches the merchant in their language, not in English (issue #23)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from api.models import ApiKey, KeyKind, Scope

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            "Ein geheimer Schlüssel liest oder schreibt; ein veröffentlichbarer Schlüssel ist öffentlich. "
            "Das Präfix des Schlüssels muss zu seiner Art passen.",
        ),
        (
            "it",
            "Una chiave segreta legge o scrive; una chiave pubblicabile è pubblica. "
            "Il prefisso della chiave deve corrispondere al suo tipo.",
        ),
    ],
)
def test_a_secret_key_with_a_publishable_prefix_is_refused_in_the_readers_language(language, expected):
    key = ApiKey(name="shop server", kind=KeyKind.SECRET, prefix="tj_pk_", scope=Scope.PUBLIC)

    with translation.override(language), pytest.raises(ValidationError) as refused:
        key.validate_constraints()

    assert refused.value.messages == [expected]
