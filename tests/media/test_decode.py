"""Frames come out with their true presentation times, the same whichever way the file is split."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures import make_fixtures
from vidverify.errors import (
    CorruptMediaError,
    EmptyFileError,
    NotAFileError,
    NotFoundError,
    UnsupportedFormatError,
)
from vidverify.media import decode
from vidverify.signals.fingerprint import FrameBatch


def frames_of(path: Path, **kw: object) -> tuple[np.ndarray, np.ndarray]:
    batches = list(decode.iter_frames(path, **kw))  # type: ignore[arg-type]
    return np.concatenate([b.times for b in batches]), np.concatenate([b.frames for b in batches])


def test_constant_rate_times(media: dict[str, Path]) -> None:
    t, f = frames_of(media["clip"])
    assert len(t) == 60
    assert f.shape == (60, 32, 32) and f.dtype == np.uint8
    assert np.allclose(t, np.arange(60) / 30, atol=1e-6)


def test_variable_frame_rate_times(media: dict[str, Path]) -> None:
    t, _ = frames_of(media["vfr"])
    expected = np.array([n + (15 if n >= 10 else 0) for n in range(20)]) / 30
    assert np.allclose(t, expected, atol=1e-6)


def test_edit_list_delay_is_kept(media: dict[str, Path]) -> None:
    t, _ = frames_of(media["delayed"])
    assert len(t) == 30
    assert t[0] == pytest.approx(1.5, abs=1e-3)
    assert np.allclose(np.diff(t), 1 / 30, atol=1e-6)


def test_split_decode_equals_single_process(tmp_path: Path) -> None:
    path = make_fixtures.clip(tmp_path / "long.mp4", seconds=12, size="160x120", gop=20)
    layout = decode.read_layout(path)
    assert len(decode._plan_segments(layout, 2)) == 2
    assert len(decode._plan_segments(layout, 3)) == 3
    t1, f1 = frames_of(path, jobs=1)
    for jobs in (2, 3):
        t2, f2 = frames_of(path, jobs=jobs)
        assert np.array_equal(t1, t2)
        assert np.array_equal(f1, f2)
    assert len(t1) == 360


def test_mpegts_is_not_split_and_a_seek_that_overshoots_is_redone(tmp_path: Path) -> None:
    """MPEG-TS has no index: ffmpeg seeks by bisecting bytes and lands a keyframe or more late. Such a file is
    decoded in one piece; and should a split be tried anyway, the overshooting seek is seen and the file decoded
    again in one piece, so no frame is ever lost."""
    from dataclasses import replace

    path = make_fixtures.clip(tmp_path / "clip.ts", seconds=20, size="160x120", rate=25, gop=50,
                              extra_out=("-bf", "3", "-f", "mpegts"))
    layout = decode.read_layout(path)
    assert layout.start_time > 1.0 and not layout.indexed
    assert decode._plan_segments(layout, 2) == [(None, None)]
    t1, f1 = frames_of(path, jobs=1)
    assert len(t1) == 500
    forced = replace(layout, indexed=True)
    assert len(decode._plan_segments(forced, 4)) == 4
    t2, f2 = frames_of(path, jobs=2, layout=forced)
    assert np.array_equal(t1, t2) and np.array_equal(f1, f2)


def test_split_with_b_frames_and_open_gop(tmp_path: Path) -> None:
    path = make_fixtures.clip(tmp_path / "bframes.mp4", seconds=10, size="160x120", gop=25,
                              extra_out=("-preset", "medium", "-bf", "3", "-x264-params", "open-gop=1"))
    t1, f1 = frames_of(path, jobs=1)
    t2, f2 = frames_of(path, jobs=2)
    assert np.array_equal(t1, t2) and np.array_equal(f1, f2)
    assert np.all(np.diff(t1) > 0)


def test_no_split_when_keyframes_are_unbalanced(tmp_path: Path) -> None:
    path = make_fixtures.clip(tmp_path / "onegop.mp4", seconds=10, size="160x120", gop=1000,
                              extra_out=("-sc_threshold", "0"))
    assert decode._plan_segments(decode.read_layout(path), 2) == [(None, None)]


def test_keyframe_mode_returns_keyframes_only(media: dict[str, Path]) -> None:
    t, _ = frames_of(media["clip"], keyframes=True)
    assert np.allclose(t, np.arange(0, 60, 15) / 30, atol=1e-6)


def test_fast_mode_drifts_little(media: dict[str, Path]) -> None:
    _, fast = frames_of(media["clip"], fast=True)
    _, full = frames_of(media["clip"], fast=False)
    assert np.abs(fast.astype(int) - full.astype(int)).mean() < 2.0


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make, error", [
    (lambda d: d / "missing.mp4", NotFoundError),
    (lambda d: d, NotAFileError),
    (lambda d: _write(d / "empty.mp4", b""), EmptyFileError),
    (lambda d: _write(d / "text.mp4", b"hello, not a video\n" * 20), UnsupportedFormatError),
    (lambda d: _write(d / "noise.mp4", bytes(range(256)) * 64), (UnsupportedFormatError, CorruptMediaError)),
])
def test_unreadable_inputs_raise_input_errors(tmp_path: Path, make, error) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error):
        list(decode.iter_frames(make(tmp_path)))


@pytest.mark.corpus
def test_corpus_counter_times(corpus: Path) -> None:
    t, _ = frames_of(corpus / "pyscenedetect" / "counter.mp4")
    assert len(t) == 30
    assert np.allclose(t, np.arange(30) / 10, atol=1e-6)


@pytest.mark.corpus
def test_corpus_delayed_start(corpus: Path) -> None:
    t, _ = frames_of(corpus / "pyscenedetect" / "delayed_start.mp4")
    assert len(t) == 24
    assert t[0] == pytest.approx(1.075, abs=1e-6)


@pytest.mark.corpus
def test_corpus_delayed_start_is_a_copy_of_fades(corpus: Path) -> None:
    _, fades = frames_of(corpus / "pyscenedetect" / "fades.mp4")
    _, delayed = frames_of(corpus / "pyscenedetect" / "delayed_start.mp4")
    assert np.array_equal(fades[:24], delayed)


@pytest.mark.parametrize("size", [(1, 1), (2, 1), (1, 2), (3, 5), (5, 3), (99, 124), (100, 124), (160, 90),
                                  (90, 160), (201, 120), (64, 64)])
def test_ffmpeg_crop_expression_is_crop_in_frame(size: tuple[int, int]) -> None:
    """The decoders crop with expressions of the frame size ffmpeg sees (so that they can start before the
    display size is known); the box must be the one the fingerprint records (crop_in_frame)."""
    import subprocess

    from vidverify.media.ffmpeg import ffmpeg_exe

    w, h = size
    want = decode.crop_in_frame(w, h)
    crop = ":".join(f"{k}={v.replace(',', chr(92) + ',')}" for k, v in decode.CROP_EXPR.items())
    got = {}
    for axis in ("X", "Y"):  # each pixel's value is its column (then its row) in the uncropped frame
        out = subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"color=c=black:s={w}x{h}:d=0.04",
             "-vf", f"format=gray,geq=lum='{axis}',crop={crop}", "-frames:v", "1", "-c:v", "pgm",
             "-f", "image2pipe", "-"], capture_output=True, check=True).stdout
        header = out.split(b"\n", 3)
        cw, ch = (int(v) for v in header[1].split())
        pixels = np.frombuffer(header[3], np.uint8).reshape(ch, cw)
        got[axis] = (cw, ch, int(pixels[0, 0]))
    assert got["X"][:2] == (want.w, want.h)
    assert (got["X"][2], got["Y"][2]) == (want.x, want.y)


def test_segments_are_cut_where_the_work_is_halved(tmp_path: Path) -> None:
    """A file whose first half carries most of the bytes (noise, then a still grey picture) is cut before its
    middle, so that the two decoders finish together; the frames are the same as in one piece."""
    path = tmp_path / "busy-then-still.mp4"
    make_fixtures.ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:d=6,noise=alls=60:allf=t",
        "-f", "lavfi", "-i", "color=c=gray:size=320x240:rate=30:d=6",
        "-filter_complex", "[0][1]concat=n=2:v=1", "-c:v", "libx264", "-preset", "ultrafast", "-g", "15",
        "-pix_fmt", "yuv420p", str(path))
    layout = decode.read_layout(path)
    (_, cut), _ = decode._plan_segments(layout, 2)
    assert cut is not None and cut < 4.5
    (_, by_time), _ = decode._plan_segments(layout, 2, by_work=False)
    assert by_time == pytest.approx(6.0, abs=0.6)
    t1, f1 = frames_of(path, jobs=1)
    t2, f2 = frames_of(path, jobs=2)
    assert np.array_equal(t1, t2) and np.array_equal(f1, f2) and len(t1) == 360


def test_an_index_of_keyframes_only_tells_no_work() -> None:
    """Matroska cues list keyframes without sizes: the segments are then cut by time."""
    from types import SimpleNamespace

    cues = [SimpleNamespace(timestamp=t * 1000, size=0, is_keyframe=True) for t in range(10)]
    assert decode._keyframe_work(cues, 0.001) == ([float(t) for t in range(10)], [])
    mixed = [SimpleNamespace(timestamp=t * 1000, size=100 * (1 + t % 3), is_keyframe=t % 5 == 0) for t in range(10)]
    times, work = decode._keyframe_work(mixed, 0.001)
    assert times == [0.0, 5.0] and work[0] == 0.0 and 0.4 < work[1] < 0.6


def test_a_failing_segment_stops_the_others(tmp_path: Path) -> None:
    """An error in one decoder's batches ends the file at once: the other decoder does not run to its end."""
    path = make_fixtures.clip(tmp_path / "long.mp4", seconds=40, size="160x120", gop=30)
    layout = decode.read_layout(path)
    (_, cut), _ = decode._plan_segments(layout, 2)
    seen: list[float] = []
    failed = threading.Event()

    def transform(batch: FrameBatch) -> None:
        seen.append(float(batch.times[0]))
        if batch.times[0] >= cut:
            failed.set()
            raise ValueError("bad batch")
        assert failed.wait(timeout=30)  # the first half goes on only once the second has failed

    with pytest.raises(ValueError, match="bad batch"):
        decode.map_batches(path, transform, jobs=2, layout=layout)
    assert sum(1 for t in seen if t < cut) < 600 // decode.BATCH_FRAMES  # the first half was stopped early


def test_footage_coded_in_rgb_or_a_palette_is_hashed_as_video(tmp_path: Path) -> None:
    # an animated GIF (re-posts travel as GIFs) and a PNG-coded MOV have no luma plane: both were refused as
    # "damaged, no frame could be decoded"; a GIF was also called a one-frame image
    from vidverify.media.probe import probe
    from vidverify.pipeline.comparison import compare

    src = make_fixtures.clip(tmp_path / "src.mp4", seconds=3.0, size="320x180", rate=10)
    gif, png = tmp_path / "anim.gif", tmp_path / "png.mov"
    make_fixtures.ffmpeg("-i", str(src), "-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse", str(gif))
    make_fixtures.ffmpeg("-i", str(src), "-c:v", "png", str(png))
    make_fixtures.ffmpeg("-i", str(src), "-frames:v", "1", str(tmp_path / "still.gif"))
    info = probe(gif)
    assert info.kind == "video" and info.frame_count == 30 and abs((info.duration or 0) - 3.0) < 0.05
    assert probe(tmp_path / "still.gif").kind == "image"  # a GIF of one picture stays a still
    for copy in (gif, png):
        m = compare(src, copy, pictures=False)
        assert m.verdict == "same-footage", (copy.name, m.verdict)
        assert m.coverage["a"] > 0.95 and m.coverage["b"] > 0.95


def test_a_gif_cut_short_is_truncated_and_a_whole_one_has_its_rate(tmp_path: Path) -> None:
    # a GIF declares no length: a cut download was a short clip like any other, and its rate was libavformat's
    # guess from the first delay (6.25 fps for a 6 fps GIF)
    from vidverify.media.probe import probe

    src = make_fixtures.clip(tmp_path / "src.mp4", seconds=4.0, size="160x120", rate=24)
    gif = tmp_path / "anim.gif"
    make_fixtures.ffmpeg("-i", str(src), "-vf", "fps=6", str(gif))
    whole = probe(gif)
    assert whole.kind == "video" and whole.fps == 6.0 and not whole.truncated and whole.frame_count == 24
    cut = tmp_path / "cut.gif"
    cut.write_bytes(gif.read_bytes()[: gif.stat().st_size // 2])
    info = probe(cut)
    assert info.kind == "video" and info.truncated and 0 < (info.frame_count or 0) < 24
    assert info.declared_duration is None  # how much is missing is not known
    assert any(e.startswith("truncated: the file ends before its container does") for e in info.errors)
    from vidverify.evidence.timeline import file_findings

    (finding,) = [f for f in file_findings(info) if f.code == "truncated"]
    assert "how much is missing is not known" in finding.message and "declares" not in finding.message


def test_a_gifs_end_is_found_by_walking_its_blocks(tmp_path: Path) -> None:
    """The trailer was looked for in the file's last bytes: a GIF with other bytes appended after its trailer
    was called truncated, and a GIF cut just after a 0x3B byte of its image data was not. Its blocks are walked."""
    from vidverify.media.probe import probe

    src = make_fixtures.clip(tmp_path / "src.mp4", seconds=2.0, size="160x120", rate=12)
    gif = tmp_path / "anim.gif"
    make_fixtures.ffmpeg("-i", str(src), str(gif))
    data = gif.read_bytes()
    appended = tmp_path / "appended.gif"
    appended.write_bytes(data + b"a comment someone appended\n")
    assert not probe(appended).truncated
    # cut right after a 0x3B byte inside the image data (well before the trailer)
    at = data.index(b"\x3b", len(data) // 3) + 1
    assert at < len(data) - 1
    cut = tmp_path / "cut.gif"
    cut.write_bytes(data[:at])
    info = probe(cut)
    assert info.kind == "video" and info.truncated


def test_a_gif_of_too_many_tiny_blocks_is_not_walked_to_its_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk is bounded (GIF_MAX_BLOCKS): a crafted GIF of millions of one-byte sub-blocks took seconds per
    10 MB (found in review); past the bound it is not called short, since that is not known."""
    import io

    from vidverify.media import collector

    image = b"GIF89a" + bytes([1, 0, 1, 0, 0, 0, 0]) + b"\x2c" + bytes(9) + b"\x02" + b"\x01\x00" * 50
    assert collector._gif_ends_early(io.BytesIO(image))  # no trailer: short
    assert not collector._gif_ends_early(io.BytesIO(image + b"\x00\x3b"))
    monkeypatch.setattr(collector, "GIF_MAX_BLOCKS", 20)
    assert not collector._gif_ends_early(io.BytesIO(image))  # too long to walk: not known to be short


def test_a_low_rate_gif_cut_from_a_clip_is_placed_inside_its_own_timeline(tmp_path: Path) -> None:
    # a 6 fps GIF's frames were taken for keyframes, and its match grown by half a "GOP" past both its ends
    # (B from -0.085 s); its last frame, on screen for 1/6 s, stood for 1/24 s of A
    from vidverify.pipeline.comparison import compare

    src = make_fixtures.clip(tmp_path / "src.mp4", seconds=8.0, size="160x120", rate=24)
    gif = tmp_path / "part.gif"
    make_fixtures.ffmpeg("-ss", "2", "-t", "4", "-i", str(src), "-vf", "fps=6", str(gif))
    m = compare(src, gif, pictures=False)
    assert m.verdict == "same-footage"
    (seg,) = m.segments
    assert seg.b_start >= 0 and seg.b_end <= 4.0 + 1e-6
    assert abs(seg.a_start - 2.0) <= 0.2 and abs(seg.a_end - 6.0) <= 0.2
    assert abs((seg.a_end - seg.a_start) - (seg.b_end - seg.b_start)) <= 0.1  # both sides span the same footage
    (rate,) = [e for e in m.edits if e.type == "frame-rate"]
    assert rate.detail["b_fps"] == 6.0


def test_batches_hold_exactly_batch_frames_whatever_a_read_brings(tmp_path: Path) -> None:
    """A read that brings one frame beyond a batch (the buffer holds BATCH_FRAMES + 1) handed on a batch of 129
    frames: the batches' bounds, within which per-stretch bars and canvas regions are found, moved from run to
    run with the pipe's timing (one re-post's regions, and its matched stretches, changed between benchmark
    runs). Here the frames come from a file, so every read fills the buffer."""
    n = decode.BATCH_FRAMES + 1 + 40
    frame_bytes = decode.DETAIL_SIZE * (decode.DETAIL_SIZE + decode.FRAME_SIZE)
    layout = decode.StreamLayout("mp4", 0.0, n / 30, (0.0,), 30.0, 64, 64)
    seg = decode._Segment("x.mp4", layout, None, None, keyframes=False, fast=False, threads=None, on_frames=None,
                          transform=lambda batch: len(batch.times))
    raw = tmp_path / "frames.raw"
    raw.write_bytes(np.random.default_rng(0).integers(0, 255, n * frame_bytes, dtype=np.uint8).tobytes())
    stats = io.BytesIO(b"".join(b"%d 1/30\n" % k for k in range(n)))
    with raw.open("rb", buffering=0) as inp:
        seg._read(inp, stats, frame_bytes)
    assert seg.results == [decode.BATCH_FRAMES, n - decode.BATCH_FRAMES]


def test_a_whole_gif_with_padding_after_its_trailer_is_not_truncated(tmp_path: Path) -> None:
    # the trailer was looked for in the last byte only: zero padding after it made a whole GIF "truncated"
    from vidverify.media.probe import probe

    src = make_fixtures.clip(tmp_path / "src.mp4", seconds=2.0, size="160x120", rate=12)
    gif = tmp_path / "anim.gif"
    make_fixtures.ffmpeg("-i", str(src), str(gif))
    padded = tmp_path / "padded.gif"
    padded.write_bytes(gif.read_bytes() + bytes(64))
    info = probe(padded)
    assert info.kind == "video" and not info.truncated and info.frame_count == 24
