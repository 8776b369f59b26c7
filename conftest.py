"""Project-wide pytest set-up.

The suite runs on PostgreSQL (``make test`` starts a throwaway cluster); the
database's own constraints and row locks are part of what it proves.
"""

import os

os.environ.setdefault("DJANGO_ENV", "test")

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests check what they state, not how fast: on a CI machine shared with other work, a
# 200 ms deadline or the "too slow" health check failed examples that pass (a flaky red, no finding).
hypothesis_settings.register_profile("tikjoy", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("tikjoy")


def pytest_configure(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql" and os.environ.get("TIKJOY_TEST_SQLITE") != "1":
        pytest.exit(
            "The test suite runs on PostgreSQL: use `make test`, or point DATABASE_URL at one "
            "(TIKJOY_TEST_SQLITE=1 forces SQLite for a quick local run).",
            returncode=2,
        )
    settings.ACCOUNT_RATE_LIMITS = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM_PATH):
        pytest.fail(f"{CHROMIUM_PATH} is missing: scripts/ensure-chromium.sh installs it")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls
    # made by the test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context per test; ``page.base_url`` is the live server's."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 412, "height": 900})
    context.set_default_timeout(15_000)
    browser_page = context.new_page()
    yield browser_page
    context.close()


@pytest.fixture
def sandbox(live_server, settings):
    """TikJoy's real TikTok and WhatsApp clients talk to the sandbox that the live server serves."""
    settings.SOCIAL_SANDBOX = True
    settings.TIKTOK_API_BASE_URL = live_server.url + "/sandbox/tiktok/open-api"
    settings.TIKTOK_AUTH_URL = live_server.url + "/sandbox/tiktok/v2/auth/authorize/"
    settings.WHATSAPP_API_BASE_URL = live_server.url + "/sandbox/whatsapp/v21.0"
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture(autouse=True)
def _data_seeded_by_migrations(request):
    """Transactional tests flush every table afterwards, including the rows migrations seed
    (the default pricing plan, the platform limits): put them back for the tests that follow."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps

    import_module("campaigns.migrations.0002_platform_defaults").create_defaults(apps, None)
    import_module("promote.migrations.0002_matrix_prices_schedule").create_defaults(apps, None)
    import_module("subscriptions.migrations.0002_plans_and_schedule").create_defaults(apps, None)
    import_module("chats.migrations.0002_templates_rates_schedule").create(apps, None)


# --- the one way to make people, merchants and campaigns (tikjoy/tests/factories.py) -----------


@pytest.fixture
def make_user(db):
    """``make_user("a@b.example", is_staff=True)``: a person with e-mail and password."""
    from tikjoy.tests.factories import UserFactory

    return lambda email=None, **flags: UserFactory(**({"email": email} if email else {}), **flags)


@pytest.fixture
def make_consumer(db):
    """``make_consumer("Ana")``: a consumer as TikTok/WhatsApp sign-in makes them (no e-mail)."""
    from tikjoy.tests.factories import ConsumerFactory

    return lambda name=None: ConsumerFactory(**({"display_name": name} if name else {}))


@pytest.fixture
def ops(db):
    from tikjoy.tests.factories import UserFactory

    return UserFactory(email="ops@tikjoy.example", is_staff=True)


@pytest.fixture
def ops_client(client, ops):
    """A test client signed in as ``ops``, made a superuser: every /ops/ page and action."""
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client.force_login(ops)
    return client


@pytest.fixture
def make_merchant(db):
    """``make_merchant("acme", funds="100.00")``: created by owner@acme.example, optionally funded."""
    from tikjoy.tests.factories import MerchantFactory

    def make(slug: str = "acme", *, owner=None, funds=None, **fields):
        return MerchantFactory(slug=slug, owner=owner, funds=funds, **fields)

    return make


@pytest.fixture
def add_member(db):
    from tikjoy.tests.factories import member_add

    return member_add


@pytest.fixture
def make_campaign(db):
    """``make_campaign(merchant, rules=[...], budget=Decimal("50"))``: made by its owner, live."""
    from tikjoy.tests.factories import campaign_make

    return campaign_make
