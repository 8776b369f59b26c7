"""The read replica with real pages (docs/deploy.md, "Managed PostgreSQL with a read replica"): with
``DATABASE_REPLICA_URL`` set, the router and its middleware installed, which queries of a real
request reach the replica's connection and which stay on the primary.

The replica alias here is a second connection to the test database (as ``make prod-smoke`` points
it at the same server): what it proves is which connection each query takes, not a replica's lag.
Transactional tests: the second connection sees only what was committed, as a replica would.
"""

from __future__ import annotations

import copy
import re

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rewards.models import Reward
from rewards.services import action_record
from tikjoy.db_router import REPLICA, replica_reads
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db(transaction=True)

ROUTER = "tikjoy.db_router.ReplicaRouter"
MIDDLEWARE = "tikjoy.db_router.ReplicaReadsMiddleware"
# Tables a request's identity and permissions come from: never read from the replica.
IDENTITY = re.compile(r'"(accounts_session|django_session|accounts_user|merchants_membership)"')


@pytest.fixture
def replica(settings):
    """A ``replica`` alias on the test database, and the settings a replica URL installs."""
    replica_settings = copy.deepcopy(connections["default"].settings_dict)
    replica_settings["OPTIONS"].pop("pool", None)  # one plain connection is enough here
    # Kept open for the whole test (tasks run synchronously close the connections that may close).
    replica_settings["CONN_MAX_AGE"] = None
    connections.settings[REPLICA] = replica_settings
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    # Connected here: the test case lets only the aliases it knew when it started open a connection.
    connections[REPLICA].connect()
    yield connections[REPLICA]
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def acme(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant("acme", funds="100.00")
    campaign = make_campaign(merchant)
    action_record(
        user=make_consumer("Ana"), merchant=merchant, action_type="TIKTOK_LOGIN", now=timezone.now()
    )
    assert Reward.objects.filter(merchant=merchant).count() == 1
    return merchant, campaign


def _get(client, path, replica):
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(replica) as read:
        response = client.get(path)
    return response, [q["sql"] for q in primary.captured_queries], [q["sql"] for q in read.captured_queries]


def test_the_dashboard_and_a_campaign_report_read_the_replica_identity_the_primary(client, replica, acme):
    merchant, campaign = acme
    client.force_login(owner_of(merchant))

    pages = {
        "/console/": "Dashboard |",
        f"/console/campaigns/campaign/{campaign.pk}/report/": "Report: Spring JoyBack",
    }
    for path, title in pages.items():
        response, primary, read = _get(client, path, replica)

        assert response.status_code == 200, path
        assert f"<title>{title}" in response.content.decode(), path
        # The figures come from the replica ...
        assert any('"rewards_' in sql or '"campaigns_' in sql for sql in read), path
        # ... who is asking and what they may see from the primary; nothing is written to the replica.
        assert not [sql for sql in read if IDENTITY.search(sql)], path
        assert any(IDENTITY.search(sql) for sql in primary), path
        assert not [sql for sql in read if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_pages_outside_the_replica_paths_and_writes_never_touch_it(client, replica, acme):
    merchant, campaign = acme
    client.force_login(owner_of(merchant))

    for path in ("/console/rewards/reward/", f"/console/campaigns/campaign/{campaign.pk}/change/"):
        response, primary, read = _get(client, path, replica)

        assert response.status_code == 200, path
        assert read == [], path
        assert primary, path
    with CaptureQueriesContext(replica) as read:
        client.post("/console/", {})
    assert read.captured_queries == []


def test_a_person_reached_from_a_row_read_on_the_replica_is_read_on_the_primary(replica, acme):
    merchant, _ = acme
    with replica_reads():
        with CaptureQueriesContext(replica) as read:
            reward = Reward.objects.get(merchant=merchant)
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(replica) as later,
        ):
            person = reward.user

    assert reward._state.db == REPLICA and len(read.captured_queries) == 1
    assert person.display_name == "Ana"
    assert later.captured_queries == []
    assert [q["sql"] for q in primary.captured_queries if '"accounts_user"' in q["sql"]]
