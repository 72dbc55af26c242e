"""Short fuzz runs for every parser vidverify owns (hypothesis); longer runs: ``python benchmarks/fuzz.py``.

- the ISO BMFF box walker (media/formats/isobmff.py): tests/media/formats/test_isobmff.py fuzzes flat bytes and
  byte edits of one file; here, trees of real box types with random payloads and sizes, through both the
  in-memory and the file source
- evidence/dates.parse_time: any text -> None or a time whose zone every other date function accepts
- evidence/place.parse_iso6709: any text -> None or finite coordinates in range
- the AVCHD MDPM parser (media/probe.py): any bytes -> times that parse, never an exception
- fingerprint files (.vvfp, media/fingerprint_file.py): mutated archives and hostile arrays -> a Fingerprint
  or FingerprintFileError

Every crash found by these runs is pinned by a regression test at the end of this file.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vidverify.errors import FingerprintFileError
from vidverify.evidence import dates
from vidverify.evidence.place import parse_iso6709
from vidverify.media.collector import _Collector, _parse_mdpm
from vidverify.media.fingerprint_file import load as load_fingerprint
from vidverify.media.fingerprint_file import save as save_fingerprint
from vidverify.media.formats import isobmff
from vidverify.signals.fingerprint import Fingerprint

FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# ------------------------------------------------------------------------------------------ ISO BMFF trees

CONTAINER_TYPES = [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf", b"ilst", b"meta"]
LEAF_TYPES = [b"mvhd", b"tkhd", b"mdhd", b"hdlr", b"stsd", b"stts", b"ctts", b"stss", b"stsz", b"stco", b"co64",
              b"elst", b"keys", b"data", b"\xa9nam", b"\xa9day", b"\xa9xyz", b"uuid", b"avc1", b"avcC", b"free",
              b"mdat", b"ftyp", b"XMP_"]


def _leaf(typ: bytes, payload: bytes, size_mode: int) -> bytes:
    if size_mode == 1:
        return struct.pack(">I4sQ", 1, typ, 16 + len(payload)) + payload
    if size_mode == 2:
        return struct.pack(">I4s", 0, typ) + payload
    if size_mode == 3:
        return struct.pack(">I4s", 0xFFFFFFFF, typ) + payload
    return struct.pack(">I4s", 8 + len(payload), typ) + payload


def _full_payload(draw: st.DrawFn) -> bytes:
    version = draw(st.sampled_from([0, 1, 2, 255]))
    return bytes([version]) + b"\0\0\0" + draw(st.binary(max_size=120))


@st.composite
def box_tree(draw: st.DrawFn, depth: int = 0) -> bytes:
    if depth < 5 and draw(st.booleans()):
        typ = draw(st.sampled_from(CONTAINER_TYPES))
        kids = draw(st.lists(box_tree(depth + 1), max_size=4))
        body = (b"\0\0\0\0" if typ == b"meta" else b"") + b"".join(kids)
        return _leaf(typ, body, draw(st.sampled_from([0, 0, 0, 1, 2, 3])))
    typ = draw(st.sampled_from(LEAF_TYPES))
    payload = _full_payload(draw) if draw(st.booleans()) else draw(st.binary(max_size=64))
    return _leaf(typ, payload, draw(st.sampled_from([0, 0, 0, 1, 2, 3])))


FTYP = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 512, b"isom")


@FUZZ
@given(trees=st.lists(box_tree(), min_size=1, max_size=4), cut=st.integers(0, 4096))
def test_fuzz_isobmff_box_trees(trees: list[bytes], cut: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    data = FTYP + b"".join(trees)
    data = data[: max(8, len(data) - cut % 64)]
    for limits in ({}, {"max_depth": 3, "max_boxes": 50, "max_payload": 256}):
        try:
            info = isobmff.parse_bytes(data, **limits)
        except isobmff.IsoBmffError:
            continue
        json.dumps(info.to_dict(), allow_nan=False)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(trees=st.lists(box_tree(), min_size=1, max_size=3))
def test_fuzz_isobmff_file_source(trees: list[bytes], tmp_path: Path) -> None:
    """The file source (seek + read per box, payloads over max_payload walked in place) agrees with bytes."""
    data = FTYP + b"".join(trees)
    path = tmp_path / "fuzz.mp4"
    path.write_bytes(data)
    try:
        from_file = isobmff.parse_file(path, max_payload=128)
    except isobmff.IsoBmffError:
        return
    json.dumps(from_file.to_dict(), allow_nan=False)


# ------------------------------------------------------------------------------------------ dates


TIME_TEXT = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"\A\s?\d{4}[-:/.]\d{1,2}[-:/.]\d{1,2}([T ]\d{1,2}:?\d{2}(:?\d{2}([.,]\d{1,12})?)?)?"
                  r"\s?(Z|UTC|GMT|[+-]\d{2}(:?\d{2})?)?\s?\Z"),
)


def _check_time(text: str) -> None:
    parsed = dates.parse_time(text)
    if parsed is None:
        return
    iso, tz = parsed
    assert tz is None or tz == "Z" or (len(tz) == 6 and tz[0] in "+-"), tz
    naive = dates.local_naive(iso)
    assert naive is not None, iso
    dates.is_placeholder(iso)
    zone = dates.tzinfo_of(tz)
    if tz is not None:
        assert zone is not None and dates.to_utc(iso) is not None, iso
    assert dates.parse_time(iso) == parsed  # the output parses back to itself


@FUZZ
@given(TIME_TEXT)
@example("2020-01-01T00:00:00+99:99")
@example("2020-01-01T00:00:00-24:00")
@example("0000-00-00 00:00:00")
@example("9999-12-31T23:59:59-23:59")
def test_fuzz_parse_time(text: str) -> None:
    _check_time(text)


# ------------------------------------------------------------------------------------------ ISO 6709


ISO6709_TEXT = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A[+-]\d{1,400}(\.\d{0,20})?[+-]\d{1,400}(\.\d{0,20})?([+-]\d{1,400}(\.\d{0,20})?)?/?\Z"),
)


@FUZZ
@given(ISO6709_TEXT)
@example("+12.3456-123.4567+" + "9" * 400 + "/")
@example("+" + "0" * 300 + "1-0+0/")
def test_fuzz_parse_iso6709(text: str) -> None:
    got = parse_iso6709(text)
    if got is None:
        return
    lat, lon, alt = got
    assert -90 <= lat <= 90 and -180 <= lon <= 180
    assert alt is None or math.isfinite(alt)
    json.dumps(got, allow_nan=False)


# ------------------------------------------------------------------------------------------ AVCHD MDPM


@st.composite
def mdpm(draw: st.DrawFn) -> bytes:
    tags = st.sampled_from([0x18, 0x19, 0xE0, 0xE1, 0x70, 0x71, 0x00, 0xFF])
    entries = draw(st.lists(st.tuples(tags, st.binary(min_size=4, max_size=4)), max_size=12))
    count = draw(st.one_of(st.just(len(entries)), st.integers(0, 255)))
    data = bytes([count]) + b"".join(bytes([t]) + v for t, v in entries)
    return data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


@FUZZ
@given(st.one_of(mdpm(), st.binary(max_size=200)))
def test_fuzz_mdpm(data: bytes) -> None:
    c = _Collector("fuzz.mts")
    _parse_mdpm(c, data)
    for t in c.timestamps:
        assert dates.parse_time(t.value) is not None
        if t.timezone is not None:
            dates.tzinfo_of(t.timezone)
    json.dumps([t.to_dict() for t in c.timestamps], allow_nan=False)


# ------------------------------------------------------------------------------------------ fingerprint files


# every per-frame array of a Fingerprint (whatever the format version adds)
ARRAY_FIELDS = tuple(f.name for f in dataclasses.fields(Fingerprint) if "ndarray" in str(f.type))


def _fingerprint(n: int = 12) -> Fingerprint:
    rng = np.random.default_rng(5)
    arrays: dict[str, Any] = {}
    for name in ARRAY_FIELDS:
        if name == "times":
            arrays[name] = np.arange(n) / 30.0
        elif name.startswith("luma"):
            arrays[name] = (rng.random(n) * 50).astype(np.float32)
        elif "flat" in name:
            arrays[name] = np.zeros(n, np.uint8)
        else:
            arrays[name] = rng.integers(0, 2**63, n, dtype=np.uint64)
    return Fingerprint(path="clip.mp4", sha256="0" * 64, size=1000, mode="dense", duration=n / 30.0, fps=30.0,
                       width=160, height=120, versions={"hash": "x"}, **arrays)


def _vvfp_bytes(tmp: Path) -> bytes:
    out = tmp / "good.vvfp"
    save_fingerprint(_fingerprint(), out)
    return out.read_bytes()


def _stored_vvfp(meta: object, arrays: dict[str, Any]) -> bytes:
    """An uncompressed .vvfp (np.savez): mutations then reach the arrays and the meta JSON, not just zlib."""
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(meta)), **arrays)
    return buf.getvalue()


def _load_bytes(tmp: Path, data: bytes) -> None:
    path = tmp / "mutated.vvfp"
    path.write_bytes(data)
    try:
        fp = load_fingerprint(path)
    except FingerprintFileError:
        return
    json.dumps(fp.to_dict(), allow_nan=True)
    from vidverify.pipeline.comparison import match_fingerprints

    match_fingerprints(fp, _fingerprint())


@pytest.fixture(scope="module")
def vvfp_sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    fp = _fingerprint()
    stored = _stored_vvfp(fp.meta(), {a: getattr(fp, a) for a in ARRAY_FIELDS})
    return _vvfp_bytes(tmp_path_factory.mktemp("vvfp")), stored


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
       cut=st.integers(0, 10**6), which=st.integers(0, 1))
def test_fuzz_vvfp_mutations(edits: list[tuple[int, int]], cut: int, which: int,
                             vvfp_sources: tuple[bytes, bytes], tmp_path: Path) -> None:
    buf = bytearray(vvfp_sources[which])
    for pos, value in edits:
        buf[pos % len(buf)] = value
    if cut % 3 == 0:
        buf = buf[: cut % len(buf)]
    _load_bytes(tmp_path, bytes(buf))


META_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(
    meta=st.fixed_dictionaries(
        {"format": st.just("vidverify-fingerprint")},
        optional={k: META_VALUES for k in ("format_version", "path", "sha256", "size", "mode", "duration", "fps",
                                           "width", "height", "active_area", "crop_area", "time_origin",
                                           "versions", "warnings")},
    ),
    n=st.integers(0, 5),
    dtype=st.sampled_from(["<f8", "<u8", "<i4", "<f4", "<c16", "|b1", "<U3", "<M8[s]"]),
    drop=st.sampled_from([None, "times", "hashes", "luma_std"]),
)
def test_fuzz_vvfp_contents(meta: dict[str, object], n: int, dtype: str, drop: str | None, tmp_path: Path) -> None:
    """Valid archives with hostile meta values and arrays of odd types and lengths."""
    fp = _fingerprint(4)
    arrays = {a: getattr(fp, a) for a in ARRAY_FIELDS}
    arrays["times"] = np.zeros(n, dtype=dtype)
    if drop:
        del arrays[drop]
    _load_bytes(tmp_path, _stored_vvfp(meta, arrays))


# ------------------------------------------------------------------------------------------ regressions


def test_regression_vvfp_huge_declared_shape(tmp_path: Path) -> None:
    """A member declaring 4e12 uint64 was a MemoryError (29 TiB) escaping as an internal error."""
    header = b"{'descr': '<u8', 'fortran_order': False, 'shape': (4000000000000,), }"
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("meta.npy", npy)
        z.writestr("hashes.npy", npy)
    path = tmp_path / "huge.vvfp"
    path.write_bytes(buf.getvalue())
    with pytest.raises(FingerprintFileError, match="does not fit"):
        load_fingerprint(path)


def test_regression_vvfp_fifo_does_not_block(tmp_path: Path) -> None:
    """compare checks whether an argument is a fingerprint file by opening it: a FIFO blocked for ever."""
    import os

    from vidverify.media.fingerprint_file import is_fingerprint_file

    fifo = tmp_path / "x.vvfp"
    os.mkfifo(fifo)
    assert not is_fingerprint_file(fifo)
    with pytest.raises(FingerprintFileError, match="not a regular file"):
        load_fingerprint(fifo)


@pytest.mark.parametrize("text", ["2020-01-01T00:00:00+99:99", "2020-01-01T00:00:00-15:00",
                                  "2020-01-01T00:00:00+05:60", "0001:1:1T00000.\u0661",
                                  "\u0662\u0660\u0662\u0660-01-01 10:00"])
def test_regression_parse_time_rejects(text: str) -> None:
    """Zones beyond +-14:00 and non-ASCII digits were accepted, then broke to_utc/fromisoformat downstream."""
    assert dates.parse_time(text) is None


def test_regression_to_utc_overflow() -> None:
    """9999-12-31T23:59:59-23:59 is past year 9999 in UTC: OverflowError escaped from to_utc."""
    assert dates.to_utc("9999-12-31T23:59:59-12:00") is None
    assert dates.to_utc("0001-01-01T00:00:00+14:00") is None


def test_regression_iso6709_infinite_altitude() -> None:
    """An altitude of 400 nines parsed as inf, and probe --json then failed (NaN/inf are not JSON)."""
    assert parse_iso6709("+12.3456-123.4567+" + "9" * 400 + "/") == (12.3456, -123.4567, None)
    assert parse_iso6709("+\u0661\u0662-1/") is None  # non-ASCII digits


def test_regression_vvfp_damaged_zip_members(tmp_path: Path) -> None:
    """A damaged deflate stream (zlib.error) and an unknown zip version (NotImplementedError) escaped load."""
    good = _vvfp_bytes(tmp_path)
    damaged = bytearray(good)
    damaged[58] = 0  # inside the first member's deflate data
    _load_bytes(tmp_path, bytes(damaged))
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(_fingerprint().meta())), times=np.zeros(1))
    odd = bytearray(buf.getvalue())
    odd[4] = 64  # "version needed to extract" 6.4
    path = tmp_path / "odd.vvfp"
    path.write_bytes(bytes(odd))
    with pytest.raises(FingerprintFileError):
        load_fingerprint(path)


def test_regression_isobmff_sample_count_amplification() -> None:
    """Found by benchmarks/fuzz.py: a 1 KB file whose stts declares 2^32 samples and has no stss (every sample a
    keyframe) made the walker build 4 million keyframe times (300 MB, seconds under load). A sample takes at
    least one byte of the file, so no more are computed than the file has bytes."""
    from tests.media.formats.test_isobmff import box, ftyp, full, hdlr, mdhd, mvhd, stsd, tkhd

    stbl = box(b"stbl", stsd() + full(b"stts", struct.pack(">III", 1, 0xFFFFFFFF, 1)))
    mdia = box(b"mdia", mdhd(0, 0, 30, 1) + hdlr(b"vide") + box(b"minf", stbl))
    data = ftyp() + box(b"moov", mvhd(0, 0) + box(b"trak", tkhd(1, 0, 0, 1, 16, 16) + mdia))
    info = isobmff.parse_bytes(data)
    [track] = info.tracks
    assert 0 < len(track.keyframe_times) <= len(data)
    assert any("samples declared in a file of" in e for e in info.errors)
