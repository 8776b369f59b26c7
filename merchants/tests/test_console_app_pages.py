"""The console's pages of an app's lists and its password pages read as the console does: the
breadcrumbs start with the dashboard as the menu names it, the heading is the app's name (#23)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from merchants.tests.conftest import owner_of

pytestmark = pytest.mark.django_db


def _crumbs_and_heading(response) -> tuple[str, str]:
    assert response.status_code == 200
    page = unescape(response.content.decode())
    crumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', page, re.S).group(1)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page.split('id="content"', 1)[1], re.S).group(1)
    clean = lambda text: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()  # noqa: E731
    return clean(crumbs), clean(heading)


@pytest.mark.parametrize(
    ("app_label", "heading"),
    [
        ("billing", "Kontoauszüge und Rechnungen"),
        ("campaigns", "Kampagnen"),
        ("merchants", "Händler"),
        ("rewards", "JoyBack-Prämien"),
    ],
)
def test_an_apps_page_starts_at_the_dashboard_and_is_headed_by_the_apps_name(
    client, make_merchant, app_label, heading
):
    client.force_login(owner_of(make_merchant("joy")))

    crumbs, shown = _crumbs_and_heading(
        client.get(reverse("console:app_list", args=[app_label]), HTTP_ACCEPT_LANGUAGE="de")
    )

    assert crumbs.startswith("Übersicht \u203a") and "Start" not in crumbs
    assert shown == heading
    assert "Administration" not in shown


@pytest.mark.parametrize("name", ["console:password_change", "console:password_change_done"])
def test_the_password_pages_start_at_the_dashboard(client, make_merchant, name):
    client.force_login(owner_of(make_merchant("joy")))

    crumbs, _ = _crumbs_and_heading(client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="fr"))

    assert crumbs.startswith("Tableau de bord \u203a") and "Accueil" not in crumbs


def test_ops_keeps_djangos_home(admin_client):
    crumbs, _ = _crumbs_and_heading(admin_client.get(reverse("admin:app_list", args=["billing"])))

    assert crumbs.startswith("Home \u203a")
