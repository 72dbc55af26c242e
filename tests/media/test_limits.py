"""What a file can make the readers allocate is capped (issue 17): streams, pixels per decoded frame, time fields,
sample tables declaring billions of entries; each cap pinned on a small generated file that declares the huge thing.
benchmarks/bench_memory.py measures the whole process tree on the full hostile set."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures import bombs, hostile
from tests.fixtures.make_fixtures import clip, ffmpeg
from vidverify import errors
from vidverify.media import decode
from vidverify.media import ffmpeg as ff
from vidverify.media.collector import MAX_TIMESTAMPS, _Collector
from vidverify.media.probe import probe


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> hostile.Sources:
    return hostile.make_sources(tmp_path_factory.mktemp("bomb-src"))


def _tracks(data: bytes, n: int) -> bytes:
    t_off, t_size = hostile.find_box(data, [b"moov", b"trak"])[-1]
    return hostile.insert_into(data, hostile.find_box(data, [b"moov"]), data[t_off:t_off + t_size] * (n - 1))


def test_more_streams_than_the_cap_is_a_clear_error(sources: hostile.Sources, tmp_path: Path) -> None:
    many = tmp_path / "tracks-1000.mp4"
    many.write_bytes(_tracks(sources.mp4, 1000))
    info = probe(many, strict=False)
    assert info.kind == "unknown"
    assert f"more than {ff.MAX_STREAMS} streams" in info.errors[0]
    with pytest.raises(errors.VidverifyError, match=f"more than {ff.MAX_STREAMS} streams"):
        decode.read_layout(many)
    few = tmp_path / "tracks-8.mp4"  # below the cap: read as before
    few.write_bytes(_tracks(sources.mp4, 8))
    assert probe(few).kind == "video"


def test_frames_over_the_pixel_cap_are_not_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = clip(tmp_path / "v.mp4", seconds=0.5, size="320x240")
    assert decode.read_layout(video).width == 320
    monkeypatch.setenv(ff.MAX_PIXELS_ENV, str(320 * 240 - 1))
    with pytest.raises(errors.UnsupportedFormatError, match="320x240 exceed the limit of 76799 pixels"):
        decode.read_layout(video)
    argv = decode._argv("file:/x.mp4", keyframes=False, fast=True, threads=None, seek=None, stats_fd=3, area=None)
    assert argv[argv.index("-max_pixels") + 1] == "76799"
    assert argv[argv.index("-max_streams") + 1] == str(ff.MAX_STREAMS)
    # ffmpeg itself refuses such frames (the cap reaches the decoder in the subprocess, not only our check)
    run = subprocess.run([ff.ffmpeg_exe(), "-v", "error", "-max_pixels", "76799", "-i", str(video), "-f", "null",
                          "-"], capture_output=True, text=True, check=False)
    assert "invalid" in run.stderr.lower() or run.returncode != 0


def test_pixel_cap_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ff.MAX_PIXELS_ENV, "nonsense")
    assert ff.max_pixels() == ff.DEFAULT_MAX_PIXELS
    monkeypatch.setenv(ff.MAX_PIXELS_ENV, "1000")
    assert ff.max_pixels() == 1000 and ff.av_open_options()["max_pixels"] == "1000"


def test_a_still_larger_than_the_cap_is_not_decoded_while_probing(tmp_path: Path) -> None:
    """A 16384x16000 PNG (the largest libavcodec accepts) was decoded whole by probe (786 MB); a PNG header
    declaring it is enough to show the cap reaches the decoder that probing opens."""
    png = tmp_path / "big.png"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=9000x8000:d=1", "-frames:v", "1", "-c:v", "png", str(png))
    # VmHWM: this process's own peak (ru_maxrss would carry over the forking test session's, kept across exec)
    code = ("import sys; from vidverify.media.probe import probe; i = probe(sys.argv[1], strict=False); "
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]; "
            "print(int(hwm) // 1024, i.kind)")
    out = subprocess.run([sys.executable, "-c", code, str(png)], capture_output=True, text=True, check=True)
    peak_mb, kind = out.stdout.split()
    assert kind == "image"
    info = probe(png, strict=False)
    assert (info.width, info.height) == (9000, 8000)  # from the header
    assert "over the limit of" in info.errors[0]
    assert int(peak_mb) < 200  # decoded it would be 9000*8000*3 = 216 MB on top of the interpreter


def test_sample_tables_declaring_billions_are_cheap(sources: hostile.Sources, tmp_path: Path) -> None:
    for name, data in bombs.declared(sources).items():
        path = tmp_path / name
        path.write_bytes(data)
        started = time.monotonic()
        info = probe(path, strict=False)
        assert info.path == str(path)
        try:
            decode.read_layout(path)
        except errors.VidverifyError:
            pass
        assert time.monotonic() - started < 10, name
    with open("/proc/self/status") as fh:  # KiB: no table was materialised (a 2^31-entry one is GBs)
        assert next(int(x.split()[1]) for x in fh if x.startswith("VmHWM")) < 1_500_000


def test_time_fields_per_file_are_capped() -> None:
    c = _Collector("x")
    for k in range(2 * MAX_TIMESTAMPS):
        c.time(f"trak{k}.tkhd.creation_time", f"2020-01-01T00:00:{k % 60:02d}Z")
        c.time(f"trak{k}.tkhd.creation_time", f"2020-01-01T00:00:{k % 60:02d}Z")  # duplicates are dropped
    assert len(c.timestamps) == MAX_TIMESTAMPS


def test_a_wait_that_runs_out_before_the_deadlines_watchdog_is_the_timeout_error() -> None:
    # under load, hash's own wait for its decoder (same deadline) could run out a moment before the watchdog
    # fired: subprocess's TimeoutExpired escaped as an internal error (exit 70) instead of the input error
    with pytest.raises(errors.InputError, match="did not finish within 30 s"):
        with ff.popen(["-f", "lavfi", "-i", "testsrc2=d=600", "-f", "null", "-"], timeout=30) as proc:
            proc.wait(timeout=0.01)
