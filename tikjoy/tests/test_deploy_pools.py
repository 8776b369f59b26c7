"""deploy/: nginx sends each path to the gunicorn pool docs/deploy.md says, and the units agree with it.

The back-office pool (tikjoy-back.service, Nice=10) serves the console, ops, the API and the
platforms' webhooks; every page a person opens stays in the web pool. The map's regular expression is
read from deploy/nginx/tikjoy.conf and applied to paths reversed from the URLconf, so a renamed prefix
(or a new page under a back-office prefix) fails here instead of landing in the wrong pool.
"""

import os
import re
import runpy
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from django.urls import reverse

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _nginx() -> str:
    return (DEPLOY / "nginx" / "tikjoy.conf").read_text()


def _back_pattern() -> re.Pattern:
    (pattern,) = re.findall(r'"~(\^[^"]+)"\s+tikjoy_back;', _nginx())
    return re.compile(pattern)


def _pool(path: str) -> str:
    return "back" if _back_pattern().search(path) else "web"


BACK_OFFICE = [
    ("console:index", {}),
    ("admin:index", {}),
    ("ops_diagnostics", {}),
    ("api:rewards", {}),
    ("api:actions", {}),
    ("api-schema", {}),
    ("social:tiktok_webhook", {}),
    ("social:whatsapp_webhook", {}),
    ("cards:stripe_webhook", {}),
    ("promote:stripe_webhook", {}),
]

PAGES_PEOPLE_OPEN = [
    ("home", {}),
    ("brand:landing", {"slug": "joycoffee"}),
    ("brand:join", {"slug": "joycoffee"}),
    ("brand:claim", {"slug": "joycoffee", "action": "like"}),
    ("rewards:wallet", {}),
    ("rewards:wallet_summary", {}),
    ("account_login", {}),
    ("social:me", {}),
    ("affiliates:redirect", {"code": "ABCDEFGH"}),
    ("embed:widget_js", {}),
    ("healthz", {}),
    ("promote:home", {}),
    ("payouts:home", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), BACK_OFFICE)
def test_the_back_office_and_machine_traffic_go_to_the_back_office_pool(name, kwargs):
    path = reverse(name, kwargs=kwargs)
    assert _pool(path) == "back", path


@pytest.mark.parametrize(("name", "kwargs"), PAGES_PEOPLE_OPEN)
def test_the_pages_people_open_stay_in_the_web_pool(name, kwargs):
    path = reverse(name, kwargs=kwargs)
    assert _pool(path) == "web", path


def test_a_path_that_only_begins_like_a_back_office_prefix_stays_in_the_web_pool():
    assert _pool("/apiary/") == "web"
    assert _pool("/consoles") == "web"
    assert _pool("/api") == "back"  # Django redirects it to /api/ there


def test_the_units_listen_where_nginx_sends_and_run_below_the_web_pool():
    upstreams = dict(re.findall(r"upstream (\w+) \{\s*(?:#[^\n]*\n\s*)*server ([\d.:]+);", _nginx()))
    systemd = DEPLOY / "systemd"
    back = (systemd / "tikjoy-back.service").read_text()
    web = (systemd / "tikjoy-web.service").read_text()
    worker = (systemd / "tikjoy-worker@.service").read_text()
    assert f"--bind {upstreams['tikjoy_back']} " in back
    assert upstreams["tikjoy_web"] == "127.0.0.1:8000"  # deploy/gunicorn.conf.py's default bind
    assert "\nNice=10\n" in back and "\nNice=10\n" in worker
    assert "Nice=" not in web
    # both locations that proxy to the app use the map (the health probe on port 80 goes to the web pool)
    assert "proxy_pass http://$tikjoy_pool;" in _nginx()


# A stand-in application for the two tests below: /slow holds its thread, every path answers the process id.
_APP = """
import os, time

def application(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(float(os.environ["SLOW_SECONDS"]))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
"""
SLOW_SECONDS = 4


def _environ(**env) -> dict:
    """This process's environment without any GUNICORN_ setting of the machine running the tests."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")} | env


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own loopback server
        return response.read()


@contextmanager
def _gunicorn(tmp_path, **env):
    """deploy/gunicorn.conf.py serving _APP with 2 processes of 1 thread each; yields its base URL.

    The listening socket is made here and handed down (`fd://`): no port is chosen, freed and taken
    again, which an outgoing connection of another test could take meanwhile."""
    (tmp_path / "standin.py").write_text(_APP)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    environ = _environ(
        GUNICORN_BIND=f"fd://{listener.fileno()}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="1",
        GUNICORN_ACCESS_LOG="/dev/null",
        GUNICORN_LOG_LEVEL="warning",
        SLOW_SECONDS=str(SLOW_SECONDS),
        **env,
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as errors:  # the child keeps its own copy
        process = subprocess.Popen(  # noqa: S603 - our own executable and config
            [
                str(gunicorn),
                "-c",
                str(DEPLOY / "gunicorn.conf.py"),
                "--chdir",
                str(tmp_path),
                "standin:application",
            ],
            env=environ,
            pass_fds=[listener.fileno()],
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    listener.close()  # gunicorn has its own copy
    try:
        pids = set()
        deadline = time.monotonic() + 60
        while len(pids) < 2 and time.monotonic() < deadline:  # both processes up and accepting
            try:
                pids.add(_get(f"{base}/fast"))
            except OSError as exc:
                pytest.fail(f"gunicorn did not answer ({exc}): {log.read_text()[-2000:]}")
        assert len(pids) == 2, f"gunicorn did not start two workers: {log.read_text()[-2000:]}"
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _fast_while_one_process_is_busy(base: str) -> tuple[bytes, list[tuple[bytes, float]]]:
    """Start a slow request, then time twenty fast ones sent at once, each on a new connection (as
    nginx sends a busy page's requests).

    At once, not one after another: Linux wakes the process that waited last for the next connection,
    so one after another they all went to whichever process took the first, and a run could show
    nothing of the other (a test that failed by the kernel's order, not by gunicorn's settings).

    Returns the process id that answered the slow request and, for each fast one, its process id
    and how long it took."""
    slow: list[bytes] = []
    thread = threading.Thread(target=lambda: slow.append(_get(f"{base}/slow")))
    thread.start()
    time.sleep(0.5)  # the slow request holds one process's only thread
    start = threading.Barrier(20, timeout=30)

    def timed() -> tuple[bytes, float]:
        start.wait()
        started = time.monotonic()
        pid = _get(f"{base}/fast")
        return pid, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=20) as pool:
        fast = list(pool.map(lambda _: timed(), range(20)))
    thread.join()
    assert len(slow) == 1, "the slow request got no answer"
    return slow[0], fast


def test_a_request_never_waits_behind_a_busy_process_while_another_has_a_free_thread(tmp_path):
    with _gunicorn(tmp_path) as base:
        busy, fast = _fast_while_one_process_is_busy(base)
    # Each fast request was answered by the other process, at once, while the slow one ran.
    assert all(pid != busy for pid, _ in fast), fast
    assert max(seconds for _, seconds in fast) < 2, fast


def test_with_gunicorns_default_of_1000_connections_a_busy_process_makes_requests_wait(tmp_path):
    # The same pair of processes with gunicorn's own default (1,000 connections a process): the busy process
    # also accepts, and what it accepts waits for its one thread.
    with _gunicorn(tmp_path, GUNICORN_WORKER_CONNECTIONS="1000") as base:
        busy, fast = _fast_while_one_process_is_busy(base)
    waited = [(pid, seconds) for pid, seconds in fast if seconds > 2]
    assert waited, fast
    assert all(pid == busy for pid, _ in waited), fast


def test_nginx_keeps_no_idle_connection_to_a_pool_whose_processes_take_one_per_thread():
    with mock.patch.dict(os.environ, _environ(), clear=True):
        config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["worker_connections"] == config["threads"]
    assert config["keepalive"] == 0  # closed after the response: no idle connection holds a thread's place
    for name, body in re.findall(r"upstream (\w+) \{([^}]*)\}", _nginx()):
        assert not re.search(r"^\s*keepalive\s", body, re.M), name
    assert 'proxy_set_header Connection "";' not in _nginx()  # nginx's default: Connection: close
