"""Fingerprints: the right frames and times, a file format that loads back identically, versions recorded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import vidverify
from tests.fixtures import make_fixtures
from vidverify.errors import FingerprintFileError
from vidverify.media import decode
from vidverify.media.files import sha256_file
from vidverify.media.fingerprint_file import is_fingerprint_file
from vidverify.media.fingerprint_file import load as load_fingerprint
from vidverify.media.fingerprint_file import save as save_fingerprint
from vidverify.pipeline.ingest import load_or_compute
from vidverify.signals.fingerprint import Fingerprint
from vidverify.signals.hashing import hamming, phash_batch


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


def test_save_load_round_trip(media: dict[str, Path], tmp_path: Path) -> None:
    fp = vidverify.fingerprint(media["vfr"])
    out = tmp_path / "x.vvfp"
    save_fingerprint(fp, out)
    assert is_fingerprint_file(out)
    back = load_fingerprint(out)
    assert back == fp
    assert np.array_equal(back.times, fp.times)
    assert load_or_compute(out) == fp
    assert [p.name for p in tmp_path.iterdir()] == ["x.vvfp"]  # no temporary left behind


def test_json_round_trip(media: dict[str, Path]) -> None:
    fp = vidverify.fingerprint(media["delayed"])
    doc = json.loads(json.dumps(fp.to_dict()))
    assert doc["format"] == "vidverify-fingerprint" and doc["frame_count"] == len(fp)
    assert len(doc["frames"]) == len(fp) and len(doc["frames"][0]["hash"]) == 16
    assert Fingerprint.from_dict(doc) == fp


def test_mirrored_video_matches_mirrored_hashes(tmp_path: Path, media: dict[str, Path]) -> None:
    flipped = make_fixtures.clip(tmp_path / "flip.mp4", extra_out=("-vf", "hflip"))
    a = vidverify.fingerprint(media["clip"])
    b = vidverify.fingerprint(flipped)
    straight = hamming(a.hashes, b.hashes)
    crossed = hamming(a.mirrored, b.hashes)
    assert np.median(crossed) <= 6
    assert np.median(straight) > np.median(crossed) + 10


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"not a zip at all"])
def test_bad_fingerprint_files(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.vvfp"
    bad.write_bytes(content)
    assert not is_fingerprint_file(bad)
    with pytest.raises(FingerprintFileError):
        load_fingerprint(bad)


def test_newer_format_version_is_refused(media: dict[str, Path], tmp_path: Path) -> None:
    fp = vidverify.fingerprint(media["clip"], keyframes=True)
    meta = fp.meta() | {"format_version": 99}
    out = tmp_path / "future.vvfp"
    np.savez(out.open("wb"), meta=np.array(json.dumps(meta)), times=fp.times, hashes=fp.hashes,
             crop_hashes=fp.crop_hashes, crop_mirrored=fp.crop_mirrored, rot90=fp.rot90, rot180=fp.rot180,
             rot270=fp.rot270,
             mirrored=fp.mirrored, luma_mean=fp.luma_mean, luma_std=fp.luma_std)
    with pytest.raises(FingerprintFileError, match="newer"):
        load_fingerprint(out)


def test_image_is_a_one_frame_video(media: dict[str, Path]) -> None:
    fp = vidverify.fingerprint(media["jpeg"])
    assert len(fp) == 1 and fp.times[0] == 0.0


def test_bars_found_while_decoding_restart_on_the_picture_inside(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The decoders start before the bars are known; a letterboxed file is decoded again on the picture inside:
    the first decoders are stopped, and progress counts each frame once."""
    import threading

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
