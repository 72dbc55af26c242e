"""Hostile C2PA manifest stores (tests/fixtures/credentials.py: byte flips, truncations, crafted stores): probe
never raises or hangs, and a store that no longer holds is ``invalid`` (benchmarks/bench_c2pa.py runs many more)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fixtures.credentials import hostile_manifests
from vidverify.media.formats import c2pa
from vidverify.media.probe import probe


@pytest.fixture(autouse=True)
def _no_anchors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(c2pa.TRUST_ENV, raising=False)


def test_hostile_manifests(signed: dict[str, Path], tmp_path: Path) -> None:
    cases = hostile_manifests(signed, tmp_path, flips=3, truncations=2)

    def one(case: tuple[Path, str]) -> tuple[str, str | None, float]:
        started = time.perf_counter()
        info = probe(case[0], strict=False)
        return case[1], info.credentials.state if info.credentials else None, time.perf_counter() - started

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, cases))
    assert len(results) == len(cases) >= 25
    for what, state, seconds in results:
        assert seconds < c2pa.TIMEOUT_FLOOR_S + 10, what
        assert state in (None, "invalid", "untrusted"), what  # never "valid": no trust anchors given
    crafted = [s for w, s, _ in results if "flip" not in w]  # truncated or crafted: the store cannot hold
    assert all(s == "invalid" for s in crafted)
    assert sum(s == "invalid" for _, s, _ in results) >= len(results) // 2
