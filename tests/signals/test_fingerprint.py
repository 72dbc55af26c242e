"""signals/fingerprint.py: the Fingerprint value and its CHANNELS table, the JSON form and the index blob
(``pack``/``unpack``), on synthetic fingerprints (tests/fixtures/fingerprints.py) and on generated media."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import vidverify
from tests.fixtures.fingerprints import dataclass_fields, frame_arrays, synth_fp
from vidverify.errors import IndexFileError
from vidverify.media.fingerprint_file import load as load_fingerprint
from vidverify.media.fingerprint_file import save as save_fingerprint
from vidverify.signals.fingerprint import (
    ALIGNMENT,
    ALL_HALVES_FLAT,
    AUDIO_CHANNELS,
    BY_NAME,
    CHANNELS,
    FORMAT_VERSION,
    FRAME_CHANNELS,
    HALF_FLAT,
    HALVES,
    PACKET_CHANNELS,
    Channel,
    Fingerprint,
)
from vidverify.signals.fingerprint import pack as encode_fingerprint
from vidverify.signals.fingerprint import unpack as decode_fingerprint

# ------------------------------------------------------------------------------------------ CHANNELS


def full_fp(n: int = 12, packets: int = 7, seed: int = 1) -> Fingerprint:
    """A fingerprint whose every array holds random values, none its channel's default."""
    rng = np.random.default_rng(seed)

    def values(c: Channel) -> np.ndarray:
        k = n if c.per == "frame" else packets
        if c.name in ("times", "packet_times"):
            return np.sort(rng.uniform(0, 10, k))
        if c.name == HALF_FLAT:
            return rng.integers(0, ALL_HALVES_FLAT, k, dtype=np.uint8)  # never all four flat
        if np.dtype(c.dtype).kind == "u":
            return rng.integers(1, 2**64, k, dtype=np.uint64).astype(c.dtype)
        return rng.uniform(5, 250, k).astype(c.dtype)

    return Fingerprint(path="/clips/full.mp4", sha256="ab" * 32, size=1234, mode="dense", duration=10.0, fps=30.0,
                       width=640, height=360, active_area=(0, 20, 640, 320), crop_area=(230, 20, 180, 320),
                       time_origin=1.5, versions={"hash": "test"}, warnings=("a warning",), codec_digest="c0dec",
                       **{c.name: values(c) for c in CHANNELS})


def array_fields() -> list[str]:
    """The dataclass fields that hold arrays (annotated ``np.ndarray``)."""
    return [f.name for f in dataclasses.fields(Fingerprint) if "ndarray" in str(f.type)]


def assert_every_channel_equal(back: Fingerprint, fp: Fingerprint) -> None:
    for name in array_fields():
        a, b = getattr(back, name), getattr(fp, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert back.meta() == fp.meta() and back == fp


def test_channels_and_the_dataclass_agree() -> None:
    names = [c.name for c in CHANNELS]
    assert len(set(names)) == len(names)
    assert names == array_fields()  # every channel is a field, every array field a channel, in the same order
    assert {c.per for c in CHANNELS} == {"frame", "packet", "audio"}
    assert FRAME_CHANNELS + PACKET_CHANNELS + AUDIO_CHANNELS == CHANNELS and FRAME_CHANNELS[0].name == "times"
    assert BY_NAME == {c.name: c for c in CHANNELS}
    assert HALVES == ("half_top", "half_bottom", "half_left", "half_right")
    assert [BY_NAME[h].half for h in HALVES] == [0, 1, 2, 3] and all(BY_NAME[h].key == "halves" for h in HALVES)
    assert all(c.since <= FORMAT_VERSION for c in CHANNELS)
    for _, a, b, _ in ALIGNMENT:  # the aligner reads only channels of the table
        assert BY_NAME[a].per == BY_NAME[b].per == "frame" and BY_NAME[a].hexed and BY_NAME[b].hexed
    fp = full_fp()
    for c in CHANNELS:
        arr = getattr(fp, c.name)
        assert arr.dtype == np.dtype(c.dtype) and not arr.flags.writeable
        assert len(arr) == (len(fp) if c.per == "frame" else len(fp.packet_times))
        assert not (arr == c.default).all(), c.name  # the round trips below could not miss a dropped channel


def test_a_missing_array_is_its_channels_default_and_a_short_one_is_refused() -> None:
    fp = full_fp()
    old = Fingerprint(**{**dataclass_fields(fp), **{h: None for h in (*HALVES, HALF_FLAT)},
                         "packet_times": None, "packet_digests": None})
    assert (old.half_flat == ALL_HALVES_FLAT).all() and len(old.half_flat) == len(fp)
    assert all((getattr(old, h) == 0).all() for h in HALVES)
    assert len(old.packet_times) == len(old.packet_digests) == 0
    with pytest.raises(ValueError, match="rot90"):
        Fingerprint(**{**dataclass_fields(fp), "rot90": fp.rot90[:-1]})
    with pytest.raises(ValueError, match="packet_digests"):
        Fingerprint(**{**dataclass_fields(fp), "packet_digests": fp.packet_digests[:-1]})


def test_every_channel_round_trips_through_json() -> None:
    fp = full_fp()
    doc = json.loads(json.dumps(fp.to_dict()))
    assert len(doc["frames"]) == len(fp) and len(doc["packets"]) == len(fp.packet_times)
    keys = {c.key for c in FRAME_CHANNELS}
    assert set(doc["frames"][0]) == keys and len(doc["frames"][0]["halves"]) == len(HALVES)
    assert set(doc["packets"][0]) == {c.key for c in PACKET_CHANNELS}
    assert_every_channel_equal(Fingerprint.from_dict(doc), fp)


def test_every_channel_round_trips_through_the_index_blob() -> None:
    fp = full_fp()
    assert_every_channel_equal(decode_fingerprint(encode_fingerprint(fp)), fp)


def test_every_channel_round_trips_through_the_vvfp_file(tmp_path: Path) -> None:
    fp = full_fp()
    save_fingerprint(fp, tmp_path / "full.vvfp")
    assert_every_channel_equal(load_fingerprint(tmp_path / "full.vvfp"), fp)


def test_deprecated_save_and_load_still_work_and_warn(tmp_path: Path) -> None:
    fp = full_fp()
    out = tmp_path / "old.vvfp"
    with pytest.warns(DeprecationWarning, match="vidverify.save_fingerprint") as saved:
        fp.save(out)
    with pytest.warns(DeprecationWarning, match="vidverify.load_fingerprint") as loaded:
        back = Fingerprint.load(out)
    assert saved[0].filename == loaded[0].filename == __file__  # the warning names the caller's line
    assert_every_channel_equal(back, fp)
    assert load_fingerprint(out) == fp  # the same file as save_fingerprint writes
    save_fingerprint(fp, tmp_path / "new.vvfp")
    with pytest.warns(DeprecationWarning):
        assert Fingerprint.load(tmp_path / "new.vvfp") == fp
    assert vidverify.save_fingerprint is save_fingerprint and vidverify.load_fingerprint is load_fingerprint


# ------------------------------------------------------------------------------------------ the index blob


def test_blob_round_trip_is_exact_and_compact() -> None:
    fp = synth_fp(1)
    blob = encode_fingerprint(fp)
    assert decode_fingerprint(blob) == fp
    assert len(blob) < 72 * len(fp)  # 7 hash arrays + times + 2 float32 columns, raw
    for n in (0, 1):
        small = Fingerprint(**{**dataclass_fields(fp), **{a: getattr(fp, a)[:n].copy() for a in frame_arrays()}})
        assert decode_fingerprint(encode_fingerprint(small)) == small


def test_version_1_blobs_still_load() -> None:
    """Indexes written before the half-picture hashes keep working: their halves are marked flat."""
    import struct
    import zlib

    from vidverify.signals.fingerprint import ALL_HALVES_FLAT, BY_NAME, HALVES, _shuffle

    fp = synth_fp(21, seconds=5)
    meta = json.dumps(fp.meta()).encode()
    parts = []
    for name in (a for a in frame_arrays() if a not in (*HALVES, "half_flat")):
        arr = np.ascontiguousarray(getattr(fp, name), dtype=BY_NAME[name].dtype)
        if BY_NAME[name].delta:
            arr = np.concatenate([arr[:1], np.bitwise_xor(arr[1:], arr[:-1])])
        parts.append(_shuffle(arr.tobytes(), arr.itemsize))
    blob = b"VVFB" + struct.pack("<BII", 1, len(fp), len(meta)) + meta + zlib.compress(b"".join(parts))
    old = decode_fingerprint(blob)
    assert np.array_equal(old.hashes, fp.hashes) and np.array_equal(old.luma_std, fp.luma_std)
    assert (old.half_flat == ALL_HALVES_FLAT).all()


def test_damaged_blobs_raise_index_file_error() -> None:
    import struct
    import zlib

    fp = synth_fp(7, seconds=2.0)
    fp = replace(fp, packet_times=fp.times.copy(), packet_digests=np.arange(len(fp), dtype=np.uint64) + 99)
    blob = encode_fingerprint(fp)
    assert decode_fingerprint(blob) == fp
    version, n, meta_len = struct.unpack_from("<BII", blob, 4)
    start = 4 + struct.calcsize("<BII")
    meta = json.loads(blob[start:start + meta_len])
    payload = zlib.decompress(blob[start + meta_len:])
    for count in (-1, 10**9, "x"):
        bad_meta = json.dumps({**meta, "packet_count": count}).encode()
        bad = blob[:4] + struct.pack("<BII", version, n, len(bad_meta)) + bad_meta + zlib.compress(payload)
        with pytest.raises(IndexFileError):
            decode_fingerprint(bad)
    with pytest.raises(IndexFileError):
        decode_fingerprint(blob[:4] + struct.pack("<BII", version, n, meta_len) + blob[start:start + meta_len]
                           + zlib.compress(payload[: len(payload) // 2]))


# ------------------------------------------------------------------------------------------ real media


def test_json_round_trip_of_a_real_fingerprint(media: dict[str, Path]) -> None:
    fp = vidverify.fingerprint(media["delayed"])
    doc = json.loads(json.dumps(fp.to_dict()))
    assert doc["format"] == "vidverify-fingerprint" and doc["frame_count"] == len(fp)
    assert len(doc["frames"]) == len(fp) and len(doc["frames"][0]["hash"]) == 16
    assert Fingerprint.from_dict(doc) == fp
