"""The /ops/ sidebar in the ops member's language: every model named in it, every section distinct."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

pytestmark = pytest.mark.django_db

ENGLISH_NAMES = (
    "Ban events",
    "Bans",
    "Consumer notices",
    "Launch watchs",
    "Social actions",
    "Tik tok profiles",
    "Tracked posts",
    "Webhook events",
)


@pytest.mark.parametrize("language", ["de", "it", "fr", "es"])
def test_the_sidebar_names_its_models_in_the_language_and_its_sections_apart(ops, language):
    ops.is_superuser = True
    request = RequestFactory().get("/ops/")
    request.user = ops
    with translation.override(language):
        apps = admin.site.get_app_list(request)
        sections = [str(app["name"]).casefold() for app in apps]
        models = [str(model["name"]) for app in apps for model in app["models"]]
    assert len(sections) == len(set(sections)), sections
    assert not set(models) & set(ENGLISH_NAMES), models


def test_the_german_ops_index_shows_the_translated_names(client, ops):
    ops.is_superuser = True
    ops.language = "de"
    ops.save(update_fields=["is_superuser", "language"])
    client.force_login(ops)
    page = client.get("/ops/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Sperrereignisse (Sperren und Aufhebungen)" in text
    assert "Anmeldung: E-Mail-Adressen" in text and "Anmeldung: soziale Netzwerke" in text
    assert "Ban events" not in text and "Launch watchs" not in text
