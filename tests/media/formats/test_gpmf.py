from __future__ import annotations

import re
import struct
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vidverify.errors import CorruptMediaError, InputError
from vidverify.evidence.place import parse_place
from vidverify.media.formats import gpmf
from vidverify.media.formats.gpmf import (
    GpmfError,
    GpmfGps,
    GpsFix,
    Klv,
    gps_from_payloads,
    klv_values,
    parse_klv,
    read_gps,
)

# ----------------------------------------------------------------------------------------- KLV builders


def klv(key: str, typ: str, size: int, repeat: int, data: bytes) -> bytes:
    assert len(data) == size * repeat
    pad = (-len(data)) % 4
    return key.encode() + bytes([ord(typ), size]) + struct.pack(">H", repeat) + data + b"\x00" * pad


def nest(key: str, *children: bytes) -> bytes:
    body = b"".join(children)
    assert len(body) % 4 == 0
    return key.encode() + b"\x00\x04" + struct.pack(">H", len(body) // 4) + body


def text(key: str, s: str) -> bytes:
    return klv(key, "c", 1, len(s), s.encode())


def longs(key: str, *values: int, typ: str = "l") -> bytes:
    return klv(key, typ, 4, len(values), struct.pack(f">{len(values)}{'i' if typ == 'l' else 'I'}", *values))


def gps5_payload(
    samples: list[tuple[float, float, float, float, float]], utc: str = "170417192758.283", fix: int = 3, dop: int = 150
) -> bytes:
    scal = (10_000_000, 10_000_000, 1000, 1000, 100)
    raw = b"".join(struct.pack(">5i", *(round(v * s) for v, s in zip(smp, scal, strict=True))) for smp in samples)
    return nest(
        "DEVC",
        longs("DVID", 1, typ="L"),
        text("DVNM", "Camera"),
        nest(
            "STRM",
            longs("TSMP", len(samples), typ="L"),
            text("STNM", "GPS (Lat., Long., Alt., 2D speed, 3D speed)"),
            longs("GPSF", fix, typ="L"),
            klv("GPSU", "U", 16, 1, utc.encode()),
            klv("GPSP", "S", 2, 1, struct.pack(">H", dop)),
            text("UNIT", "degdegm m/sm/s"),
            longs("SCAL", *scal),
            klv("GPS5", "l", 20, len(samples), raw),
        ),
    )


# ----------------------------------------------------------------------------------------- parse_klv


def test_parse_klv_structure_of_a_synthetic_gps5_payload() -> None:
    data = gps5_payload([(33.1253807, -117.3310746, 15.61, 2.5, 2.6), (33.1253900, -117.3310800, 15.7, 2.4, 2.5)])
    items = parse_klv(data)
    assert [i.key for i in items] == ["DEVC"]
    devc = items[0]
    assert devc.nested and devc.size == 4 and devc.repeat * 4 == len(data) - 8
    assert [c.key for c in devc.children] == ["DVID", "DVNM", "STRM"]
    strm = devc.children[2]
    keys = [c.key for c in strm.children]
    assert keys == ["TSMP", "STNM", "GPSF", "GPSU", "GPSP", "UNIT", "SCAL", "GPS5"]
    gps5 = strm.children[-1]
    assert (gps5.type, gps5.size, gps5.repeat) == ("l", 20, 2)
    assert klv_values(gps5)[0] == (331253807, -1173310746, 15610, 2500, 260)
    assert klv_values(strm.children[3]) == [(b"170417192758.283",)]
    assert klv_values(strm.children[1])[0] == (b"G",)  # 'c' items give one byte string per sample
    assert klv_values(strm.children[4]) == [(150,)]


def test_gps_from_payloads_applies_scal_and_reads_gpsu_gpsf_gpsp() -> None:
    s1 = [(33.1253807, -117.3310746, 15.61, 2.5, 2.6), (33.12539, -117.33108, 15.7, 2.4, 2.5)]
    s2 = [(33.126, -117.332, 16.0, 3.0, 3.1)]
    got = gps_from_payloads(
        [(gps5_payload(s1), 0.0, 1.0), (gps5_payload(s2, utc="170417192759.283", dop=420), 1.0, 1.001)],
        samples=True,
    )
    assert got.source == "GPS5" and got.count == 2 and got.payloads == 2 and not got.errors
    assert got.streams == {"GPS5": 2}
    first = got.first
    assert first == got.fixes[0]
    assert first is not None
    assert first.lat == pytest.approx(33.1253807, abs=1e-9) and first.lon == pytest.approx(-117.3310746, abs=1e-9)
    assert first.alt == pytest.approx(15.61) and first.speed2d == pytest.approx(2.5)
    assert first.speed3d == pytest.approx(2.6)
    assert first.utc == "2017-04-17T19:27:58.283Z"
    assert first.fix == 3 and first.precision == pytest.approx(1.5) and first.time == 0.0
    assert got.fixes[1].utc == "2017-04-17T19:27:59.283Z" and got.fixes[1].precision == pytest.approx(4.2)
    assert got.fixes[1].time == 1.0
    # every sample is kept on request; only a block's first sample carries the block's GPSU time
    assert len(got.samples) == 3
    assert [s.utc for s in got.samples] == ["2017-04-17T19:27:58.283Z", None, "2017-04-17T19:27:59.283Z"]
    assert got.samples[1].time == pytest.approx(0.5) and got.samples[1].lat == pytest.approx(33.12539)
    assert gps_from_payloads([gps5_payload(s1)]).samples == ()  # not kept unless asked


def test_fixes_without_a_lock_are_counted_not_reported() -> None:
    got = gps_from_payloads([gps5_payload([(33.1, -117.3, 10.0, 0.0, 0.0)], fix=0), gps5_payload([(0, 0, 0, 0, 0)])])
    assert got.count == 0 and got.first is None and got.unlocked == 2
    assert got.source == "GPS5" and got.streams == {"GPS5": 2}


def test_gps9_has_a_time_per_sample() -> None:
    # lat, lon, alt, 2D, 3D speed, days since 2000, seconds since midnight, DOP, fix
    scal = (10_000_000, 10_000_000, 1000, 1000, 100, 1, 1000, 100, 1)
    rows = [(331253807, -1173310746, 15610, 2500, 260, 6316, 70078283, 150, 3)]
    rows.append((331253900, -1173310800, 15700, 2400, 250, 6316, 70078383, 150, 3))
    raw = b"".join(struct.pack(">lllllllHH", *r) for r in rows)
    payload = nest(
        "DEVC",
        nest(
            "STRM",
            longs("SCAL", *scal),
            text("TYPE", "lllllllSS"),
            klv("GPS9", "?", 32, 2, raw),
        ),
    )
    got = gps_from_payloads([payload])
    assert got.source == "GPS9" and got.count == 2 and not got.errors
    assert [f.utc for f in got.fixes] == ["2017-04-17T19:27:58.283Z", "2017-04-17T19:27:58.383Z"]
    assert got.fixes[0].precision == pytest.approx(1.5) and got.fixes[0].fix == 3


def test_karma_glpi_times_come_from_syst_calibration() -> None:
    def strm(*items: bytes) -> bytes:
        return nest("STRM", *items)

    # SYST pairs: (system µs, unix ms); the GLPI sample sits halfway between them
    syst = strm(
        text("TYPE", "JJ"),
        longs("SCAL", 1_000_000, 1000),
        klv("SYST", "?", 16, 2, struct.pack(">QQQQ", 146_000_000, 1492457278_000, 148_000_000, 1492457280_000)),
    )
    glpi_row = struct.pack(">LllllhhhH", 147_250, 331253807, -1173310746, 15610, 2000, 300, -400, 0, 33100)
    glpi = strm(
        text("TYPE", "LllllsssS"),
        longs("SCAL", 1000, 10_000_000, 10_000_000, 1000, 1000, 100, 100, 100, 100),
        klv("GLPI", "?", 28, 1, glpi_row),
    )
    got = gps_from_payloads([nest("DEVC", glpi, syst)])
    assert got.source == "GLPI" and got.count == 1 and not got.errors
    fx = got.fixes[0]
    assert fx.utc == "2017-04-17T19:27:59.250Z"
    assert (fx.lat, fx.lon, fx.alt) == (pytest.approx(33.1253807), pytest.approx(-117.3310746), 15.61)
    assert fx.speed2d == pytest.approx(5.0)  # |(3, -4)| m/s
    # without any SYST the positions stay, their times are unknown
    alone = gps_from_payloads([nest("DEVC", glpi)])
    assert alone.count == 1 and alone.fixes[0].utc is None and any("SYST" in e for e in alone.errors)


def test_klv_values_types() -> None:
    assert klv_values(Klv("X", "q", 4, 1, struct.pack(">i", 3 * 65536 + 32768))) == [(3.5,)]
    assert klv_values(Klv("X", "Q", 8, 1, struct.pack(">q", -(2**31)))) == [(-0.5,)]
    assert klv_values(Klv("X", "F", 4, 2, b"GPS5ACCL")) == [(b"GPS5",), (b"ACCL",)]
    assert klv_values(Klv("X", "d", 8, 1, struct.pack(">d", 1.25))) == [(1.25,)]
    assert klv_values(Klv("X", "s", 4, 1, struct.pack(">hh", -2, 3))) == [(-2, 3)]
    assert klv_values(Klv("X", "?", 12, 1, struct.pack(">ffL", 1.5, 2.5, 7)), "f[2]L") == [(1.5, 2.5, 7)]
    with pytest.raises(GpmfError, match="not a multiple"):
        klv_values(Klv("X", "l", 6, 1, b"\x00" * 6))
    with pytest.raises(GpmfError, match="without a TYPE"):
        klv_values(Klv("X", "?", 4, 1, b"\x00" * 4))
    with pytest.raises(GpmfError, match="bytes, samples are"):
        klv_values(Klv("X", "?", 4, 1, b"\x00" * 4), "LL")
    with pytest.raises(GpmfError, match="unsupported TYPE"):
        klv_values(Klv("X", "?", 4, 1, b"\x00" * 4), "Z")
    with pytest.raises(GpmfError, match="unknown type"):
        klv_values(Klv("X", "z", 4, 1, b"\x00" * 4))
    with pytest.raises(GpmfError, match="container"):
        klv_values(Klv("DEVC", "\x00", 4, 0))


def test_gpmf_error_is_an_input_error() -> None:
    assert issubclass(GpmfError, CorruptMediaError) and issubclass(GpmfError, InputError)
    assert GpmfError("x").exit_code == 4


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"GPS5l\x14\x00\x02" + b"\x00" * 20, "truncated"),
        (b"\x01\x02\x03\x04L\x04\x00\x01\x00\x00\x00\x01", "invalid key"),
        (b"DVID" + b"L\x04\x00\x01" + b"\x00\x00\x00\x01" + b"\xff\xff", "trailing bytes"),
    ],
)
def test_parse_klv_strict_errors(data: bytes, words: str) -> None:
    with pytest.raises(GpmfError, match=words):
        parse_klv(data)
    errs: list[str] = []
    parse_klv(data, errors=errs)  # lenient: the same problem is listed, nothing raised
    assert len(errs) == 1 and words in errs[0]


def test_parse_klv_lenient_keeps_what_came_before_the_damage() -> None:
    good = longs("DVID", 7, typ="L")
    damaged = good + b"GPS5l\x14\x00\x09" + b"\x00" * 20
    errs: list[str] = []
    items = parse_klv(damaged, errors=errs)
    assert [i.key for i in items] == ["DVID"] and klv_values(items[0]) == [(7,)]
    assert "GPS5" in errs[0] and "truncated" in errs[0]
    # a damaged stream inside a device does not hide the next device
    payload = nest("DEVC", nest("STRM", b"GPS5l\x14\x00\x09" + b"\x00" * 20)) + gps5_payload([(1.0, 2.0, 3.0, 0, 0)])
    got = gps_from_payloads([payload])
    assert got.count == 1 and got.fixes[0].lat == 1.0 and any("truncated" in e for e in got.errors)


def test_parse_klv_nesting_is_bounded() -> None:
    data = longs("DVID", 1)
    for _ in range(20):
        data = nest("DEVC", data)
    with pytest.raises(GpmfError, match="deeper than 8"):
        parse_klv(data)
    assert parse_klv(data, max_depth=32)  # allowed when asked
    got = gps_from_payloads([data])
    assert got.count == 0 and any("deeper" in e for e in got.errors)


def test_parse_klv_null_key_ends_the_data_and_empty_is_fine() -> None:
    assert parse_klv(b"") == []
    assert [i.key for i in parse_klv(longs("DVID", 1) + b"\x00" * 12 + longs("JUNK", 2))] == ["DVID"]


def test_parse_klv_worst_case_input_is_fast() -> None:
    # 4 MiB of minimal items and of maximal nesting: linear time, bounded depth
    flat = b"ABCDb\x00\x00\x00" * (2**19)
    t = time.perf_counter()
    assert len(parse_klv(flat)) == 2**19
    deep = b"".join([nest("DEVC", nest("STRM", longs("DVID", 1)))] * 20000)
    assert len(parse_klv(deep)) == 20000
    assert time.perf_counter() - t < 20


# ----------------------------------------------------------------------------------------- fuzzing


@settings(max_examples=3000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=512))
def test_fuzz_parse_klv_arbitrary_bytes(data: bytes) -> None:
    try:
        items = parse_klv(data)
    except GpmfError:
        pass
    else:
        assert all(isinstance(i, Klv) for i in items)
    errs: list[str] = []
    parse_klv(data, errors=errs)  # lenient mode never raises


_SEED = gps5_payload([(33.1253807, -117.3310746, 15.61, 2.5, 2.6)] * 3) + nest(
    "DEVC", nest("STRM", text("TYPE", "LllllsssS"), klv("GLPI", "?", 28, 1, b"\x00" * 28))
)


@settings(max_examples=3000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_SEED) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_fuzz_mutated_gps_payload(edits: list[tuple[int, int]]) -> None:
    data = bytearray(_SEED)
    for pos, val in edits:
        data[pos] = val
    try:
        parse_klv(bytes(data))
    except GpmfError:
        pass
    got = gps_from_payloads([bytes(data)], samples=True)  # never raises
    assert isinstance(got, GpmfGps) and got.count == len(got.fixes)
    for f in got.fixes:
        assert -90 <= f.lat <= 90 and -180 <= f.lon <= 180


@settings(max_examples=1000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=256), max_size=4))
def test_fuzz_gps_from_arbitrary_payloads(payloads: list[bytes]) -> None:
    got = gps_from_payloads(payloads)
    assert got.payloads == len(payloads)
    assert GpmfGps.from_dict(got.to_dict()) == got


# ----------------------------------------------------------------------------------------- MP4 container


def box(typ: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + typ + body


def full(typ: bytes, body: bytes, version: int = 0) -> bytes:
    return box(typ, bytes([version, 0, 0, 0]) + body)


def gpmd_mp4(payloads: list[bytes], *, co64: bool = False, entry: bytes = b"gpmd", chunk_shift: int = 0) -> bytes:
    """A minimal MP4: one metadata track whose samples (one per chunk, 1 s each) are ``payloads``."""
    ftyp = box(b"ftyp", b"mp41", struct.pack(">I", 0), b"mp41")
    mdat_body = b"".join(payloads)

    def moov(base: int) -> bytes:
        offsets = []
        off = base
        for p in payloads:
            offsets.append(off + chunk_shift)
            off += len(p)
        n = len(payloads)
        if co64:
            stco = full(b"co64", struct.pack(">I", n) + b"".join(struct.pack(">Q", o) for o in offsets))
        else:
            stco = full(b"stco", struct.pack(">I", n) + b"".join(struct.pack(">I", o) for o in offsets))
        stbl = box(
            b"stbl",
            full(b"stsd", struct.pack(">I", 1) + box(entry, b"\x00" * 6 + b"\x00\x01")),
            full(b"stts", struct.pack(">III", 1, n, 1000)),
            full(b"stsc", struct.pack(">IIII", 1, 1, 1, 1)),
            full(b"stsz", struct.pack(">II", 0, n) + b"".join(struct.pack(">I", len(p)) for p in payloads)),
            stco,
        )
        mdhd = full(b"mdhd", struct.pack(">IIIIHH", 0, 0, 1000, 1000 * n, 0x55C4, 0))
        hdlr = full(b"hdlr", b"\x00" * 4 + b"meta" + b"\x00" * 12 + b"GoPro MET\x00")
        trak = box(b"trak", box(b"mdia", mdhd, hdlr, box(b"minf", stbl)))
        vtrak = box(b"trak", box(b"mdia", full(b"mdhd", struct.pack(">IIIIHH", 0, 0, 90000, 0, 0, 0))))
        return box(b"moov", vtrak, trak)

    size_moov = len(moov(0))
    base = len(ftyp) + size_moov + 8
    return ftyp + moov(base) + box(b"mdat", mdat_body)


@pytest.mark.parametrize("co64", [False, True])
def test_read_gps_from_a_synthetic_mp4(tmp_path: Path, co64: bool) -> None:
    p1 = gps5_payload([(48.8566, 2.3522, 35.0, 1.0, 1.1)] * 2, utc="240102030405.600")
    p2 = gps5_payload([(48.8567, 2.3523, 36.0, 1.0, 1.1)], utc="240102030406.600")
    path = tmp_path / "gopro.mp4"
    path.write_bytes(gpmd_mp4([p1, p2], co64=co64))
    got = read_gps(path)
    assert got.track == 2 and got.payloads == 2 and got.source == "GPS5" and not got.errors
    assert [(f.utc, f.lat, f.lon, f.alt, f.time) for f in got.fixes] == [
        ("2024-01-02T03:04:05.600Z", pytest.approx(48.8566), pytest.approx(2.3522), 35.0, 0.0),
        ("2024-01-02T03:04:06.600Z", pytest.approx(48.8567), pytest.approx(2.3523), 36.0, 1.0),
    ]
    assert len(read_gps(path, samples=True).samples) == 3


def test_read_gps_without_telemetry(tmp_path: Path) -> None:
    plain = tmp_path / "plain.mp4"
    plain.write_bytes(gpmd_mp4([gps5_payload([(1.0, 2.0, 3.0, 0, 0)])], entry=b"mp4v"))
    assert read_gps(plain) == GpmfGps()
    notmp4 = tmp_path / "x.bin"
    notmp4.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert read_gps(notmp4) == GpmfGps()
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert read_gps(empty) == GpmfGps()
    with pytest.raises(OSError):
        read_gps(tmp_path / "missing.mp4")


def test_read_gps_damaged_container_reports_instead_of_raising(tmp_path: Path) -> None:
    data = gpmd_mp4([gps5_payload([(1.0, 2.0, 3.0, 0, 0)]), gps5_payload([(1.5, 2.5, 3.0, 0, 0)])])
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[:-10])  # the last payload is cut short
    got = read_gps(path)
    assert got.count == 1 and got.fixes[0].lat == 1.0
    assert any("declared" in e for e in got.errors) and any("truncated" in e for e in got.errors)
    shifted = tmp_path / "shifted.mp4"
    shifted.write_bytes(gpmd_mp4([gps5_payload([(1.0, 2.0, 3.0, 0, 0)])], chunk_shift=10**9))
    got = read_gps(shifted)
    assert got.count == 0 and got.errors


def test_read_gps_caps_the_bytes_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payloads = [gps5_payload([(1.0 + i, 2.0, 3.0, 0, 0)]) for i in range(5)]
    path = tmp_path / "many.mp4"
    path.write_bytes(gpmd_mp4(payloads))
    monkeypatch.setattr(gpmf, "MAX_TOTAL_BYTES", 2 * len(payloads[0]))
    got = read_gps(path)
    assert got.count == 2 and any("read limit" in e for e in got.errors)


# ----------------------------------------------------------------------------------------- corpus


def _reference(path: Path, tag: str) -> list[str]:
    rx = re.compile(rf"^\[Doc\d+\]\s+{tag}\s+: (.*)$")
    return [m.group(1) for line in path.read_text().splitlines() if (m := rx.match(line))]


@pytest.mark.corpus
def test_karma_gps_matches_the_readme_and_exiftool(corpus: Path) -> None:
    got = read_gps(corpus / "gpmf" / "karma.mp4")
    assert not got.errors
    assert got.track == 4 and got.payloads == 13
    # README: "GPMF telemetry track with 47 GPS fixes" = the Karma's 47 Position (GLPI) samples
    # (its 47 GPS RAW samples are the same receiver; the HERO5 camera wrote no GPS5 in this clip)
    assert got.count == 47 and got.source == "GLPI" and got.streams == {"GLPI": 47, "GPRI": 47}
    # the receiver's raw stream is kept beside the fused one (ExifTool's 47 "GPS RAW" fixes), with UTC times
    assert len(got.other) == 47 and all(f.stream == "GPRI" and f.utc for f in got.other)
    # README: "first 33.1253807, -117.3310746, alt 15.61 m at 2017-04-17T19:27:58.283Z": ExifTool's
    # summary value, which is the last fix of the first telemetry payload (the 4th fix)
    readme = got.fixes[3]
    assert (readme.lat, readme.lon, readme.alt, readme.utc) == (
        33.1253807,
        -117.3310746,
        15.61,
        "2017-04-17T19:27:58.283Z",
    )
    # the chronologically first fix (ExifTool -ee, Doc1's first GPSDateTime)
    first = got.first
    assert first is not None and first == got.fixes[0]
    assert (first.lat, first.lon, first.alt, first.utc) == (
        33.1253688,
        -117.3310668,
        15.711,
        "2017-04-17T19:27:57.526Z",
    )
    utcs = [f.utc for f in got.fixes]
    assert all(u is not None for u in utcs) and utcs == sorted(utcs)  # type: ignore[type-var]
    assert got.fixes[-1].utc == "2017-04-17T19:28:09.119Z"
    assert GpmfGps.from_dict(got.to_dict()) == got


@pytest.mark.corpus
def test_karma_every_fix_matches_the_exiftool_dump(corpus: Path) -> None:
    ref = corpus / "gpmf" / "reference-metadata" / "karma.exiftool-12.57-ee.txt"
    times, lats, lons = _reference(ref, "GPSDateTime"), _reference(ref, "GPSLatitude"), _reference(ref, "GPSLongitude")
    alts = _reference(ref, "GPSAltitude")
    got = read_gps(corpus / "gpmf" / "karma.mp4")
    assert len(times) == len(lats) == len(lons) == len(alts) == got.count == 47
    for fx, t, la, lo, al in zip(got.fixes, times, lats, lons, alts, strict=True):
        lat, lon, _ = parse_place(f"{la} {lo}")  # ExifTool prints 0.01" (0.3 m)
        assert fx.lat == pytest.approx(lat, abs=3e-6) and fx.lon == pytest.approx(lon, abs=3e-6)
        assert fx.alt == pytest.approx(float(al.split()[0]), abs=1e-9)
        # '2017:04:17 19:27:57.52602' -> same instant to the millisecond
        day, clock = t.split()
        assert fx.utc is not None and fx.utc[:10] == day.replace(":", "-")
        sec = float(clock.split(":")[2])
        assert fx.utc[11:17] == clock[:6] and float(fx.utc[17:-1]) == pytest.approx(sec, abs=6e-4)


@pytest.mark.corpus
def test_karma_gps_raw_stream_matches_the_exiftool_dump(corpus: Path) -> None:
    ref = corpus / "gpmf" / "reference-metadata" / "karma.exiftool-12.57-ee.txt"
    times = _reference(ref, "GPSDateTimeRaw")
    lats = _reference(ref, "GPSLatitudeRaw")
    c = gpmf._Collector(False)
    got = read_gps(corpus / "gpmf" / "karma.mp4")
    assert got.streams["GPRI"] == len(times) == 47
    # the raw stream is reached through the same payloads; check its first sample
    first_raw = _first_gpri(corpus / "gpmf" / "karma.mp4", c)
    lat, _, _ = parse_place(f"{lats[0]} 0°E")
    assert first_raw.lat == pytest.approx(lat, abs=3e-6)
    assert first_raw.utc == "2017-04-17T19:27:57.366Z" and times[0] == "2017:04:17 19:27:57.36649"
    assert first_raw.fix == 3 and first_raw.precision == pytest.approx(0.25)


def _first_gpri(path: Path, c: gpmf._Collector) -> GpsFix:
    from vidverify.media.formats import isobmff

    with open(path, "rb") as fh:
        src = isobmff._FileSource(fh, path.stat().st_size)
        p = isobmff._Parser(src, 1000, 32, 2**24)
        tb = gpmf._gpmd_tables(p, src)
        assert tb is not None
        for off, size, t0, dur in gpmf._sample_layout(tb, []):
            c.payload(src.read(off, size), t0, dur, "x")
    c.system_times()
    return c.fixes["GPRI"][0]


_FUZZ_KEYS = ["GPS5", "GPS9", "GLPI", "GPRI", "SYST", "SCAL", "TYPE", "GPSU", "GPSF", "GPSP", "STNM", "ZZZZ"]
_FUZZ_TYPES = list("bBcdfFGjJlLqQsSU?") + ["\x00", "z"]


@st.composite
def _klv_items(draw: st.DrawFn, depth: int = 0) -> bytes:
    out = b""
    for _ in range(draw(st.integers(0, 6))):
        if depth < 3 and draw(st.integers(0, 4)) == 0:
            out += nest(draw(st.sampled_from(["DEVC", "STRM"])), draw(_klv_items(depth + 1)))
            continue
        key = draw(st.sampled_from(_FUZZ_KEYS))
        if key == "TYPE":
            t = draw(
                st.one_of(
                    st.sampled_from(["lllllllSS", "LllllsssS", "JlllSSSSBB", "JJ", "f[2]L", "c[4]l"]),
                    st.text(alphabet="bBcdfFjJlLqQsSU[]0123456789", max_size=12),
                )
            )
            out += text("TYPE", t) if t else b""
            continue
        typ = draw(st.sampled_from(_FUZZ_TYPES))
        size = draw(st.sampled_from([1, 2, 4, 8, 12, 16, 20, 28, 30, 32, 36]))
        repeat = draw(st.integers(0, 4))
        out += klv(
            key,
            typ if typ != "\x00" else "l",
            size,
            repeat,
            draw(st.binary(min_size=size * repeat, max_size=size * repeat)),
        )
    return out


@settings(max_examples=3000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_klv_items())
def test_fuzz_structured_gps_streams(payload: bytes) -> None:
    parse_klv(payload)  # well-formed KLV: the strict parser accepts it
    got = gps_from_payloads([payload], samples=True)  # arbitrary values in GPS keys: never raises
    assert got.count == len(got.fixes)
    assert GpmfGps.from_dict(got.to_dict()) == got


def test_odd_values_in_gps_keys_are_reported_not_raised() -> None:
    gps9 = nest(
        "STRM",
        text("TYPE", "lllllllSS"),
        klv("GPS9", "?", 32, 1, struct.pack(">lllllllHH", 10, 20, 0, 0, 0, 2**31 - 1, 2**31 - 1, 0, 3)),
    )
    gpsf_inf = nest("STRM", klv("GPSF", "f", 4, 1, struct.pack(">f", float("inf"))))
    gpsu_bad = nest("STRM", klv("GPSU", "U", 16, 1, b"171317192758.283"))  # month 13
    got = gps_from_payloads([nest("DEVC", gps9, gpsf_inf, gpsu_bad)])
    assert got.count == 0 and got.streams == {}  # the GPS9 sample has no usable time
    assert any("GPSU" in e for e in got.errors)


def test_regression_gpsu_with_no_value() -> None:
    """Found by hypothesis in CI: a GPSU item whose struct holds no value (an empty sample)."""
    data = bytearray(_SEED)
    data[125] = 0
    got = gps_from_payloads([bytes(data)], samples=True)
    assert isinstance(got, GpmfGps) and got.count == len(got.fixes)
