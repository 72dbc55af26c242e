"""pipeline/ingest.py, the one way in: ``fingerprint`` (the right frames and times, versions recorded, bars found
while decoding, rotation), ``read_file`` (fingerprint and probe agree, the file read for its SHA-256 once, a bad
file's reason) and ``add_paths`` (``vidverify index add``: unchanged files skipped, changed ones read again,
``.vvfp`` files, workers)."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

import vidverify
from tests.fixtures import make_fixtures
from tests.fixtures.fingerprints import sha
from vidverify.media import decode, files
from vidverify.media.files import sha256_file
from vidverify.media.fingerprint_file import save as save_fingerprint
from vidverify.media.probe import probe
from vidverify.pipeline.index.search import Index
from vidverify.pipeline.ingest import add_paths, fingerprint, read_file
from vidverify.signals.hashing import hamming, phash_batch

# ------------------------------------------------------------------------------------------ fingerprint


def test_dense_fingerprint(media: dict[str, Path]) -> None:
    fp = vidverify.fingerprint(media["clip"])
    assert fp.mode == "dense" and len(fp) == 60
    assert fp.sha256 == sha256_file(media["clip"])
    assert fp.size == media["clip"].stat().st_size
    assert fp.hashes.dtype == np.uint64 and fp.mirrored.dtype == np.uint64
    assert fp.duration == pytest.approx(2.0, abs=0.05)
    for key in ("vidverify", "hash", "decoder", "decoder_options", "frame"):
        assert fp.versions[key]
    assert "skip_loop_filter" in fp.versions["decoder_options"]


def test_keyframe_fingerprint_is_a_subset(media: dict[str, Path]) -> None:
    dense = vidverify.fingerprint(media["clip"])
    keys = vidverify.fingerprint(media["clip"], keyframes=True)
    assert keys.mode == "keyframes" and len(keys) == 4
    idx = np.searchsorted(dense.times, keys.times)
    assert np.allclose(dense.times[idx], keys.times)
    assert hamming(dense.hashes[idx], keys.hashes).max() <= 2


def test_mirrored_video_matches_mirrored_hashes(tmp_path: Path, media: dict[str, Path]) -> None:
    flipped = make_fixtures.clip(tmp_path / "flip.mp4", extra_out=("-vf", "hflip"))
    a = vidverify.fingerprint(media["clip"])
    b = vidverify.fingerprint(flipped)
    straight = hamming(a.hashes, b.hashes)
    crossed = hamming(a.mirrored, b.hashes)
    assert np.median(crossed) <= 6
    assert np.median(straight) > np.median(crossed) + 10


def test_image_is_a_one_frame_video(media: dict[str, Path]) -> None:
    fp = vidverify.fingerprint(media["jpeg"])
    assert len(fp) == 1 and fp.times[0] == 0.0


def test_bars_found_while_decoding_restart_on_the_picture_inside(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The decoders start before the bars are known; a letterboxed file is decoded again on the picture inside:
    the first decoders are stopped, and progress counts each frame once."""
    kw = {"seconds": 30, "size": "160x120", "gop": 30}
    src = make_fixtures.clip(tmp_path / "src.mp4", **kw)  # type: ignore[arg-type]
    boxed = make_fixtures.clip(tmp_path / "boxed.mp4", extra_out=("-vf", "pad=240:120:40:0:black"),
                               **kw)  # type: ignore[arg-type]
    layout = decode.read_layout(boxed)  # bars looked for before decoding
    assert layout.active is not None
    assert len(decode._plan_segments(layout, 2)) == 2
    # Order the race: the bars are found only after a decoder of the whole picture has handed on a batch, and
    # those decoders hand on nothing more until they have been told to stop.
    delivered = threading.Event()
    deliver, detect = decode._Segment._deliver, decode.detect_bars
    whole_picture: list[int] = []

    def slow_detect(path: object, quick: decode.StreamLayout) -> decode.StreamLayout:
        assert delivered.wait(timeout=30)
        return detect(path, quick)  # type: ignore[arg-type]

    def noted_deliver(seg: decode._Segment, data: np.ndarray, times: np.ndarray, n: int) -> None:
        if seg.layout.active is None:
            if whole_picture:
                assert seg.cancel is not None and seg.cancel.wait(timeout=30)
            whole_picture.append(n)
        deliver(seg, data, times, n)
        delivered.set()

    monkeypatch.setattr(decode, "detect_bars", slow_detect)
    monkeypatch.setattr(decode._Segment, "_deliver", noted_deliver)
    counted: list[tuple[int, int | None]] = []
    fp_box = vidverify.fingerprint(boxed, jobs=2, progress=lambda done, total: counted.append((done, total)))
    assert fp_box.active_area == tuple(layout.active.to_list())
    # the total comes first, from the container; no frame is counted twice (the whole-picture frames were not)
    assert counted[0] == (0, 900) and counted[-1][0] == len(fp_box) == 900
    assert all(a[0] <= b[0] for a, b in zip(counted, counted[1:], strict=False))
    assert 1 <= len(whole_picture) <= 3 and sum(whole_picture) < 450  # stopped, not decoded to the end
    monkeypatch.undo()
    frames = np.concatenate([b.frames for b in decode.iter_frames(boxed, layout=layout, jobs=2)])
    assert np.array_equal(fp_box.hashes, phash_batch(frames))  # the same as a decode that knew the bars first
    fp_src = vidverify.fingerprint(src, jobs=2)
    assert np.median(hamming(fp_box.hashes, fp_src.hashes)) <= 4  # the picture, not the picture with bars


def test_rotated_file_has_display_size_and_crop(media: dict[str, Path]) -> None:
    fp = vidverify.fingerprint(media["tagged"])  # 320x240 coded, shown turned 90 degrees
    assert (fp.width, fp.height) == (240, 320)
    assert fp.active_area is None
    assert fp.crop_area == (0, 40, 240, 240)  # a portrait picture: the centre square


# ------------------------------------------------------------------------------------------ read_file

@pytest.fixture()
def sha_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path media/files.sha256_file reads from now on, from any thread (``fingerprint`` reads it in a
    thread of its own, beside the decoders)."""
    calls: list[str] = []
    lock = threading.Lock()
    real = files.sha256_file

    def counting(path: str | os.PathLike[str], *args: object, **kwargs: object) -> str:
        with lock:
            calls.append(os.fspath(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files, "sha256_file", counting)
    return calls


def _hashers_done() -> None:
    """Wait for ``fingerprint``'s hashing threads (an error leaves them to finish on their own)."""
    for t in threading.enumerate():
        if "_hash_file" in t.name:
            t.join(30)


def test_read_file_fingerprint_and_probe_agree(media: dict[str, Path]) -> None:
    clip = media["clip"]
    item = read_file(str(clip))
    assert item.error is None and item.fp is not None and item.seconds > 0
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    assert item.fp.sha256 == item.info.sha256 == digest
    assert item.path == item.info.path == item.fp.path == str(clip)
    assert item.fp.size == item.info.size == clip.stat().st_size
    assert item.info.kind == "video" and len(item.fp) == item.info.frame_count == 60


def test_read_file_reads_the_bytes_for_sha256_once(media: dict[str, Path], sha_reads: list[str]) -> None:
    clip = str(media["clip"])
    item = read_file(clip)
    _hashers_done()
    assert sha_reads == [clip]  # by the fingerprint's thread; probe takes its digest
    assert item.fp is not None and item.info.sha256 == item.fp.sha256
    sha_reads.clear()
    again = read_file(clip, sha256=item.fp.sha256)  # the caller has it already: not read at all
    _hashers_done()
    assert sha_reads == [] and again.fp is not None and again.info.sha256 == again.fp.sha256 == item.fp.sha256


def test_read_file_on_a_text_file_named_mp4(tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video\n" * 20)
    with pytest.raises(vidverify.VidverifyError):
        fingerprint(notes)  # the decoder refuses it ...
    item = read_file(str(notes))  # ... and read_file does not raise: the reason is probe's
    assert item.fp is None and item.info.kind not in ("video", "image")
    assert item.info.errors and item.error == item.info.errors[0]
    assert "not a media file" in item.error
    assert item.info.sha256 == hashlib.sha256(notes.read_bytes()).hexdigest()


def test_a_file_that_does_not_decode_is_read_for_sha256_once_too(tmp_path: Path, sha_reads: list[str]) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video\n" * 20)
    item = read_file(str(notes))
    _hashers_done()
    assert item.fp is None and item.info.sha256
    assert sha_reads == [str(notes)]

# ------------------------------------------------------------------------------------------ add_paths


def test_add_paths_skips_unchanged_and_reindexes_changed(tmp_path: Path, index_clips: dict[str, Path]) -> None:
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    shutil.copy(index_clips["other1"], a)
    shutil.copy(index_clips["other2"], b)
    with Index(tmp_path / "ix.sqlite") as ix:
        first = add_paths(ix, [str(a), str(b), str(index_clips["bad"])])
        assert [r.status for r in first] == ["added", "added", "error"]
        assert first[2].error and first[0].frames == len(fingerprint(a))
        assert [r.status for r in add_paths(ix, [str(a), str(b)])] == ["unchanged", "unchanged"]
        st = a.stat()
        os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10**9))  # touched: read again, content known
        assert [r.status for r in add_paths(ix, [str(a)])] == ["known"]
        assert [r.status for r in add_paths(ix, [str(a)])] == ["unchanged"]
        shutil.copy(index_clips["source"], a)  # new content at the same path: fingerprinted again
        os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 9 * 10**9))
        [r] = add_paths(ix, [str(a)])
        assert r.status == "added" and r.sha256 == probe(index_clips["source"]).sha256
        assert ix.lookup(a) == r.sha256 and len(ix) == 3
        assert r.sha256 is not None and ix.info(r.sha256).duration == pytest.approx(12.0, abs=0.1)


def test_add_paths_in_parallel(tmp_path: Path, index_clips: dict[str, Path]) -> None:
    with Index(tmp_path / "ix.sqlite") as ix:
        res = add_paths(ix, [str(index_clips[k]) for k in ("other1", "bad", "other2")], jobs=2)
        assert sorted(r.status for r in res) == ["added", "added", "error"]
        assert len(ix) == 2 and ix.integrity_check() == "ok"


def test_add_paths_takes_fingerprint_files(tmp_path: Path, index_clips: dict[str, Path]) -> None:
    vvfp = tmp_path / "other1.vvfp"
    fp = fingerprint(index_clips["other1"])
    save_fingerprint(fp, vvfp)
    junk = tmp_path / "junk.vvfp"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with Index(tmp_path / "ix.sqlite") as ix:
        res = add_paths(ix, [str(vvfp), str(junk)])
        assert [r.status for r in res] == ["added", "error"]
        assert ix.fingerprint(sha(fp)) == fp and ix.info(sha(fp)).frame_count == len(fp)
        assert [r.status for r in add_paths(ix, [str(index_clips["other1"])])] == ["unchanged"]  # its media is known
