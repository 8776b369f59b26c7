"""The benchmarks' verdicts: a figure that measured something else must not read as a goal met."""

from core.benchmarking import Goals, LoadResult, Target, Variant, report_rows


def _result(name: str, rps: float, *, reused: int = 0) -> LoadResult:
    seconds = 5.0
    return LoadResult(
        name=name,
        clients=16,
        seconds=seconds,
        requests=int(rps * seconds),
        p50_ms=10.0,
        p95_ms=20.0,
        p99_ms=30.0,
        errors=0,
        reused=reused,
        load_cpu_s=0.1,
        server_cpu_s=1.0,
    )


def _report(reused: int) -> tuple[list[str], bool]:
    bare = Target("bare", (Variant("/bare/"),), p99_goal=False)
    post = Target("POST withdraw", (Variant("/w/", "POST"),), ok_statuses=(302,), goal_ratio=0.3, unique=True)
    results = [_result("bare", 1000.0), _result("POST withdraw", 400.0, reused=reused)]
    return report_rows(results, {16: 1000.0}, {"bare": bare, "POST withdraw": post}, Goals(p99_ms=150.0))


def test_a_post_sent_once_per_variant_meets_its_goal():
    lines, all_met = _report(reused=0)
    assert all_met
    assert ">= 0.3x met" in lines[-1]
    assert "BELOW GOAL" not in lines[-1]


def test_a_post_that_repeated_its_variants_is_not_a_measurement():
    lines, all_met = _report(reused=120)
    assert not all_met
    assert "120 requests repeated a variant: not a measurement BELOW GOAL" in lines[-1]
