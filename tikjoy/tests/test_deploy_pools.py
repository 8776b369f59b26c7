"""deploy/: nginx sends each path to the gunicorn pool docs/deploy.md says, and the units agree with it.

The back-office pool (tikjoy-back.service, Nice=10) serves the console, ops, the API and the
platforms' webhooks; every page a person opens stays in the web pool. The map's regular expression is
read from deploy/nginx/tikjoy.conf and applied to paths reversed from the URLconf, so a renamed prefix
(or a new page under a back-office prefix) fails here instead of landing in the wrong pool.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _nginx() -> str:
    return (DEPLOY / "nginx" / "tikjoy.conf").read_text()


def _back_pattern() -> re.Pattern:
    (pattern,) = re.findall(r'"~(\^[^"]+)"\s+tikjoy_back;', _nginx())
    return re.compile(pattern)


def _pool(path: str) -> str:
    return "back" if _back_pattern().search(path) else "web"


BACK_OFFICE = [
    ("console:index", {}),
    ("admin:index", {}),
    ("ops_diagnostics", {}),
    ("api:rewards", {}),
    ("api:actions", {}),
    ("api-schema", {}),
    ("social:tiktok_webhook", {}),
    ("social:whatsapp_webhook", {}),
    ("cards:stripe_webhook", {}),
    ("promote:stripe_webhook", {}),
]

PAGES_PEOPLE_OPEN = [
    ("home", {}),
    ("brand:landing", {"slug": "joycoffee"}),
    ("brand:join", {"slug": "joycoffee"}),
    ("brand:claim", {"slug": "joycoffee", "action": "like"}),
    ("rewards:wallet", {}),
    ("rewards:wallet_summary", {}),
    ("account_login", {}),
    ("social:me", {}),
    ("affiliates:redirect", {"code": "ABCDEFGH"}),
    ("embed:widget_js", {}),
    ("healthz", {}),
    ("promote:home", {}),
    ("payouts:home", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), BACK_OFFICE)
def test_the_back_office_and_machine_traffic_go_to_the_back_office_pool(name, kwargs):
    path = reverse(name, kwargs=kwargs)
    assert _pool(path) == "back", path


@pytest.mark.parametrize(("name", "kwargs"), PAGES_PEOPLE_OPEN)
def test_the_pages_people_open_stay_in_the_web_pool(name, kwargs):
    path = reverse(name, kwargs=kwargs)
    assert _pool(path) == "web", path


def test_a_path_that_only_begins_like_a_back_office_prefix_stays_in_the_web_pool():
    assert _pool("/apiary/") == "web"
    assert _pool("/consoles") == "web"
    assert _pool("/api") == "back"  # Django redirects it to /api/ there


def test_the_units_listen_where_nginx_sends_and_run_below_the_web_pool():
    upstreams = dict(re.findall(r"upstream (\w+) \{\s*(?:#[^\n]*\n\s*)*server ([\d.:]+);", _nginx()))
    systemd = DEPLOY / "systemd"
    back = (systemd / "tikjoy-back.service").read_text()
    web = (systemd / "tikjoy-web.service").read_text()
    worker = (systemd / "tikjoy-worker@.service").read_text()
    assert f"--bind {upstreams['tikjoy_back']} " in back
    assert upstreams["tikjoy_web"] == "127.0.0.1:8000"  # deploy/gunicorn.conf.py's default bind
    assert "\nNice=10\n" in back and "\nNice=10\n" in worker
    assert "Nice=" not in web
    # both locations that proxy to the app use the map (the health probe on port 80 goes to the web pool)
    assert "proxy_pass http://$tikjoy_pool;" in _nginx()
