"""Shared fixtures: a sandbox with shrunken windows so governance tests run fast;
the Hypothesis profiles; no test may skip."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Generator
from datetime import timedelta

import attrs
import pytest
import pytest_asyncio
from hypothesis import settings

from semrush_async import RetryPolicy, published_limits
from semrush_async.testing import SemrushSandbox

# No test may reach the developer's real credentials: the session (and every process
# it starts) sees no key variable, and a token file in a fresh temp directory instead
# of ~/.config/semrush-async/tokens.json. Tests that need either set their own.
# Nor may a URL or a proxy from the environment send a test anywhere but 127.0.0.1
# (the library and the CLI read SEMRUSH_*_URL and, with trust_env, the proxy variables).
for _name in (
    "SEMRUSH_API_KEY",
    "SEMRUSH_V4_API_KEY",
    "SEMRUSH_BASE_URL",
    "SEMRUSH_OAUTH_URL",
    "SEMRUSH_WWW_URL",
    *(v for p in ("http", "https", "all") for v in (f"{p}_proxy", f"{p.upper()}_PROXY")),
):
    os.environ.pop(_name, None)
_NO_CREDENTIALS = tempfile.mkdtemp(prefix="semrush-async-tests-")
atexit.register(shutil.rmtree, _NO_CREDENTIALS, True)
os.environ["SEMRUSH_TOKEN_FILE"] = os.path.join(_NO_CREDENTIALS, "no-such-dir", "tokens.json")

#: Every published limit with its window shrunk 4x, and at most 1.5 s (same N, same
#: concurrency, same strategy): 1 s windows become 0.25 s, minute windows 1.5 s. Derived
#: from the rows that declare them, so a new limited endpoint is covered at once.
FAST_LIMITS = {
    name: attrs.evolve(limit, per=min(limit.per / 4, 1.5))
    for name, limit in published_limits().items()
    if name not in ("oauth", "units")  # no published limit; their defaults stand
}
#: Quick retries for tests (same shape as the default policy).
FAST_RETRY = RetryPolicy(max_retries=5, base=0.01, cap=0.1, max_retry_after=5.0)


@pytest_asyncio.fixture
async def sandbox(request: pytest.FixtureRequest) -> AsyncIterator[SemrushSandbox]:
    marker = request.node.get_closest_marker("sandbox")
    kwargs = dict(marker.kwargs) if marker else {}
    kwargs.setdefault("limits", FAST_LIMITS)
    # Windows are 4x shorter but arrival jitter (this loop also hosts the server) is
    # not: keep the slack in milliseconds close to a real 1 s window's.
    kwargs.setdefault("client_options", {"safety_margin": 0.05})
    async with SemrushSandbox(**kwargs) as sb:
        yield sb


# Hypothesis profiles. Property tests run on slow, shared 2-core machines too, so
# neither profile times single examples tightly: a deadline failure there is noise,
# not a finding (speed targets live in benchmarks/). Hypothesis allows input
# generation 5x the deadline (at least 1 s) before its too_slow health check fires.
#: CI: the same examples every run (derandomized, no example database), no deadline
#: (too_slow then fires after 30 s of generation: only a broken strategy gets there).
#: Replaces Hypothesis's built-in "ci" profile, which it loads by itself only when it
#: recognises a CI environment, and which mutes too_slow altogether.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
)
#: Development: random exploration (failures are saved and replayed from
#: .hypothesis/), a 2 s deadline per example (100x what any example here needs),
#: so too_slow fires after 10 s of generation.
settings.register_profile("dev", deadline=timedelta(seconds=2))
#: ``HYPOTHESIS_PROFILE`` picks one explicitly; otherwise CI (any non-empty CI) or dev.
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sandbox(**kwargs): SemrushSandbox options")


def pytest_report_header(config: pytest.Config) -> str:
    return f"hypothesis profile: {PROFILE}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A skipped test is a failed test here: every capability is exercised on every
    machine the README's test command runs on (Redis included, see local_servers)."""
    report = yield
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"tests may not skip (fix the cause): {report.longrepr}"
    return report
