"""Index migrations run again after a failed concurrent build (``core.migration_ops``), PostgreSQL only."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import IntegrityError, connection, connections

from core.migration_ops import IndexBeingBuilt, index_create_concurrently, index_is_invalid

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's concurrent index builds"),
]


@pytest.fixture
def table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE core_index_probe (v integer)")
        cursor.execute("INSERT INTO core_index_probe VALUES (1), (1), (2)")
    yield "core_index_probe"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE core_index_probe")


def test_a_failed_concurrent_build_is_built_again_not_taken_for_built(table):
    # The first run fails: two rows hold 1, and PostgreSQL leaves an invalid index of that name.
    with pytest.raises(IntegrityError), connection.schema_editor(atomic=False) as editor:
        index_create_concurrently(editor, "core_index_probe_once", f"{table} (v)", unique=True)
    assert index_is_invalid(connection, "core_index_probe_once")

    # What every index migration did before: IF NOT EXISTS takes the leftover for the index.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_index_probe WHERE v = 1")
        cursor.execute(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS core_index_probe_once ON core_index_probe (v)"
        )
    assert index_is_invalid(connection, "core_index_probe_once")

    # The migration run again (the duplicate gone): the index is built, valid, and refuses a duplicate.
    with connection.schema_editor(atomic=False) as editor:
        index_create_concurrently(editor, "core_index_probe_once", f"{table} (v)", unique=True)
    assert not index_is_invalid(connection, "core_index_probe_once")
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute("INSERT INTO core_index_probe VALUES (2)")


def test_a_built_index_is_left_as_it_is(table):
    with connection.schema_editor(atomic=False) as editor:
        index_create_concurrently(editor, "core_index_probe_v", f"{table} (v)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_class WHERE relname = 'core_index_probe_v'")
        (built,) = cursor.fetchone()
    with connection.schema_editor(atomic=False) as editor:
        index_create_concurrently(editor, "core_index_probe_v", f"{table} (v)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_class WHERE relname = 'core_index_probe_v'")
        assert cursor.fetchone() == (built,)  # the same index, not dropped and built again


def test_the_migrated_database_holds_no_invalid_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid")
        assert cursor.fetchall() == []


def test_an_index_another_session_is_building_is_not_dropped_under_it(table):
    """A second ``migrate`` beside the first: the index is invalid while the first builds it."""
    writer = connections.create_connection("default")
    writer.ensure_connection()
    built = threading.Event()
    try:
        # An open writer makes the first build wait with its invalid index in the catalogue.
        writer.set_autocommit(False)
        with writer.cursor() as cursor:
            cursor.execute("INSERT INTO core_index_probe VALUES (3)")

        def first_migrate():
            builder = connections.create_connection("default")
            with builder.cursor() as cursor:
                cursor.execute(
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS core_index_probe_busy ON core_index_probe (v)"
                )
            builder.close()
            built.set()

        thread = threading.Thread(target=first_migrate)
        thread.start()
        for _ in range(200):
            if index_is_invalid(connection, "core_index_probe_busy"):
                break
            time.sleep(0.05)
        assert index_is_invalid(connection, "core_index_probe_busy")

        with connection.cursor() as cursor:  # without the check, dropping it would wait for the writer
            cursor.execute("SET lock_timeout = '5s'")
        refused = pytest.raises(IndexBeingBuilt, match="core_index_probe_busy is being built by another")
        with refused, connection.schema_editor(atomic=False) as editor:
            index_create_concurrently(editor, "core_index_probe_busy", f"{table} (v)")
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

        writer.commit()
        thread.join(timeout=30)
        assert built.is_set()
        assert not index_is_invalid(connection, "core_index_probe_busy")  # the first build finished
    finally:
        writer.close()
