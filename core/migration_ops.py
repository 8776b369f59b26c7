"""What the index migrations share: an index built ``CONCURRENTLY`` on PostgreSQL that a second run of
the migration builds again when the first one failed.

A concurrent build that fails (a lock or statement timeout, a deadlock, a deployment cancelled, a
duplicate under ``UNIQUE``) leaves an *invalid* index of that name behind: PostgreSQL keeps writing it,
never reads it, and ``IF NOT EXISTS`` would take it for built, so the migration would be recorded as
applied with an index no query can use. ``index_create_concurrently`` drops such a leftover first.
"""

from __future__ import annotations

# true when an index of that name exists and is invalid (``to_regclass`` reads the search path)
INVALID_INDEX_SQL = "SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)"


def index_is_invalid(connection, name: str) -> bool:
    """Whether PostgreSQL holds an index ``name`` that a failed concurrent build left invalid."""
    with connection.cursor() as cursor:
        cursor.execute(INVALID_INDEX_SQL, [name])
        row = cursor.fetchone()
    return bool(row and row[0])


def index_create_concurrently(schema_editor, name: str, on: str, *, unique: bool = False) -> None:
    """``CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS <name> ON <on>`` (``on``: the table and the
    rest, "payouts_payout (escalation, id) WHERE escalation <> ''"), after dropping an invalid index
    of that name a failed build left. PostgreSQL only; the migration must be ``atomic = False``."""
    if index_is_invalid(schema_editor.connection, name):
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
