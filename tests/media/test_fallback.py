"""The fallback reader (MediaInfo, media/fallback.py): headers libavformat refuses or does not expose, on files
cut the way downloads and copies are cut (benchmarks/bench_fallback.py measures it against PyAV and hachoir)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.make_fixtures import ffmpeg
from vidverify.evidence import codes
from vidverify.evidence.timeline import file_findings
from vidverify.media import fallback
from vidverify.media.probe import probe

pytestmark = pytest.mark.skipif(not fallback.available(), reason="pymediainfo (libmediainfo) not available")
CREATED = ("-metadata", "creation_time=2021-05-06T07:08:09Z")


def _make(path: Path, *args: str) -> Path:
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "4", *args, *CREATED, str(path))
    return path


def test_dv_recording_date_is_read(tmp_path: Path) -> None:
    dv = _make(tmp_path / "a.dv", "-c:v", "dvvideo", "-s", "720x576", "-pix_fmt", "yuv420p", "-f", "dv")
    info = probe(dv)
    assert {t.field: t.value for t in info.timestamps}["MediaInfo General recorded_date"] == "2021-05-06T07:08:09"
    assert info.fps == 25.0 and info.frame_count == 100


def test_a_header_only_asf_stub_is_read_from_its_headers(tmp_path: Path) -> None:
    whole = _make(tmp_path / "a.wmv", "-c:v", "wmv2", "-f", "asf")
    stub = tmp_path / "stub.wmv"
    stub.write_bytes(whole.read_bytes()[:8192])
    info = probe(stub)
    assert info.kind == "video" and (info.width, info.height) == (320, 240)
    assert info.truncated and info.declared_duration == pytest.approx(4.0, abs=0.1)
    assert any(t.value.startswith("2021-05-06T07:08:09") for t in info.timestamps)
    assert any(f.code == codes.TRUNCATED for f in file_findings(info))


def test_a_cut_matroska_file_reports_the_header_duration(tmp_path: Path) -> None:
    whole = _make(tmp_path / "a.mkv", "-c:v", "libx264", "-preset", "ultrafast")
    assert not probe(whole).truncated
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 3 // 10])
    info = probe(cut)
    assert info.truncated and info.declared_duration == pytest.approx(4.0, abs=0.1)
    assert info.duration is not None and info.duration < 3.0  # what is present


def test_what_no_reader_understands_stays_unknown(tmp_path: Path) -> None:
    junk = tmp_path / "noise.wmv"
    junk.write_bytes(bytes(range(256)) * 64)
    info = probe(junk, strict=False)
    assert info.kind == "unknown" and info.errors


def test_a_playlist_is_never_followed_and_a_stuck_reader_is_stopped(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """MediaInfo followed an HLS playlist to a FIFO segment and blocked forever (tests/robustness/test_hostile)."""
    import os
    import time

    os.mkfifo(tmp_path / "segment.ts")
    playlist = tmp_path / "list.m3u8"
    playlist.write_bytes(b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nsegment.ts\n#EXT-X-ENDLIST\n")
    started = time.monotonic()
    assert fallback.tracks(str(playlist)) == []
    assert time.monotonic() - started < 5
    # a reader that blocks for whatever reason is stopped at its deadline
    monkeypatch.setattr(fallback, "_HELPER", "import time\ntime.sleep(60)\n")
    monkeypatch.setattr(fallback, "TIMEOUT_S", 1.0)
    started = time.monotonic()
    stub = tmp_path / "any.mp4"
    stub.write_bytes(b"\0" * 64)
    assert fallback.tracks(str(stub)) == []
    assert time.monotonic() - started < 5
