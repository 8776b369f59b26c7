"""A database constraint's name never reaches a person: every constraint of ours says, in words,
what is wrong (``violation_error_message``), and forms that validate the model show those words."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from campaigns.models import Campaign
from merchants.models import Touchpoint, TouchpointKind
from tikjoy.tests.factories import NOW


def _our_models():
    root = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if root in path.parents and ".venv" not in path.parts:
            yield from config.get_models()


def test_the_walk_sees_our_apps():
    labels = {model._meta.app_label for model in _our_models()}
    assert {"accounts", "wallets", "merchants", "campaigns", "rewards", "payouts", "billing", "api"} <= labels


def test_every_constraint_says_what_is_wrong_in_words():
    silent = []
    for model in _our_models():
        for constraint in model._meta.constraints:
            message = str(constraint.violation_error_message)
            if (
                message == str(constraint.default_violation_error_message)
                or constraint.name in message
                or "%(" in message
                or not message.endswith(".")
            ):
                silent.append(f"{model._meta.label}.{constraint.name}: {message!r}")
    assert not silent, "give these constraints a violation_error_message a person can read:\n" + "\n".join(
        silent
    )


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_constraint_message_is_translated_and_formats_without_error(language):
    """Django writes the message as ``message % {"name": ...}``: a lone "%" (as in "100%") raised a
    TypeError, a 500 in ops' forms. And an English message left in a German page is a defect (#23)."""
    broken, english = [], []
    for model in _our_models():
        for constraint in model._meta.constraints:
            with translation.override(language):
                try:
                    message = constraint.get_violation_error_message()
                except (TypeError, ValueError, KeyError) as exc:
                    broken.append(f"{model._meta.label}.{constraint.name}: {exc}")
                    continue
            with translation.override("en"):
                source = constraint.get_violation_error_message()
            if language != "en" and message == source:
                english.append(f"{model._meta.label}.{constraint.name}: {message!r}")
    assert not broken, "\n".join(broken)
    assert not english, f"left in English in {language}:\n" + "\n".join(english)


@pytest.mark.django_db
def test_a_model_form_shows_the_words_not_the_constraint_name(make_merchant):
    merchant = make_merchant("acme")
    store = Touchpoint(merchant=merchant, kind=TouchpointKind.RETAIL_STORE, name="Shop", address="")

    with pytest.raises(ValidationError) as caught:
        store.validate_constraints()

    assert caught.value.messages == ["A store needs its street address."]
    assert "merchants_touchpoint" not in str(caught.value)


@pytest.mark.django_db
def test_a_campaign_ending_before_it_starts_is_refused_in_words(make_merchant):
    merchant = make_merchant("acme")
    campaign = Campaign(merchant=merchant, name="Spring", starts_at=NOW, ends_at=NOW - timedelta(days=1))

    with pytest.raises(ValidationError) as caught:
        campaign.validate_constraints()

    assert "The campaign must end after it starts." in caught.value.messages
