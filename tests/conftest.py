from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests import ROOT
from tests.fixtures import make_fixtures
from vidverify.models import ScanResult

# In CI the fuzz tests replay the same examples each run (a new crash is found by developers' random runs and
# `benchmarks/fuzz.py`, then pinned by a regression test), and no example fails for being slow on a loaded machine.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

DEMO_JOBS = 2
"""The demo scan's ``jobs`` (the command-line scans of the case in tests/pipeline/test_scanning.py use its index)."""


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


@pytest.fixture(scope="session")
def sound_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Clips with sound and their re-posts (tests/fixtures/sound.py), built once per session."""
    from tests.fixtures import sound

    return sound.build(tmp_path_factory.mktemp("sound"))


# ------------------------------------------------------------------------------------------ the demo case


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under ``folder``: (size, st_mtime_ns, sha256)."""
    out: dict[str, tuple[int, int, str]] = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
    return out


@pytest.fixture(scope="session")
def case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bundled demo case at full size (examples/make_case.py; the quick one's tiny synthetic scenes have
    pure-black bands that no camera makes, which look like bars), built once per run and shared by every test
    that reads it. No test may write into it or beside it (a check test copies it first: ``case_copy`` in
    tests/pipeline/check/); the end of the run fails if its folder changed."""
    home = tmp_path_factory.mktemp("demo")
    out = home / "case"
    subprocess.run([sys.executable, str(ROOT / "examples" / "make_case.py"), str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    before = snapshot(home)
    yield out
    assert snapshot(home) == before, "a test changed the shared demo case (copy it to tmp_path first)"


@pytest.fixture(scope="session")
def _demo(case: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[ScanResult, Path]:
    from vidverify.media.claims import read_claims_file
    from vidverify.pipeline.index.search import Index
    from vidverify.pipeline.scanning import ScanOptions, scan

    db = tmp_path_factory.mktemp("demo-index") / "demo.sqlite"
    with Index(db) as index:
        result = scan([case], options=ScanOptions(jobs=DEMO_JOBS, claims=read_claims_file(case / "claims.yaml")),
                      index=index)
    return result, db


@pytest.fixture(scope="session")
def demo_scan(_demo: tuple[ScanResult, Path]) -> ScanResult:
    """The one scan of the demo case per run: its claims file (claims.yaml), picture edits on, DEMO_JOBS jobs.
    The scan, HTML and check tests read it."""
    return _demo[0]


@pytest.fixture(scope="session")
def demo_index(_demo: tuple[ScanResult, Path]) -> Path:
    """The index the demo scan filled (outside the case folder): a command-line scan of the case given
    ``--index`` takes every file's probe and fingerprint from it instead of decoding the case again."""
    return _demo[1]


# ------------------------------------------------------------------------------------------ small media


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Five small clips (320x180, no sound) in one folder: x, y and z (unrelated scenes), a compilation of x and y,
    and x re-encoded smaller. Shared by the scan, candidate and file tests; nothing writes into their folder."""
    from vidverify.testing import synth

    d = tmp_path_factory.mktemp("small")
    x = synth.make_scene(d / "src" / "x.mp4", seconds=4.0, size=(320, 180), seed=11, audio=False)
    y = synth.make_scene(d / "src" / "y.mp4", seconds=4.0, size=(320, 180), seed=22, audio=False)
    z = synth.make_scene(d / "src" / "z.mp4", seconds=3.0, size=(320, 180), seed=33, audio=False)
    comp = synth.splice(x, y, d / "src" / "compilation.mp4", at=2.0, insert_seconds=2.0)
    re_x = synth.reencode(x, d / "src" / "x_small.mp4", size=(256, 144), crf=30)
    return {"x": x, "y": y, "z": z, "comp": comp, "x_small": re_x}


@pytest.fixture(scope="session")
def index_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 12 s source, two unrelated 6 s clips, the source's 4-10 s re-encoded (the query) and a broken MP4: what
    the index tests add and search (tests/pipeline/index/, tests/pipeline/test_ingest.py, tests/cli/)."""
    from vidverify.testing import synth

    d = tmp_path_factory.mktemp("index-media")
    out = {
        "source": synth.make_scene(d / "source.mp4", seconds=12, size=(320, 180), seed=31, audio=False),
        "other1": synth.make_scene(d / "other1.mp4", seconds=6, size=(320, 180), seed=32, audio=False),
        "other2": synth.make_scene(d / "other2.mp4", seconds=6, size=(320, 180), seed=33, audio=False),
    }
    out["query"] = synth.trim(out["source"], d / "query.mp4", 4.0, 10.0, crf=32)
    bad = d / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(3000))
    out["bad"] = bad
    return out


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "corpus" in item.keywords and CORPUS is None:
            item.add_marker(pytest.mark.skip(reason="../shared/corpus is absent"))


# ------------------------------------------------------------------ a compilation with a letterboxed clip


BARS_INSERT = (1.0, 6.0, 3.0)
"""The letterboxed compilation's insert: (start in the source, seconds, where in the compilation), seconds."""


@pytest.fixture(scope="session")
def bars_case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``source``: 8 s of 4:3 footage; ``compilation``: 8 s of 16:9 footage with 6 s of the source (from 1.0 s)
    spliced in at 3.0 s, pillarboxed (black bars left and right, which the rest of the compilation lacks);
    ``other``: unrelated 16:9 footage. Issue 16 item 3: the compilation was "unrelated (confidence 1.00)"."""
    from vidverify.testing import synth

    d = tmp_path_factory.mktemp("bars")
    source = synth.make_scene(d / "source.mp4", seconds=8, size=(320, 240), seed=31, audio=False)
    host = synth.make_scene(d / "host.mp4", seconds=8, size=(424, 240), seed=32, audio=False)
    other = synth.make_scene(d / "other.mp4", seconds=5, size=(424, 240), seed=33, audio=False)
    start, seconds, at = BARS_INSERT
    comp = synth.splice(host, source, d / "compilation.mp4", at=at, insert_seconds=seconds, insert_start=start)
    return {"source": source, "compilation": comp, "other": other}


@pytest.fixture(scope="session")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """C2PA-signed clips and stills under a throwaway CA, and their changed, tampered and stripped copies
    (tests/fixtures/credentials.py). Nothing writes into their folder."""
    from tests.fixtures import credentials

    return credentials.build(tmp_path_factory.mktemp("signed"))
