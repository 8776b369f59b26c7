"""Every operation of the OpenAPI document, fuzzed by schemathesis against the app in process.

Seeded (derandomized) and small, so ``make test`` stays quick; the world has a merchant
with a campaign, a reward, a consenting consumer, a webhook endpoint, a statement and an
invoice, and the key
can write. Zero failures of: no 5xx, only documented statuses and content types,
responses valid against their schemas.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from webhooks.services import endpoint_create

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _document() -> dict:
    """The document ``/api/schema/`` serves, generated in process."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_document())
schema.app = WSGIHandler()  # in process: no network


@pytest.fixture
def in_process(db):
    """The test's transaction stays open across the requests, as with Django's own test client."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(brand, make_key, billed, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    world = brand()
    billed(world["merchant"])
    endpoint_create(
        merchant=world["merchant"],
        url="http://127.0.0.1:9/joy",
        events=["reward.created"],
        actor=None,
        now=timezone.now(),
    )
    return {"Authorization": f"Bearer {make_key(world['merchant'])}"}


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_conforms_to_the_document(case, in_process, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
