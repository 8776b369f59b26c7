import pytest
from django.core import mail
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.db import bound_cursor, retry_on_conflict
from core.tasks import mail_after_commit


class _DriverError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _conflict(sqlstate: str) -> OperationalError:
    error = OperationalError("lost a race")
    error.__cause__ = _DriverError(sqlstate)
    return error


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_a_service_that_lost_a_race_runs_once_more(sqlstate):
    calls = []

    @retry_on_conflict
    def service():
        calls.append(1)
        if len(calls) == 1:
            raise _conflict(sqlstate)
        return "done"

    assert service() == "done" and len(calls) == 2


def test_a_second_conflict_and_other_database_errors_are_raised():
    @retry_on_conflict
    def always():
        raise _conflict("40P01")

    @retry_on_conflict
    def other():
        raise _conflict("23505")

    with pytest.raises(OperationalError):
        always()
    with pytest.raises(OperationalError):
        other()


@pytest.mark.django_db(transaction=True)
def test_mail_goes_out_only_after_the_commit(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with transaction.atomic():
        mail_after_commit(subject="Hello", message="After the commit.", recipient_list=["a@example.com", ""])
        assert mail.outbox == []
    assert [(m.subject, m.to) for m in mail.outbox] == [("Hello", ["a@example.com"])]


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_does_not_break_the_caller(settings, caplog):
    settings.EMAIL_BACKEND = "core.tests.failing_mail.EmailBackend"
    with transaction.atomic():
        mail_after_commit(subject="Hello", message="x", recipient_list=["a@example.com"])
    # No exception reached the caller; the failure is logged for ops (a worker records it too).
    assert "task core.tasks.mail_send failed or could not be queued" in caplog.text


def _prepared(text: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", [text])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_fixed_statement_is_prepared_once_per_connection_and_binds_each_value_by_name():
    """Prepared from the first call: a later call whose mapping lists the same names in another order
    still binds each value to its own name (review), and the statement is prepared once, not again."""
    sql = "SELECT %(a)s::text || '-' || %(b)s::text"
    with CaptureQueriesContext(connection) as logged, bound_cursor() as cursor:
        cursor.execute(sql, {"a": "x", "b": "y"})
        first = cursor.fetchone()[0]
        cursor.execute(sql, {"b": "z", "a": "w"})
        second = cursor.fetchone()[0]

    assert (first, second) == ("x-y", "w-z")
    # The query log shows what was run, prepared or not.
    assert [q["sql"] for q in logged] == ["SELECT $1::text || '-' || $2::text"] * 2
    assert _prepared("SELECT $1::text || '-' || $2::text") == 1


@pytest.mark.django_db
def test_a_prepared_statement_still_runs_after_a_rollback_to_a_savepoint():
    """psycopg forgets its prepared statements when a transaction or a savepoint is rolled back (and
    deallocates them all): the next call prepares again instead of naming a statement that is gone."""
    sql = "SELECT %s::int + 1"
    with bound_cursor() as cursor:
        cursor.execute(sql, [1])
        assert cursor.fetchone()[0] == 2
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        raise ZeroDivisionError
    with bound_cursor() as cursor:
        cursor.execute(sql, [41])
        assert cursor.fetchone()[0] == 42
    assert _prepared("SELECT $1::int + 1") == 1


@pytest.mark.django_db
def test_a_fixed_write_refuses_a_model_with_save_receivers_rather_than_skip_them():
    from django.db.models.signals import post_save

    from core.db import SignalsWouldBeSkipped, model_insert, model_update
    from merchants.models import Merchant

    def receiver(**kwargs):
        raise AssertionError("never reached")

    merchant = Merchant.objects.first() or Merchant.objects.create(slug="recv", brand_name="Recv")
    post_save.connect(receiver, sender=Merchant)
    try:
        with pytest.raises(SignalsWouldBeSkipped, match=r"merchants\.Merchant has save signal receivers"):
            model_update(merchant, ["brand_name"])
        with pytest.raises(SignalsWouldBeSkipped):
            model_insert(Merchant(slug="other", brand_name="Other"))
    finally:
        post_save.disconnect(receiver, sender=Merchant)


@pytest.mark.django_db
def test_a_statement_made_for_its_values_is_bound_but_not_prepared():
    with bound_cursor(prepare=False) as cursor:
        cursor.execute("SELECT %s::int * 3", [14])
        assert cursor.fetchone()[0] == 42

    assert _prepared("SELECT $1::int * 3") == 0
