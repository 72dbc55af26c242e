"""Fingerprints: the right frames and times, a file format that loads back identically, versions recorded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import vidverify
from tests.fixtures import make_fixtures
from vidverify.errors import FingerprintFileError
from vidverify.fingerprint import Fingerprint, is_fingerprint_file, load_or_compute, sha256_file
from vidverify.hashing import hamming


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
    fp.save(out)
    assert is_fingerprint_file(out)
    back = Fingerprint.load(out)
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
        Fingerprint.load(bad)


def test_newer_format_version_is_refused(media: dict[str, Path], tmp_path: Path) -> None:
    fp = vidverify.fingerprint(media["clip"], keyframes=True)
    meta = fp.meta() | {"format_version": 99}
    out = tmp_path / "future.vvfp"
    np.savez(out.open("wb"), meta=np.array(json.dumps(meta)), times=fp.times, hashes=fp.hashes,
             crop_hashes=fp.crop_hashes, crop_mirrored=fp.crop_mirrored, rot90=fp.rot90, rot180=fp.rot180,
             rot270=fp.rot270,
             mirrored=fp.mirrored, luma_mean=fp.luma_mean, luma_std=fp.luma_std)
    with pytest.raises(FingerprintFileError, match="newer"):
        Fingerprint.load(out)


def test_image_is_a_one_frame_video(media: dict[str, Path]) -> None:
    fp = vidverify.fingerprint(media["jpeg"])
    assert len(fp) == 1 and fp.times[0] == 0.0
