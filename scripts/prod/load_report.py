"""Print locust's figures for make prod-smoke: requests/s and p50/p95/p99 per endpoint, errors,
and the goals against the bare view measured under the same server in the same run.

    python scripts/prod/load_report.py MIX_PREFIX BARE_PREFIX BRAND_PREFIX WALLET_PREFIX USERS

Each PREFIX is a ``locust --csv`` prefix (``PREFIX_stats.csv``). Goals (issue #22): brand page
and /wallet/ >= 0.5x the bare view's requests/s (each alone, USERS users); p99 <= 150 ms for the
consumer pages in the mix; zero errors. A missed goal prints BELOW GOAL; errors exit 1.
"""

from __future__ import annotations

import csv
import sys

RATIO_GOAL = 0.5
P99_GOAL_MS = 150
CONSUMER_PAGES = ("brand page", "/wallet/", "/wallet/summary.json")


def _stats(prefix: str) -> dict[str, dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def _line(name: str, row: dict[str, str]) -> str:
    return (
        f"  {name:<58} {float(row['Requests/s']):8.1f} req/s  p50 {row['50%']:>5} ms  p95 {row['95%']:>5} ms  "
        f"p99 {row['99%']:>5} ms  {row['Request Count']:>6} requests  {row['Failure Count']} errors"
    )


def main(mix: str, bare: str, brand: str, wallet: str, users: str) -> int:
    rows = _stats(mix)
    errors = 0
    print(f"The real mix, {users} users (closed loop), every endpoint:")
    for name, row in rows.items():
        if name == "Aggregated":
            continue
        print(_line(name, row))
        errors += int(row["Failure Count"])
    print(_line("all", rows["Aggregated"]))
    print(f"errors: {errors} (goal 0){'  BELOW GOAL' if errors else ''}")
    with open(f"{mix}_failures.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            print(f"  {row['Occurrences']} x {row['Method']} {row['Name']}: {row['Error'][:200]}")
    for page in CONSUMER_PAGES:
        if page in rows:
            p99 = float(rows[page]["99%"])
            verdict = "" if p99 <= P99_GOAL_MS else "  BELOW GOAL"
            print(f"{page} p99 in the mix: {p99:.0f} ms, goal <= {P99_GOAL_MS} ms{verdict}")
    anchor = float(_stats(bare)["bare view"]["Requests/s"])
    print(f"Each alone, {users} users (closed loop), beside the bare view (anchor {anchor:.1f} req/s):")
    print(_line("bare view (one ORM get)", _stats(bare)["bare view"]))
    for prefix, name in ((brand, "brand page"), (wallet, "/wallet/")):
        row = _stats(prefix)[name]
        print(_line(name, row))
        ratio = float(row["Requests/s"]) / anchor if anchor else 0.0
        verdict = "" if ratio >= RATIO_GOAL else "  BELOW GOAL"
        print(f"{name} / bare view: {ratio:.2f}x, goal >= {RATIO_GOAL}x{verdict}")
        errors += int(row["Failure Count"])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
