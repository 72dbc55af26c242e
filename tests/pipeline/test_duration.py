"""One duration per file (docs/contract.md): from the first displayed frame (t = 0) to the end of the last, the same
in probe, the fingerprint, compare's JSON, the edits and the HTML timeline. Built the ways the bugs were met: a
track that outlasts the video (a GoPro file's audio and telemetry) and a stream-copy trim whose edit list hides
the pre-roll packets it starts with."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures import make_fixtures
from vidverify.match import streamcopy
from vidverify.media.probe import probe
from vidverify.pipeline.comparison import compare, compare_page
from vidverify.pipeline.ingest import fingerprint, read_file
from vidverify.testing import synth

FPS = 30
FRAME = 1 / FPS


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("duration")
    # a 3 s GOP: a copy that starts at 2.0 s must begin at the keyframe at 0.0 and hide 60 pre-roll frames
    src = synth.make_scene(d / "src.mp4", seconds=5, size=(320, 180), fps=FPS, seed=31, audio=False, gop=90)
    return {
        "src": src,
        "longer": make_fixtures.longer_track(src, d / "longer.mp4", 1.5),
        "reencode": synth.reencode(src, d / "reencode.mp4", crf=28),
        # `ffmpeg -ss 2 -i src -c copy out.mp4`: an edit list starts the copy at 2.0 s of src
        "copy": synth.stream_copy(src, d / "copy.mp4", 2.0, 10.0),
    }


def _trims(m: object) -> list[tuple[str, float]]:
    return [(e.detail["where"], e.detail["seconds"]) for e in m.edits if e.type == "trim"]  # type: ignore[attr-defined]


def _timeline_labels(page: Path) -> list[str]:
    return re.findall(r"(?:trim|cut|insert) \d+\.\d s", page.read_text(encoding="utf-8"))


def _probe_text(path: Path) -> str:
    import contextlib
    import io

    from vidverify.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["probe", str(path)]) == 0
    return out.getvalue()


def test_a_track_longer_than_the_video_is_not_footage(clips: dict[str, Path], tmp_path: Path) -> None:
    longer = clips["longer"]
    info = probe(longer)
    assert info.duration == pytest.approx(5.0, abs=1e-3)  # 150 frames of 1/30 s
    assert info.frame_count == 150
    assert info.declared_duration == pytest.approx(6.5, abs=0.05)  # the container's own figure, kept apart
    assert probe(clips["src"]).declared_duration is None  # nothing to tell when they agree
    shown = _probe_text(longer)  # the text output says both, and which is which
    assert "duration           5.000 s" in shown and "declared duration  6.5" in shown, shown
    fp = fingerprint(longer)
    assert fp.duration == pytest.approx(info.duration, abs=1e-6)
    assert fp.to_dict()["duration"] == fp.duration
    item = read_file(str(longer))  # scan and index add: probe given the decoded frames' span
    assert item.info.duration == pytest.approx(fp.duration, abs=1e-6) and item.info.frame_count == len(fp)
    assert item.info.declared_duration == info.declared_duration
    for a, b in ((longer, clips["reencode"]), (clips["reencode"], longer)):
        m = compare(a, b, pictures=False, findings=False)
        doc = m.to_dict()
        assert doc["a"]["duration"] == pytest.approx(5.0, abs=1e-3)
        assert doc["b"]["duration"] == pytest.approx(5.0, abs=1e-3)
        assert m.coverage == {"a": 1.0, "b": 1.0}
        assert _trims(m) == [] and not any(e.type == "insert" for e in m.edits)
    page = tmp_path / "longer.html"
    compare_page(compare(clips["reencode"], longer, findings=False), str(page))
    assert _timeline_labels(page) == []  # no phantom "trim 1.5 s" at the end


def test_a_stream_copy_trim_starts_at_its_first_displayed_frame(clips: dict[str, Path], tmp_path: Path) -> None:
    copy = clips["copy"]
    fb = fingerprint(copy)
    assert fb.times[0] == 0.0
    # the 60 pre-roll packets (0.0-2.0 s of src) are decoded as references, never shown: not in the fingerprint
    assert len(fb) == 90 and len(fb.packet_times) == len(fb)
    assert float(np.min(fb.packet_times)) == pytest.approx(0.0, abs=1e-6)
    assert fb.to_dict()["packets"][0]["t"] == pytest.approx(0.0, abs=1e-6)
    assert fb.duration == pytest.approx(3.0, abs=1e-3)
    info = probe(copy)
    assert info.duration == pytest.approx(fb.duration, abs=1e-6) and info.frame_count == len(fb)
    m = compare(clips["src"], copy, pictures=False, findings=False)
    (seg,) = [s for s in m.segments if s.channel == streamcopy.CHANNEL]
    assert seg.b_start == 0.0 and seg.b_end == pytest.approx(3.0, abs=1e-3)
    assert seg.a_start == pytest.approx(2.0, abs=FRAME / 2) and seg.frames == 90
    (trim,) = _trims(m)
    assert trim[0] == "start" and trim[1] == pytest.approx(2.0, abs=FRAME)
    assert m.coverage["b"] == 1.0 and m.coverage["a"] == pytest.approx(0.6, abs=0.01)
    assert m.to_dict()["b"]["duration"] == pytest.approx(3.0, abs=1e-3)
    page = tmp_path / "copy.html"
    compare_page(m, str(page))
    assert _timeline_labels(page) == ["trim 2.0 s"]


def test_a_fingerprint_from_an_earlier_version_is_measured_on_its_frames(clips: dict[str, Path]) -> None:
    """An index or .vvfp made before the one duration holds the container's duration and the hidden pre-roll's
    packets at negative times: compare measures the footage, not those."""
    from dataclasses import replace

    fa = fingerprint(clips["src"])
    fb = fingerprint(clips["copy"])
    pre = fingerprint(clips["src"])  # the pre-roll packets as an earlier version listed them: 2 s before t = 0
    keep = pre.packet_times < 2.0 - 1e-6
    old = replace(fb, duration=5.0, packet_times=np.concatenate([pre.packet_times[keep] - 2.0, fb.packet_times]),
                  packet_digests=np.concatenate([pre.packet_digests[keep], fb.packet_digests]))
    from vidverify.match.verdict import match_fingerprints

    m = match_fingerprints(fa, old)
    assert m.b.duration == pytest.approx(3.0, abs=1e-3)
    (seg,) = [s for s in m.segments if s.channel == streamcopy.CHANNEL]
    assert seg.b_start == 0.0 and seg.a_start == pytest.approx(2.0, abs=FRAME / 2)
    assert _trims(m) == [("start", pytest.approx(2.0, abs=FRAME))]


@pytest.mark.corpus
def test_gopro_duration_is_its_video(corpus: Path, tmp_path: Path) -> None:
    """gpmf/karma.mp4: libavformat says 13.013 s (its longest track); its 362 frames at 29.97 fps end at 12.079 s."""
    karma = corpus / "gpmf" / "karma.mp4"
    info = probe(karma)
    fp = fingerprint(karma)
    assert info.duration == pytest.approx(362 / 29.97, abs=1e-3) and info.frame_count == 362
    assert fp.duration == pytest.approx(info.duration, abs=1e-6)
    m = compare(karma, karma, findings=False, pictures=False)
    assert m.a.duration == pytest.approx(info.duration, abs=1e-6)
