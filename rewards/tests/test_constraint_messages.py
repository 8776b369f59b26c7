"""The rewards' database constraints explain themselves in the reader's language (#23), not in the
code's English: what ops' forms (ModelForm.validate_constraints) and a model's own validation show."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from rewards.models import BanEvent, LaunchWatch
from rewards.tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "Ein Sperrereignis ist entweder eine Sperre oder eine Aufhebung."),
        ("it", "Un evento di blocco è un blocco oppure una rimozione del blocco."),
    ],
)
def test_a_ban_event_that_is_neither_a_ban_nor_a_lift_is_refused_in_the_readers_language(language, message):
    event = BanEvent(kind="PAUSED", reason="Looked odd", created_at=NOW)

    with translation.override(language), pytest.raises(ValidationError) as refused:
        event.validate_constraints()

    assert refused.value.messages == [message]


def test_a_person_waiting_twice_for_the_same_brand_is_refused_in_french(make_merchant, make_consumer):
    merchant = make_merchant("acme")
    person = make_consumer("Ana")
    LaunchWatch.objects.create(user=person, merchant=merchant, created_at=NOW)
    again = LaunchWatch(user=person, merchant=merchant, created_at=NOW)

    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        again.validate_constraints()

    assert refused.value.messages == ["Cette personne attend déjà la première campagne de cette marque."]
