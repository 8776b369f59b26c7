"""Shared pieces of the benchmark commands (``make bench``): the pgbench anchor, worker processes."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, connections


def close_connections() -> None:
    """Close every connection (and pool) so forked workers never share the parent's sockets."""
    for conn in connections.all():
        conn.close()
        close_pool = getattr(conn, "close_pool", None)
        if close_pool:
            close_pool()


def run_in_processes(fn: Callable, args: Sequence) -> list:
    """``fn(arg)`` for each arg, one forked worker process each; returns their results."""
    close_connections()
    with multiprocessing.get_context("fork").Pool(len(args)) as pool:
        return pool.map(fn, args)


def server_description() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit')"
        )
        version, fsync, sync = cursor.fetchone()
    return f"{os.cpu_count()} CPUs; PostgreSQL {version}, fsync={fsync}, synchronous_commit={sync}"


def pgbench_tps(*, clients: int, seconds: float, scale: int) -> float:
    """pgbench's TPC-B tps against the server DATABASES['default'] points at, in a database of its own."""
    pgbench = os.environ.get("PGBENCH") or shutil.which("pgbench")
    if not pgbench:
        raise CommandError("pgbench not found: install PostgreSQL's client tools or set PGBENCH")
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "PGHOST": str(db.get("HOST") or ""),
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": str(db.get("USER") or ""),
        "PGPASSWORD": str(db.get("PASSWORD") or ""),
    }
    bench_db = "tikjoy_pgbench"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench_db])
        if not cursor.fetchone():
            cursor.execute(f"CREATE DATABASE {bench_db}")
    subprocess.run(  # noqa: S603 - fixed arguments
        [pgbench, "-i", "-q", "-s", str(scale), bench_db], env=env, check=True, capture_output=True
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [
            pgbench,
            "-c",
            str(clients),
            "-j",
            str(min(clients, os.cpu_count() or 1)),
            "-T",
            str(int(seconds)),
            bench_db,
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    if not match:
        raise CommandError(f"could not read pgbench's tps from:\n{result.stdout}")
    return float(match.group(1))
