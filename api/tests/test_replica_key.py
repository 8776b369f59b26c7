"""A revoked key stops at once, also on the paths whose reads go to a read replica
(docs/deploy.md): the api app's rows (keys, rate windows, idempotency records) are read from the
primary only (``tikjoy.db_router.PRIMARY_ONLY_APPS``). Review finding, 2026-11-29."""

from __future__ import annotations

import pytest
from django.db import connections, transaction
from django.utils import timezone

from api.models import ApiKey
from api.services import api_key_revoke
from tikjoy.db_router import REPLICA
from tikjoy.tests.factories import owner_of
from tikjoy.tests.test_replica_pages import replica  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("replica")
def test_a_revoked_key_is_refused_on_the_statements_even_while_the_replica_lags(make_merchant, make_key, api):
    merchant = make_merchant("acme")
    client = api(make_key(merchant))
    assert client.get("/api/v1/statements").status_code == 200
    with transaction.atomic(using=REPLICA):  # the replica a little behind: a snapshot before the revocation
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        assert ApiKey.objects.using(REPLICA).filter(revoked_at__isnull=True).count() == 1
        api_key_revoke(key=ApiKey.objects.get(), actor=owner_of(merchant), now=timezone.now())
        assert ApiKey.objects.get().revoked_at is not None
        response = client.get("/api/v1/statements")
    assert response.status_code == 401, "a revoked key read the merchant's statements"
