from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests import ROOT
from tests.fixtures import make_fixtures

# In CI the fuzz tests replay the same examples each run (a new crash is found by developers' random runs and
# `benchmarks/fuzz.py`, then pinned by a regression test), and no example fails for being slow on a loaded machine.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")



def corpus_dir() -> Path | None:
    env = os.environ.get("VIDVERIFY_CORPUS")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "corpus"]:
        if cand.is_dir():
            return cand
    return None


CORPUS = corpus_dir()


@pytest.fixture(scope="session")
def corpus() -> Path:
    if CORPUS is None:
        pytest.skip("../shared/corpus is absent")
    return CORPUS


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The generated fixtures (tests/fixtures/make_fixtures.py), built once per session."""
    return make_fixtures.build_all(tmp_path_factory.mktemp("media"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "corpus" in item.keywords and CORPUS is None:
            item.add_marker(pytest.mark.skip(reason="../shared/corpus is absent"))
