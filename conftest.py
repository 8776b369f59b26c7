"""Project-wide pytest set-up.

The suite runs on PostgreSQL (``make test`` starts a throwaway cluster); the
database's own constraints and row locks are part of what it proves.
"""

import os

os.environ.setdefault("DJANGO_ENV", "test")

import pytest


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
