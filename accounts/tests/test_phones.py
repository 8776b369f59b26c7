"""Phone numbers on pages: grouped in the international format, never a bare string of digits."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.phones import phone_display


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+4915112340007", "+49 1511 2340007"),
        ("4915112340007", "+49 1511 2340007"),  # a WhatsApp id: the same digits without the +
        ("+393471234567", "+39 347 123 4567"),
        ("+33612345678", "+33 6 12 34 56 78"),
        ("+12", "+12"),  # too short to place: E.164 with its +, as stored
        ("", ""),
        (None, ""),
    ],
)
def test_a_number_is_shown_in_international_format(stored, shown):
    assert phone_display(stored) == shown


@pytest.mark.django_db
def test_a_whatsapp_sign_in_without_name_or_e_mail_is_named_by_its_grouped_number():
    user = User.objects.create_user(email=None, phone="+4915112340007")

    assert str(user) == "+49 1511 2340007"
