"""media/fingerprint_file.py, the ``.vvfp`` file: saved and loaded back identically (no temporary left), bad and
newer files refused with FingerprintFileError."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import vidverify
from vidverify.errors import FingerprintFileError
from vidverify.media.fingerprint_file import is_fingerprint_file
from vidverify.media.fingerprint_file import load as load_fingerprint
from vidverify.media.fingerprint_file import save as save_fingerprint
from vidverify.pipeline.ingest import load_or_compute


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
