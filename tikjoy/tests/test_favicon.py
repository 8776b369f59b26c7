"""The site's icon: every page names it, and ``/favicon.ico`` (asked for by a browser on a page that names
none) leads to it instead of a 404 in the browser's console and the server's log."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_every_kind_of_page_names_the_icon_and_favicon_ico_leads_to_it(client, make_user):
    icon = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    assert icon in client.get("/").content.decode()
    assert icon in client.get("/accounts/login/").content.decode()
    client.force_login(make_user("ops@tikjoy.example", is_staff=True, is_superuser=True))
    assert icon in client.get("/ops/").content.decode()

    response = client.get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (301, "/static/favicon.svg")
    svg = Path(finders.find("favicon.svg")).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and ">TJ</text>" in svg
