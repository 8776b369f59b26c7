"""What the index migrations share: an index built ``CONCURRENTLY`` on PostgreSQL that a second run of
the migration builds again when the first one failed.

A concurrent build that fails (a lock or statement timeout, a deadlock, a deployment cancelled, a
duplicate under ``UNIQUE``) leaves an *invalid* index of that name behind: PostgreSQL keeps writing it,
never reads it, and ``IF NOT EXISTS`` would take it for built, so the migration would be recorded as
applied with an index no query can use. ``index_create_concurrently`` drops such a leftover first,
unless another session is building it at that moment (a second ``migrate`` run beside the first):
an invalid index is also what a build in progress looks like, so then it stops and says so rather
than drop the index under the other build.
"""

from __future__ import annotations

from django.core.management.base import CommandError

# true when an index of that name exists and is invalid (``to_regclass`` reads the search path)
INVALID_INDEX_SQL = "SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)"

# the session building that index now, if one is (a concurrent build reports the index's oid)
INDEX_BUILDER_SQL = "SELECT pid FROM pg_stat_progress_create_index WHERE index_relid = to_regclass(%s)"


class IndexBeingBuilt(CommandError):
    """Another session is building the index this migration would build (a second ``migrate``).
    A ``CommandError``, so ``migrate`` exits non-zero with the message, not a traceback."""


def index_is_invalid(connection, name: str) -> bool:
    """Whether PostgreSQL holds an index ``name`` that a failed concurrent build left invalid."""
    with connection.cursor() as cursor:
        cursor.execute(INVALID_INDEX_SQL, [name])
        row = cursor.fetchone()
    return bool(row and row[0])


def index_builder(connection, name: str) -> int | None:
    """The process id of the session building index ``name`` concurrently now, or None."""
    with connection.cursor() as cursor:
        cursor.execute(INDEX_BUILDER_SQL, [name])
        row = cursor.fetchone()
    return row[0] if row else None


def index_create_concurrently(schema_editor, name: str, on: str, *, unique: bool = False) -> None:
    """``CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS <name> ON <on>`` (``on``: the table and the
    rest, "payouts_payout (escalation, id) WHERE escalation <> ''"), after dropping an invalid index
    of that name a failed build left. PostgreSQL only; the migration must be ``atomic = False``.
    Raises ``IndexBeingBuilt`` when the invalid index is another session's build in progress."""
    if index_is_invalid(schema_editor.connection, name):
        builder = index_builder(schema_editor.connection, name)
        if builder is not None:
            raise IndexBeingBuilt(
                f"Index {name} is being built by another database session (process {builder}), "
                "most likely another migrate: let it finish, then run migrate again."
            )
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    schema_editor.execute(
        f"CREATE {'UNIQUE ' if unique else ''}INDEX CONCURRENTLY IF NOT EXISTS {name} ON {on}"
    )


def indexes_create(schema_editor, indexes: dict[str, str], *, trigram: bool = False) -> None:
    """A migration's ``INDEXES`` (name -> "table (columns) ..."), each built by
    ``index_create_concurrently``; PostgreSQL only (SQLite, ``make run``, goes without them). With
    ``trigram``, pg_trgm first: shared by several migrations, created when missing, never dropped."""
    if schema_editor.connection.vendor != "postgresql":
        return
    if trigram:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, on in indexes.items():
        index_create_concurrently(schema_editor, name, on)


def indexes_drop(schema_editor, names) -> None:
    """``indexes_create`` undone (the migration rolled back); PostgreSQL only."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in names:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
