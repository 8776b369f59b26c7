"""Watch the running site while faults happen (make prod-smoke): what a person and a load balancer see.

    python scripts/prod/probe.py watch BASE_URL OUT.csv STOPFILE   # until STOPFILE exists
    python scripts/prod/probe.py report OUT.csv PHASES.csv         # per phase: statuses, /healthz

``watch`` asks, over and over, for a brand page, the bare view, an API list (problem+json when
it fails) and /healthz, each with a 20 s timeout, and writes ``time,path,status,ms,detail`` lines.
``report`` groups them by the phases the fault script wrote (``start,end,label``), prints what
was seen, and exits 1 when any response was a 500 (or anything but 200/302/503), when a 503 page
was not the "back in a moment" page, or when the site was not answering 200 again at the end.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict

BRAND = os.environ.get("SMOKE_BRAND", "joycoffee")
API_KEY = os.environ.get("SMOKE_API_KEY", "")


def _get(url: str, headers: dict[str, str]) -> tuple[int, str]:
    # An English browser: the 503 page is recognised by its English words.
    request = urllib.request.Request(url, headers={"Accept-Language": "en", **headers})  # noqa: S310 - our own loopback server
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        return 0, type(exc).__name__


def watch(base: str, out: str, stopfile: str) -> None:
    targets = [
        (f"/b/{BRAND}/", {}),
        (f"/smoke/bare/{BRAND}", {}),
        ("/api/v1/rewards?limit=5", {"Authorization": f"Bearer {API_KEY}"}),
        ("/healthz", {}),
    ]
    with open(out, "w", newline="") as handle:
        writer = csv.writer(handle)
        while not os.path.exists(stopfile):
            for path, headers in targets:
                started = time.time()
                status, body = _get(base + path, headers)
                if path == "/healthz":
                    detail = body if body.startswith("{") else ""
                elif status == 503:
                    detail = (
                        "back-in-a-moment"
                        if ("back in a moment" in body or '"status": 503' in body)
                        else "other"
                    )
                elif status >= 500:
                    detail = "traceback" if "Traceback" in body else "server-error"
                else:
                    detail = ""
                writer.writerow(
                    [f"{started:.3f}", path, status, f"{(time.time() - started) * 1000:.0f}", detail]
                )
            handle.flush()
            time.sleep(0.2)


def report(out: str, phases_file: str) -> int:
    with open(out, newline="") as handle:
        rows = list(csv.reader(handle))
    with open(phases_file, newline="") as handle:
        phases = [(float(a), float(b), label) for a, b, label in csv.reader(handle)]
    failed = False
    for start, end, label in phases:
        statuses: Counter = Counter()
        down: dict[str, int] = defaultdict(int)
        bad_503 = 0
        for t, path, status, _ms, detail in rows:
            if not start <= float(t) <= end:
                continue
            if path == "/healthz":
                if detail:
                    for part, state in json.loads(detail).items():
                        if state != "ok":
                            down[part] += 1
                continue
            statuses[int(status)] += 1
            bad_503 += int(status) == 503 and detail != "back-in-a-moment"
        wrong = {s: n for s, n in statuses.items() if s not in (200, 302, 503)}
        seen = ", ".join(f"{n} x {s or 'no answer'}" for s, n in sorted(statuses.items()))
        health = ", ".join(f"{part} down in {n} probes" for part, n in down.items()) or "all ok"
        verdict = "ok"
        if wrong or bad_503:
            verdict, failed = "FAILED", True
        print(f"  {label} ({end - start:.0f} s): pages {seen or 'none'}; /healthz: {health} -> {verdict}")
    last = [r for r in rows if r[1] != "/healthz"][-3:]
    if not last or any(int(r[2]) not in (200, 302) for r in last):
        print("  FAILED: the site did not answer 200 again after the faults")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1] == "watch":
        watch(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(report(sys.argv[2], sys.argv[3]))
