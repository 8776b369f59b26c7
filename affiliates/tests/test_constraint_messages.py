"""A constraint's refusal reaches the merchant or the affiliate in their language, not in English
(the program form and ops' admin forms show these words; issue #23)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from affiliates.models import Affiliate, Program, ProgramKind

pytestmark = pytest.mark.django_db


def _refusal(instance) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        instance.validate_constraints()
    return refused.value.messages


def test_a_program_without_bounty_and_too_much_margin_is_refused_in_german():
    program = Program(kind=ProgramKind.MERCHANT, name="Spring", bounty=Decimal(0), margin_rate=Decimal("1.5"))

    with translation.override("de"):
        messages = _refusal(program)

    assert "Die Vergütung muss größer als null sein." in messages
    assert "Die Marge der Plattform liegt zwischen 0 und 100\u00a0%." in messages
    assert "Ein Händlerprogramm nennt seinen Händler; TikJoys eigenes Programm nennt keinen." in messages
    assert not [message for message in messages if "bounty" in message or "margin" in message]


def test_a_second_application_is_refused_in_french(affiliate):
    again = Affiliate(program=affiliate.program, user=affiliate.user)

    with translation.override("fr"):
        messages = _refusal(again)

    assert "Cette personne a déjà postulé à ce programme." in messages
    assert "This person has applied to this program already." not in messages
