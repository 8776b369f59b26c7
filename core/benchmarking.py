"""Shared pieces of the benchmark commands (``make bench``): the pgbench anchor, worker processes,
and the HTTP load harness (gunicorn serving the project, wrk driving it, a bare view beside the pages)."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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


# --- HTTP load: a real multi-process server, wrk, and the bare view beside the pages -------------

BARE_PATH = "/bench/bare/{pk}"  # core.bench_urls: one ORM get behind the full middleware


@dataclass(frozen=True)
class Variant:
    """One request wrk sends (a target cycles through its variants: other users, other bodies)."""

    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True)
class Target:
    """A page to load: its requests, the statuses that count as success and its goal as a ratio of
    the bare view's requests/s (None: the anchor itself, or no ratio goal)."""

    name: str
    variants: tuple[Variant, ...]
    ok_statuses: tuple[int, ...] = (200,)
    goal_ratio: float | None = None
    p99_goal: bool = True  # the p99 goal applies (not to the anchor)
    unique: bool = False  # each variant is meant to be sent once (a POST that changes something)


@dataclass(frozen=True)
class LoadResult:
    name: str
    clients: int
    seconds: float
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # socket errors, timeouts and responses with a status not in ``ok_statuses``
    reused: int  # requests beyond the target's distinct variants (a variant sent again)
    load_cpu_s: float  # CPU time wrk used
    server_cpu_s: float  # CPU time the server's worker processes used

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian by ``scripts/ensure-wrk.sh`` when missing."""
    wrk = os.environ.get("WRK") or shutil.which("wrk")
    if wrk:
        return wrk
    script = Path(settings.BASE_DIR) / "scripts" / "ensure-wrk.sh"
    subprocess.run([str(script)], check=True)  # noqa: S603 - the project's own script
    wrk = shutil.which("wrk")
    if not wrk:
        raise CommandError("wrk is missing and scripts/ensure-wrk.sh could not install it")
    return wrk


def _lua_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _lua_script(target: Target, threads: int) -> str:
    """A wrk script: each thread cycles through its share of the variants, counts responses whose
    status is not a success, and the summary prints the figures as one JSON line."""
    rows = []
    for v in target.variants:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(val)}" for k, val in v.headers.items())
        body = _lua_string(v.body) if v.body else "nil"
        rows.append(f"{{{_lua_string(v.method)}, {_lua_string(v.path)}, {{{headers}}}, {body}}}")
    ok = ", ".join(f"[{status}] = true" for status in target.ok_statuses)
    table = ",\n".join(rows)
    return f"""
local variants = {{
{table}
}}
local ok = {{{ok}}}
local threads = {{}}
local nthreads = {threads}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  reused = 0
  reqs = {{}}
  for i = tid + 1, #variants, nthreads do
    local v = variants[i]
    table.insert(reqs, wrk.format(v[1], v[2], v[3], v[4]))
  end
  if #reqs == 0 then
    local v = variants[1]
    table.insert(reqs, wrk.format(v[1], v[2], v[3], v[4]))
  end
  pos = 1
  sent = 0
end

function request()
  local r = reqs[pos]
  sent = sent + 1
  if sent > #reqs then reused = reused + 1 end
  pos = pos + 1
  if pos > #reqs then pos = 1 end
  return r
end

function response(status, headers, body)
  if not ok[status] then bad = bad + 1 end
end

function done(summary, latency, requests)
  local b, r = 0, 0
  for _, t in ipairs(threads) do
    b = b + t:get("bad")
    r = r + t:get("reused")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {{"requests": %d, "duration_us": %d, "socket_errors": %d, "bad": %d, "reused": %d, ' ..
    '"p50": %d, "p95": %d, "p99": %d}}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, b, r,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _proc_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (Linux /proc), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


class HttpServer:
    """gunicorn (sync workers, the project's WSGI application with the bare view added, ``DEBUG``
    off, the real middleware) on a free local port, against the database this process uses."""

    def __init__(
        self,
        *,
        workers: int,
        settings_overrides: dict | None = None,
        access_log: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        self.workers = workers
        self.overrides = {"DEBUG": False, "ALLOWED_HOSTS": ["127.0.0.1", "localhost"]}
        self.overrides.update(settings_overrides or {})
        self.access_log = access_log  # gunicorn logs "<status> <path>" of every response it sent
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.port = 0
        self._log = None
        self._access = None

    def __enter__(self) -> HttpServer:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {
            **os.environ,
            "TIKJOY_BENCH_SETTINGS": json.dumps(self.overrides),
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tikjoy.settings"),
            **self.extra_env,
        }
        self._log = tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log")
        access = []
        if self.access_log:
            self._access = tempfile.NamedTemporaryFile("w+", prefix="bench-access-", suffix=".log")
            access = ["--access-logfile", self._access.name, "--access-logformat", "%(s)s %(U)s"]
        close_connections()
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "core.bench_wsgi:application",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--backlog",
                "2048",
                "--preload",
                "--error-logfile",
                "-",
                "--log-level",
                "warning",
                *access,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn stopped at start:\n{self.log_tail()}")
            if len(self.worker_pids()) == self.workers:
                try:
                    with urllib.request.urlopen(f"{self.url}/healthz", timeout=5):  # noqa: S310 - local
                        return self
                except (urllib.error.URLError, ConnectionError):
                    pass
            time.sleep(0.2)
        raise CommandError(f"gunicorn did not answer within 60 s:\n{self.log_tail()}")

    def __exit__(self, *exc) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()
        if self._access is not None:
            self._access.close()

    def stop(self) -> None:
        """Stop gunicorn as production does (SIGTERM: each worker finishes its request and exits
        normally, running its exit handlers) and wait for it. The logs stay readable."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def responses_sent(self, status: int, path: str) -> int:
        """How many ``status`` responses to ``path`` the workers logged (``access_log=True``)."""
        if self._access is None:
            raise CommandError("start the server with access_log=True to count its responses")
        self._access.seek(0)
        wanted = f"{status} {path}"
        return sum(1 for line in self._access if line.rstrip("\n") == wanted)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except FileNotFoundError:
            return []
        return [int(pid) for pid in children.split()]

    def log_tail(self, chars: int = 4000) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read()[-chars:]

    def fetch(self, variant: Variant) -> tuple[int, str]:
        """One request as wrk would send it (no redirect followed): (status, body)."""
        connection_ = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection_.request(
                variant.method, variant.path, body=variant.body or None, headers=variant.headers
            )
            response = connection_.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection_.close()

    def load(self, target: Target, *, clients: int, seconds: float, threads: int = 1) -> LoadResult:
        """Drive ``target`` with ``clients`` concurrent connections for ``seconds`` (closed loop:
        each connection sends its next request when the previous answer arrived)."""
        wrk = ensure_wrk()
        threads = max(1, min(threads, clients))
        with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-wrk-", delete=False) as script:
            script.write(_lua_script(target, threads))
        try:
            workers = self.worker_pids()
            server_before = _proc_cpu_seconds(workers)
            usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = subprocess.run(  # noqa: S603 - fixed arguments
                [
                    wrk,
                    "-t",
                    str(threads),
                    "-c",
                    str(clients),
                    "-d",
                    f"{seconds:g}s",
                    "--timeout",
                    "10s",
                    "-s",
                    script.name,
                    self.url,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            server_cpu = _proc_cpu_seconds(workers) - server_before
        finally:
            os.unlink(script.name)
        line = next((ln for ln in result.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
        if line is None:
            raise CommandError(f"wrk printed no summary:\n{result.stdout}\n{result.stderr}")
        figures = json.loads(line.removeprefix("WRKJSON "))
        load_cpu = (usage_after.ru_utime - usage_before.ru_utime) + (
            usage_after.ru_stime - usage_before.ru_stime
        )
        return LoadResult(
            name=target.name,
            clients=clients,
            seconds=figures["duration_us"] / 1e6,
            requests=figures["requests"],
            p50_ms=figures["p50"] / 1000,
            p95_ms=figures["p95"] / 1000,
            p99_ms=figures["p99"] / 1000,
            errors=figures["socket_errors"] + figures["bad"],
            reused=figures["reused"],
            load_cpu_s=load_cpu,
            server_cpu_s=server_cpu,
        )


def verdict(ok: bool) -> str:
    return "met" if ok else "BELOW GOAL"


@dataclass(frozen=True)
class Goals:
    """What every HTTP benchmark checks: each target's ratio to the bare view at the same number of
    clients, p99 at ``p99_clients`` clients, and no errors."""

    p99_ms: float
    p99_clients: int | None = None  # None: at every client count


def report_rows(
    results: list[LoadResult], anchors: dict[int, float], targets: dict[str, Target], goals: Goals
):
    """Lines of the results table (figure, anchor, goal, verdict), and whether every goal was met."""
    lines = [
        f"{'page':<44} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'x bare':>7}  goals"
    ]
    all_met = True
    for r in results:
        target = targets[r.name]
        anchor = anchors.get(r.clients) or 0.0
        ratio = r.rps / anchor if anchor else 0.0
        notes = []
        if target.goal_ratio is not None:
            ok = ratio >= target.goal_ratio
            all_met &= ok
            notes.append(f">= {target.goal_ratio}x {verdict(ok)}")
        if target.p99_goal and goals.p99_clients in (None, r.clients):
            ok = r.p99_ms <= goals.p99_ms
            all_met &= ok
            notes.append(f"p99 <= {goals.p99_ms:.0f} ms {verdict(ok)}")
        ok = r.errors == 0
        all_met &= ok
        notes.append("no errors met" if ok else f"{r.errors} errors BELOW GOAL")
        if r.requests == 0:
            all_met = False
            notes.append("no request completed within the run BELOW GOAL")
        if target.unique and r.reused:
            # A POST sent again measures its refusal (already joined, already withdrawn), not its work.
            all_met = False
            notes.append(f"{r.reused} requests repeated a variant: not a measurement BELOW GOAL")
        lines.append(
            f"{r.name:<44} {r.clients:>7} {r.rps:>8,.0f} {r.p50_ms:>8.1f} {r.p95_ms:>8.1f} {r.p99_ms:>8.1f} "
            f"{r.errors:>6} {ratio:>7.2f}  {'; '.join(notes)}"
        )
    return lines, all_met
