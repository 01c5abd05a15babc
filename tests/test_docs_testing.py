"""The testing page's example runs as written (collected from docs/examples)."""

from __future__ import annotations

from docs.examples.testing_with_sandbox import (
    test_top_sources,
    test_top_sources_survives_a_rate_limit,
)

__all__ = ["test_top_sources", "test_top_sources_survives_a_rate_limit"]
