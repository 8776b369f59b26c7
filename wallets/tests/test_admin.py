import pytest

from accounts.models import User
from wallets.models import Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client):
    client.force_login(
        User.objects.create_superuser(email="ops@example.com", password="x-long-pass-phrase-1")
    )
    return client


def test_ops_see_transactions_with_their_entries_and_can_search_by_key(ops_client, make_user, funded):
    funded(make_user(), "25.00")
    txn = Transaction.objects.get()

    listing = ops_client.get("/ops/wallets/transaction/", {"q": txn.idempotency_key})
    detail = ops_client.get(f"/ops/wallets/transaction/{txn.pk}/change/")

    assert listing.status_code == 200
    assert "test funding" in listing.content.decode()
    assert detail.status_code == 200
    assert "25.00" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()


@pytest.mark.parametrize("model", ["account", "transaction", "entry"])
def test_nothing_in_the_ledger_can_be_added_or_deleted_from_ops(ops_client, make_user, funded, model):
    funded(make_user(), "25.00")

    assert ops_client.get(f"/ops/wallets/{model}/add/").status_code == 403
    assert ops_client.get(f"/ops/wallets/{model}/1/delete/").status_code == 403


def test_a_posted_change_form_changes_nothing(ops_client, make_user, funded):
    funded(make_user(), "25.00")
    txn = Transaction.objects.get()

    response = ops_client.post(
        f"/ops/wallets/transaction/{txn.pk}/change/", {"reason": "edited", "kind": "X"}
    )

    assert response.status_code == 403
    txn.refresh_from_db()
    assert txn.reason == "test funding"
