"""The benchmark results and their page: ``docs/benchmarks.md`` is the rendering of the
committed ``benchmarks/results/latest.json``, its ``summary`` is that run's own figures
against issue 27's goals, and the jitter proxy delays requests over real HTTP."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest

from benchmarks import report, summary
from benchmarks.proxy import JitterProxy
from benchmarks.summary import GOALS, KEYS, NOT_BUILT, summarize
from semrush_async.testing import SemrushSandbox

ISSUE_27_KEYS = (
    "P1_utilization",
    "P1_jitter_429_client",
    "P1_jitter_429_spaced",
    "P2_cpu_ratio_vs_raw_parse",
    "P3_typed_vs_python_semrush_12col",
    "P3_typed_vs_python_semrush_22col",
    "P4_stream_mb",
    "P5_harvest_ratio",
    "P6_redis_utilization",
    "P7_v4_vs_v3_decode",
    "P8_columnar_vs_typed",
    "P8a_domain_organic_vs_python_semrush",
    "P8_columnar_stream_mb",
)


def _latest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(report.LATEST.read_text())
    return loaded


def test_the_doc_is_the_rendering_of_the_committed_results() -> None:
    assert report.DOC.read_text() == report.render(_latest()), (
        "docs/benchmarks.md is stale: run `python benchmarks/report.py`"
    )


def test_the_committed_summary_is_that_runs_figures_against_the_goals() -> None:
    latest = _latest()
    assert not latest["smoke"]
    assert tuple(latest["summary"]) == KEYS == ISSUE_27_KEYS
    # Through JSON, as the run wrote it.
    assert latest["summary"] == json.loads(json.dumps(summarize(latest)))
    for key, entry in latest["summary"].items():
        assert set(entry) <= {"value", "goal", "met", "note"}, key
        assert entry["goal"] == GOALS[key].text
        assert entry["met"] or entry.get("note"), f"{key} is not met and says not why"
    # Every measured row was measured in that one run: no measure was merged later.
    assert not latest.get("reruns")


def _sample() -> dict[str, Any]:
    """Raw results meeting every goal (shapes as run.py writes them)."""
    sat_row = {"utilization": 0.995, "rejected_429": 0, "max_in_window": 10, "limit_n": 10}
    return {
        "smoke": False,
        "saturation": {"client": {"account": sat_row, "listings.get_location": sat_row}},
        "saturation_jitter": {
            "client": {"rejected_429": 0},
            "aiolimiter_spaced": {"rejected_429": 7},
        },
        "overhead": {"cpu_ratio_vs_raw_parse": 1.1},
        "parse": {"plain": {"vs_python_semrush": 1.2}, "default": {"vs_python_semrush": 1.4}},
        "memory": {"stream_mb": 1.6},
        "harvest": {"ratio": 1.02},
        "distributed": {"utilization": 0.96, "rejected_429": 0},
        "v4": {"v4_over_v3": 1.6},
        "analytics": {"plain": {"vs_python_semrush": 1.1}},
        "columnar": {"vs_typed": 6.0, "stream_mb": 30.0},
    }


def test_a_measure_not_built_yet_needs_only_its_results_section(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    full = summarize(_sample())
    assert all(e["met"] and "note" not in e for e in full.values()), full
    assert NOT_BUILT == {}  # every measure of issue 27 is built
    without = _sample()
    del without["columnar"]
    got = summarize(without)
    assert got["P8_columnar_vs_typed"]["note"].startswith("not measured in this run")
    monkeypatch.setattr(summary, "NOT_BUILT", {"columnar": "not built yet (issue 27 item 1)"})
    got = summarize(without)
    for key in ("P8_columnar_vs_typed", "P8_columnar_stream_mb"):
        assert got[key] == {
            "value": None,
            "goal": GOALS[key].text,
            "met": False,
            "note": "not built yet (issue 27 item 1)",
        }
    assert got["P8a_domain_organic_vs_python_semrush"]["met"]


def test_a_missed_goal_says_why() -> None:
    r = _sample()
    r["saturation_jitter"]["client"]["rejected_429"] = 3
    r["saturation"]["client"]["account"] = {
        **r["saturation"]["client"]["account"],
        "rejected_429": 1,
    }
    r["overhead"]["cpu_ratio_vs_raw_parse"] = 1.9
    r["memory"]["stream_mb"] = 1.74  # 1.7 at the precision shown: not worse than today's
    r["harvest"]["ratio"] = 1.04
    got = summarize(r)
    assert got["P1_jitter_429_client"]["value"] == 3
    assert not got["P1_jitter_429_client"]["met"]
    assert "round trip" in got["P1_jitter_429_client"]["note"]
    assert not got["P1_utilization"]["met"]
    assert got["P1_utilization"]["note"] == "429s on {'account': 1}"
    assert "lean path" in got["P2_cpu_ratio_vs_raw_parse"]["note"]
    assert got["P4_stream_mb"]["met"]
    # Today's 0.95253 at the precision shown, in its favour: 0.95248 is not worse.
    assert GOALS["P6_redis_utilization"].text.startswith("≥ 0.952 ")
    for utilization, met in ((0.95248, True), (0.9514, False)):
        r["distributed"]["utilization"] = utilization
        assert summarize(r)["P6_redis_utilization"]["met"] is met
    assert "idle machine" in got["P5_harvest_ratio"]["note"]
    # The client's 0 429s count only where the spaced limiter got 429s.
    calm = _sample()
    calm["saturation_jitter"]["aiolimiter_spaced"]["rejected_429"] = 0
    got = summarize(calm)
    assert not got["P1_jitter_429_client"]["met"]
    assert "did not test the margin" in got["P1_jitter_429_client"]["note"]


def test_a_smoke_run_renders_and_says_what_it_did_not_measure() -> None:
    r = copy.deepcopy(_latest())
    r["smoke"] = True
    r["distributed"] = None
    r["summary"] = summarize(r)
    assert r["summary"]["P6_redis_utilization"]["note"] == "not measured in smoke runs"
    assert "| `P6_redis_utilization` |" in report.render(r)


async def test_the_jitter_proxy_delays_each_request_and_passes_the_answer() -> None:
    loop = asyncio.get_running_loop()
    async with (
        SemrushSandbox(enforce_limits=False) as sb,
        JitterProxy(sb.port, (0.05, 0.08), seed=1) as proxy,
        sb.client(base_url=proxy.url) as client,
    ):
        first = await client.backlinks.overview("small.example")
        sent = []
        for _ in range(3):  # one keep-alive connection: each request gets its own delay
            sent.append(loop.time())
            assert await client.backlinks.overview("small.example") == first
        arrived = sb.counters("account").starts[-3:]
    assert first is not None
    assert len(proxy.delays) == 4
    assert all(0.05 <= d <= 0.08 for d in proxy.delays)
    assert all(a - s >= 0.05 for s, a in zip(sent, arrived, strict=True))
