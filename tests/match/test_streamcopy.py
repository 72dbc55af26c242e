"""Stream copies: B's compressed packets are A's byte for byte. Found exactly, even on flat pictures; re-encodes and
shared black openings are not copies; packet digests survive every fingerprint storage format."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from vidverify.match import streamcopy
from vidverify.match.verdict import match_fingerprints
from vidverify.media.ffmpeg import run
from vidverify.media.fingerprint_file import load as load_fingerprint
from vidverify.media.fingerprint_file import save as save_fingerprint
from vidverify.media.packets import digest_packets
from vidverify.pipeline.comparison import compare
from vidverify.pipeline.ingest import fingerprint
from vidverify.signals.fingerprint import Fingerprint, pack, unpack
from vidverify.testing import synth


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("streamcopy")
    src = synth.make_scene(d / "src.mp4", seconds=6, size=(320, 180), seed=21, audio=False)
    fade = d / "fade.mp4"  # flat grey pictures fading in from black: no picture hash says anything
    proc = run(["-y", "-v", "error", "-f", "lavfi", "-i", "color=c=0xa0a0a0:s=320x180:r=25:d=3,fade=in:0:60",
                "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-pix_fmt", "yuv420p", str(fade)])
    assert proc.returncode == 0, proc.stderr
    return {
        "src": src,
        "copy": synth.stream_copy(src, d / "copy.mkv", 2.0, 2.5),  # remuxed into another container too
        "reencode": synth.reencode(src, d / "reencode.mp4", crf=23),
        "fade": fade,
        "fade_copy": synth.stream_copy(fade, d / "fade_copy.mp4", 0.0, 1.0),
    }


def _copies(m: object) -> list:
    return [s for s in m.segments if s.channel == streamcopy.CHANNEL]  # type: ignore[attr-defined]


def test_digests_are_the_packets_of_the_file(clips: dict[str, Path]) -> None:
    fp = fingerprint(clips["src"])
    pk = digest_packets(clips["src"])
    assert len(fp.packet_digests) == len(fp) == len(pk.digests)  # one packet per frame, no B-frame loss
    assert np.allclose(fp.packet_times, fp.times)  # packet and frame times share the timeline
    assert len(np.unique(fp.packet_digests)) > 0.9 * len(fp)
    assert fp.codec_digest and len(fp.codec_digest) == 16


def test_stream_copy_is_found_exactly(clips: dict[str, Path]) -> None:
    fa, fb = fingerprint(clips["src"]), fingerprint(clips["copy"])
    assert np.isin(fb.packet_digests, fa.packet_digests).all()
    m = compare(clips["src"], clips["copy"], pictures=False, findings=False)
    assert m.verdict == "same-footage"
    (seg,) = _copies(m)
    assert seg.frames == len(fb) and seg.speed == 1.0 and seg.distance == 0.0
    # B's first packet is A's keyframe at or before 2.0 s; B keeps A's spacing from there
    first = int(np.flatnonzero(fa.packet_digests == fb.packet_digests[0])[0])
    assert seg.a_start == pytest.approx(fa.packet_times[first], abs=1e-3)
    assert seg.a_start <= 2.0 + 1e-3
    assert seg.b_start == pytest.approx(fb.times[0], abs=1e-3)
    assert seg.b_end - seg.b_start == pytest.approx(seg.a_end - seg.a_start, abs=1e-3)
    types = {e.type for e in m.edits}
    assert "trim" in types
    assert "reencode" not in types  # the frames were copied, not re-encoded
    assert len(m.segments) == 1  # the picture match over the same frames is replaced, not repeated


def test_reencode_is_not_a_stream_copy(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["reencode"], pictures=False, findings=False)
    assert m.verdict == "same-footage"
    assert not _copies(m)
    assert "reencode" in {e.type for e in m.edits}


def test_copy_of_flat_pictures_is_found_by_its_packets_alone(clips: dict[str, Path]) -> None:
    fa, fb = fingerprint(clips["fade"]), fingerprint(clips["fade_copy"])
    assert float(fb.luma_std.max()) < 3.0  # every picture is flat: the hashes cannot match anything
    m = match_fingerprints(fa, fb)
    assert m.verdict == "same-footage" and m.coverage["b"] == 1.0
    (seg,) = _copies(m)
    assert seg.a_start == pytest.approx(0.0, abs=1e-3)
    last = int(np.flatnonzero(fa.packet_digests == fb.packet_digests[-1])[0])  # a copy may drop trailing B-frames
    assert seg.a_end == pytest.approx(fa.packet_times[last] + 1 / 25, abs=1e-3)
    assert seg.frames == len(fb)
    assert {e.type for e in m.edits} == {"trim"}
    no_packets = replace(fb, packet_times=np.zeros(0), packet_digests=np.zeros(0, np.uint64))
    assert match_fingerprints(fa, no_packets).verdict == "unrelated"


def _fake(digests: list[int], fps: float = 25.0, codec: str | None = "c0dec") -> Fingerprint:
    n = len(digests)
    z = np.zeros(n, np.uint64)
    t = np.arange(n) / fps
    return Fingerprint(path="x", sha256=None, size=None, mode="dense", times=t, hashes=z, mirrored=z,
                       crop_hashes=z, crop_mirrored=z, rot90=z, rot180=z, rot270=z,
                       luma_mean=np.full(n, 16, np.float32), luma_std=np.zeros(n, np.float32),
                       packet_times=t.copy(), packet_digests=np.array(digests, np.uint64), codec_digest=codec)


def test_repeated_packets_anchor_nothing() -> None:
    """Two encodes by the same encoder share identical black frames: not a copy (too few unique anchors)."""
    black_idr, black_skip = 7, 8
    a = _fake([black_idr] + [black_skip] * 24 + list(range(100, 150)))
    b = _fake([black_idr] + [black_skip] * 24 + list(range(200, 250)))
    assert streamcopy.segments(a, b) == []
    # ... while a copy that also holds three distinct packets is one, repeated packets included
    c = _fake([black_idr] + [black_skip] * 24 + list(range(100, 103)))
    (seg,) = streamcopy.segments(a, c)
    assert seg.frames == 28 and seg.a_start == 0.0 and seg.b_start == 0.0


def test_runs_give_cuts_and_need_the_same_codec_configuration() -> None:
    a = _fake(list(range(1000, 1100)))
    b = _fake(list(range(1000, 1030)) + list(range(1060, 1100)))  # frames 30..59 removed
    segs = streamcopy.segments(a, b)
    assert [(s.a_start, s.b_start, s.frames) for s in segs] == [(0.0, 0.0, 30), (2.4, 1.2, 40)]
    m = match_fingerprints(a, b)
    assert {e.type for e in m.edits} == {"cut"}
    assert streamcopy.segments(a, replace(b, codec_digest="other")) == []


def test_retimed_copy_reports_its_speed() -> None:
    a = _fake(list(range(500, 560)), fps=30.0)
    b = _fake(list(range(500, 560)), fps=25.0)  # the same packets played at 25 fps: a slow-down
    (seg,) = streamcopy.segments(a, b)
    assert seg.speed == pytest.approx(30 / 25, abs=1e-3)


def test_packets_survive_every_storage_format(clips: dict[str, Path], tmp_path: Path) -> None:
    fp = fingerprint(clips["copy"])
    assert len(fp.packet_digests) > 0
    save_fingerprint(fp, tmp_path / "c.vvfp")
    for back in (load_fingerprint(tmp_path / "c.vvfp"), Fingerprint.from_dict(fp.to_dict()),
                 unpack(pack(fp))):
        assert back == fp
        assert np.array_equal(back.packet_digests, fp.packet_digests)
        assert back.codec_digest == fp.codec_digest


def test_version_2_file_loads_without_packets(clips: dict[str, Path], tmp_path: Path) -> None:
    import json
    import zipfile

    fp = fingerprint(clips["copy"])
    save_fingerprint(fp, tmp_path / "v3.vvfp")
    with zipfile.ZipFile(tmp_path / "v3.vvfp") as z, zipfile.ZipFile(tmp_path / "v2.vvfp", "w") as out:
        for name in z.namelist():
            if name.startswith("packet_"):
                continue
            data = z.read(name)
            if name == "meta.npy":
                meta = json.loads(str(np.load(z.open(name))))
                meta["format_version"] = 2
                for key in ("packet_count", "codec_digest"):
                    meta.pop(key)
                import io

                buf = io.BytesIO()
                np.save(buf, np.array(json.dumps(meta)))
                data = buf.getvalue()
            out.writestr(name, data)
    old = load_fingerprint(tmp_path / "v2.vvfp")
    assert len(old) == len(fp) and len(old.packet_digests) == 0 and old.codec_digest is None
    assert streamcopy.segments(fp, old) == []


def test_shared_pairs_finds_copies_among_many_files() -> None:
    files = [_fake(list(range(k * 1000, k * 1000 + 50))) for k in range(20)]
    files.append(_fake(list(range(7000, 7010))))  # a copy of part of file 7
    files.append(_fake([5] * 30 + [3] * 3))  # repeated packets only: shares nothing that anchors
    files.append(_fake([5] * 30 + [3] * 3))
    assert streamcopy.shared_pairs(files) == {(7, 20)}
    popular = [_fake([1, 2, 3] + list(range((k + 1) * 1000, (k + 1) * 1000 + 5))) for k in range(10)]
    assert streamcopy.shared_pairs(popular, max_sharing=5) == set()  # a digest in every file pairs none
    assert len(streamcopy.shared_pairs(popular)) == 45


def test_scan_groups_a_copy_of_flat_pictures(clips: dict[str, Path], tmp_path: Path) -> None:
    import importlib

    scan_mod = importlib.import_module("vidverify.pipeline.scanning")
    folder = tmp_path / "uploads"
    folder.mkdir()
    for name in ("src", "copy", "fade", "fade_copy"):
        (folder / clips[name].name).symlink_to(clips[name])
    result = scan_mod.scan([folder], options=scan_mod.ScanOptions(jobs=1, pictures=False))
    groups = sorted(sorted(Path(m).name for m in g.members) for g in result.groups)
    assert groups == [["copy.mkv", "src.mp4"], ["fade.mp4", "fade_copy.mp4"]]


def test_times_start_at_the_first_displayed_frame(clips: dict[str, Path], tmp_path: Path) -> None:
    """docs/contract.md: 0.0 is the first displayed frame, also when an edit list delays it (time_origin keeps it)."""
    delayed = tmp_path / "delayed.mp4"
    proc = run(["-y", "-v", "error", "-itsoffset", "1.5", "-i", str(clips["fade_copy"]), "-c", "copy", str(delayed)])
    assert proc.returncode == 0, proc.stderr
    from vidverify.media.decode import iter_frames

    raw_first = next(iter(iter_frames(delayed))).times[0]
    assert raw_first == pytest.approx(1.5, abs=0.05)  # the container does delay the first frame
    fp = fingerprint(delayed)
    assert fp.times[0] == 0.0 and fp.packet_times[0] == pytest.approx(0.0, abs=1e-6)
    assert fp.time_origin == pytest.approx(raw_first, abs=1e-6)
    m = match_fingerprints(fingerprint(clips["fade"]), fp)
    (seg,) = _copies(m)
    assert seg.b_start == 0.0 and seg.a_start == pytest.approx(0.0, abs=1e-3)
    from vidverify.media.stills import grab_frames

    (img,) = grab_frames(delayed, [0.0], origin=fp.time_origin)
    assert img is not None  # seeking with time_origin finds the first frame


def test_a_broken_chain_gives_one_segment_per_stretch() -> None:
    """A copy of an intra-only stream (every packet an anchor) with 20 frames removed is two stretches and a cut,
    not pieces each followed across the whole copy."""
    a = _fake(list(range(3000, 3200)))
    b = _fake(list(range(3000, 3100)) + list(range(3120, 3200)))
    segs = streamcopy.segments(a, b)
    assert [(s.a_start, s.b_start, s.frames, s.speed) for s in segs] == [(0.0, 0.0, 100, 1.0), (4.8, 4.0, 80, 1.0)]
    assert {e.type for e in match_fingerprints(a, b).edits} == {"cut"}
    jump = _fake(list(range(3000, 3200)))  # B's clock jumps 5 s at packet 100: two stretches again
    times = np.array(jump.packet_times)
    times[100:] += 5.0
    segs = streamcopy.segments(a, replace(jump, packet_times=times, times=times.copy()))
    assert [(s.b_start, s.frames, s.speed) for s in segs] == [(0.0, 100, 1.0), (9.0, 100, 1.0)]


def test_duplicate_timestamps_stay_cheap() -> None:
    """Hostile timestamps (every fourth packet repeats the time before it) must not make the search quadratic."""
    import time

    n = 40_000
    t = np.arange(n) / 25.0
    t[3::4] = t[2::4]
    a = replace(_fake(list(range(10**6, 10**6 + n))), packet_times=t, times=t.copy())
    start = time.perf_counter()
    streamcopy.segments(a, a)
    assert time.perf_counter() - start < 5.0


def test_keyframe_fingerprint_has_the_dense_timeline(clips: dict[str, Path], tmp_path: Path) -> None:
    """A copy trimmed in the middle of a GOP shows its first frame before its first keyframe: both modes put
    0.0 on that first displayed frame (found by review: keyframe mode put it on the first keyframe)."""
    src = tmp_path / "gop50.mp4"
    proc = run(["-y", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "8",
                "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p", str(src)])
    assert proc.returncode == 0, proc.stderr
    cut = tmp_path / "midgop.mp4"
    proc = run(["-y", "-v", "error", "-ss", "1.3", "-i", str(src), "-t", "5", "-c", "copy", str(cut)])
    assert proc.returncode == 0, proc.stderr
    dense, keys = fingerprint(cut), fingerprint(cut, keyframes=True)
    assert dense.times[0] == 0.0 and len(keys) < len(dense)
    assert keys.time_origin == pytest.approx(dense.time_origin, abs=1e-6)
    assert keys.times[0] > 0.1  # the first keyframe is shown after the first frame
    assert all(np.min(np.abs(dense.times - t)) < 1e-6 for t in keys.times)  # the same timeline
