"""A defensive, pure-Python box walker for ISO BMFF / QuickTime files (MP4, MOV, 3GP, M4A, HEIC).

It reads only box headers and the small payloads it needs (never ``mdat``), so even a large file costs a
few dozen reads. Malformed input never raises: what could not be read is described in ``IsoInfo.errors``
and everything parsed before that point is returned. Only input that is not ISO BMFF at all raises
:class:`IsoBmffError`.

What it extracts:

* file type brands and a structure signature (``layout``) such as
  ``ftyp,moov[mvhd,trak[tkhd,edts,mdia],udta[meta]],mdat``;
* every container time field (``mvhd``, ``tkhd``, ``mdhd``; 1904 epoch) as ISO 8601 UTC;
* per track: handler, codec, timescale, duration, display size, rotation/mirroring from the ``tkhd``
  matrix, edit list, sample count and, for video, the keyframe times on the presentation timeline;
* metadata tags from ``udta`` (QuickTime ``©xxx`` atoms, 3GPP strings, short text atoms such as GoPro's
  ``FIRM``) and from ``meta`` (``mdta`` keys + ``ilst``, iTunes-style ``ilst``);
* XMP packets (``uuid`` box, ``udta/XMP_``, ``meta/xml``) with a few fields and the ``xmpMM:History``;
* GoPro telemetry track detection (``gpmd`` sample entry).
"""

from __future__ import annotations

import logging
import math
import os
import re
import struct
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import BinaryIO, Protocol

import numpy as np

from ...errors import UnsupportedFormatError
from ...models import Model

logger = logging.getLogger("vidverify")

__all__ = [
    "DEFAULT_MAX_BOXES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_PAYLOAD",
    "MAX_KEYFRAME_SAMPLES",
    "IsoBmffError",
    "IsoInfo",
    "IsoTrack",
    "looks_like_isobmff",
    "parse_bytes",
    "parse_file",
]

DEFAULT_MAX_BOXES = 100_000
"""Boxes visited per file before the walk stops (count)."""
DEFAULT_MAX_DEPTH = 32
"""Container nesting followed at most (levels)."""
DEFAULT_MAX_PAYLOAD = 16 * 2**20
"""Bytes read at most for one box payload (bytes)."""
MAX_KEYFRAME_SAMPLES = 4_000_000
"""Samples of one track expanded at most to compute keyframe times (count)."""
MAX_KEYFRAME_SAMPLES_TOTAL = 8_000_000
"""Samples expanded at most over all tracks of one file (count)."""
MAX_XMP_PACKET = 4 * 2**20
"""Bytes read at most for one XMP packet (bytes)."""
MAX_XMP_PACKETS = 16
"""XMP packets kept at most (count)."""
MAX_LAYOUT_TOP = 256
"""Top-level boxes listed at most in ``IsoInfo.layout`` (count); the rest is summarised as ``…(+N)``."""
MAX_LAYOUT_CHILDREN = 256
"""Children of one container listed at most in ``IsoInfo.layout`` (count)."""
LAYOUT_DEPTH = 3
"""Levels shown in ``IsoInfo.layout`` (top level = 1)."""

_EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)
_MAX_1904_SECONDS = int((datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC) - _EPOCH_1904).total_seconds())
_XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
_FIRST_BOX_TYPES = frozenset({b"ftyp", b"styp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_HEADER_PEEK = 32
_READ_WINDOW = 8192

# Containers whose children are listed in the layout, with the bytes to skip before the first child.
# ``meta`` is detected (ISO full box or QuickTime plain atom); ``iinf`` depends on its version.
_CONTAINERS: dict[bytes, int] = {
    b"moov": 0,
    b"trak": 0,
    b"mdia": 0,
    b"minf": 0,
    b"stbl": 0,
    b"edts": 0,
    b"dinf": 0,
    b"udta": 0,
    b"mvex": 0,
    b"moof": 0,
    b"traf": 0,
    b"mfra": 0,
    b"tref": 0,
    b"iprp": 0,
    b"ipco": 0,
    b"ilst": 0,
    b"sinf": 0,
    b"schi": 0,
    b"gmhd": 0,
    b"clip": 0,
    b"matt": 0,
    b"hinf": 0,
    b"hnti": 0,
    b"meco": 0,
    b"stsd": 8,
    b"dref": 8,
    b"iref": 4,
    b"meta": -1,
    b"iinf": -1,
}
_PENTAX_TAGS = b"PENTAX DIGITAL CAMERA\x00"
_3GPP_STRINGS = frozenset({b"titl", b"auth", b"dscp", b"cprt", b"perf", b"gnre", b"albm", b"kywd"})

# XMP namespaces
_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "stEvt": "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "xmpDM": "http://ns.adobe.com/xmp/1.0/DynamicMedia/",
}
_XMP_FIELDS = (
    "xmp:CreateDate",
    "xmp:ModifyDate",
    "xmp:MetadataDate",
    "xmp:CreatorTool",
    "photoshop:DateCreated",
    "exif:DateTimeOriginal",
    "xmpDM:shotDate",
)
_MAX_XMP_HISTORY = 1000
_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class IsoBmffError(UnsupportedFormatError, ValueError):
    """The input is not an ISO BMFF / QuickTime file at all (its first box is not plausible)."""


TagValue = str | int | float


@dataclass(frozen=True)
class IsoTrack(Model):
    """What one ``trak`` says. Times are seconds; sizes are pixels; ``None`` where the file does not say."""

    index: int
    """1-based position of the ``trak`` in ``moov`` (the ``N`` of ``trakN`` in timestamp field names)."""
    track_id: int | None = None
    handler_type: str | None = None
    handler_name: str | None = None
    language: str | None = None
    timescale: int | None = None
    duration: float | None = None
    """Media duration (``mdhd``), seconds."""
    tkhd_duration: float | None = None
    """Presentation duration from ``tkhd`` (movie timescale, after edits), seconds."""
    width: float | None = None
    height: float | None = None
    matrix: list[float] = field(default_factory=list)
    """``tkhd`` matrix a, b, u, c, d, v, x, y, w as floats."""
    rotation: int = 0
    """Clockwise display rotation in degrees (0, 90, 180, 270), applied after the mirror when mirrored."""
    mirrored: bool = False
    edits: list[tuple[float, float | None, float]] = field(default_factory=list)
    """Edit list: (segment duration s, media time s or None for an empty edit, rate)."""
    codec: str | None = None
    sample_entries: list[str] = field(default_factory=list)
    compressor_name: str | None = None
    coded_width: int | None = None
    coded_height: int | None = None
    channels: int | None = None
    sample_rate: float | None = None
    sample_count: int = 0
    avg_frame_rate: float | None = None
    keyframe_times: list[float] = field(default_factory=list)
    """Video tracks: sync-sample times on the presentation timeline, seconds, ascending."""


@dataclass(frozen=True)
class IsoInfo(Model):
    """Everything the box walk found. All attributes hold JSON-friendly values."""

    container: str = "mp4"
    """Family from the brands: ``mp4``, ``mov``, ``3gp``, ``m4a``, ``heif``."""
    major_brand: str | None = None
    minor_version: int | None = None
    brands: list[str] = field(default_factory=list)
    """Major brand then compatible brands, in file order, without repeats."""
    layout: str = ""
    moov_found: bool = False
    mdat_found: bool = False
    fragmented: bool = False
    movie_timescale: int | None = None
    movie_duration: float | None = None
    timestamps: list[tuple[str, str]] = field(default_factory=list)
    tracks: list[IsoTrack] = field(default_factory=list)
    tags: dict[str, TagValue] = field(default_factory=dict)
    xmp: list[str] = field(default_factory=list)
    xmp_fields: dict[str, str] = field(default_factory=dict)
    xmp_history: list[dict[str, str]] = field(default_factory=list)
    gpmd: bool = False
    errors: list[str] = field(default_factory=list)
    file_size: int = 0
    box_count: int = 0

    @property
    def video_track(self) -> IsoTrack | None:
        """The first ``vide`` track, if any."""
        return next((t for t in self.tracks if t.handler_type == "vide"), None)


# --------------------------------------------------------------------------------------------- sources


class _Source(Protocol):
    size: int

    def read(self, offset: int, n: int) -> bytes: ...


class _BytesSource:
    """Bytes held in memory; ``base`` is the absolute offset of ``data[0]``."""

    def __init__(self, data: bytes | bytearray | memoryview, base: int = 0, size: int | None = None) -> None:
        self._mv = memoryview(data)
        self._base = base
        self.size = base + len(self._mv) if size is None else size

    def read(self, offset: int, n: int) -> bytes:
        rel = offset - self._base
        if rel < 0 or n <= 0:
            return b""
        return bytes(self._mv[rel : rel + n])


class _FileSource:
    """A seekable file with a small read-ahead window for header reads."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self._fh = fh
        self.size = size
        self._win_off = -1
        self._win = b""

    def read(self, offset: int, n: int) -> bytes:
        if n <= 0 or offset < 0 or offset >= self.size:
            return b""
        n = min(n, self.size - offset)
        w0 = self._win_off
        if w0 >= 0 and w0 <= offset and offset + n <= w0 + len(self._win):
            return self._win[offset - w0 : offset - w0 + n]
        self._fh.seek(offset)
        if n > _READ_WINDOW:
            return self._fh.read(n)
        self._win = self._fh.read(_READ_WINDOW)
        self._win_off = offset
        return self._win[:n]


# ------------------------------------------------------------------------------------------- helpers


@dataclass(frozen=True, slots=True)
class _Box:
    type: bytes
    start: int
    payload: int
    end: int
    usertype: bytes = b""

    @property
    def size(self) -> int:
        return self.end - self.payload

    @property
    def name(self) -> str:
        return _fourcc(self.type)


def _fourcc(b: bytes) -> str:
    return b.decode("latin-1")


def _layout_name(b: bytes) -> str:
    return "".join(c if (" " <= c <= "~" or c == "©") else "?" for c in b.decode("latin-1"))


def _plausible_type(b: bytes) -> bool:
    return len(b) == 4 and all(0x20 <= c <= 0x7E or c == 0xA9 for c in b)


def _iso_1904(seconds: int) -> str:
    return (_EPOCH_1904 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fixed16(v: int) -> float:
    return v / 65536.0


def _lang(code: int) -> str | None:
    if code == 0 or code == 0x7FFF:
        return None
    if code < 0x400:
        return None  # Macintosh language code, not ISO 639
    chars = [((code >> s) & 0x1F) + 0x60 for s in (10, 5, 0)]
    if not all(0x61 <= c <= 0x7A for c in chars):
        return None
    return bytes(chars).decode("ascii")


def _clean_text(raw: bytes, *, mac: bool = False) -> str:
    """Text of a metadata atom without trailing NULs and padding spaces (UTF-16 if it has a BOM)."""
    raw = raw.rstrip(b"\x00")
    if raw[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return raw.decode("utf-16", errors="replace").rstrip("\x00").rstrip()
    if mac:
        try:
            return raw.decode("utf-8").rstrip()
        except UnicodeDecodeError:
            return raw.decode("mac_roman", errors="replace").rstrip()
    return raw.decode("utf-8", errors="replace").rstrip()


def _printable_ascii(raw: bytes) -> str | None:
    raw = raw.rstrip(b"\x00 ")
    if not raw or len(raw) > 256 or any(c < 0x20 or c > 0x7E for c in raw):
        return None
    return raw.decode("ascii")


def _data_value(type_code: int, raw: bytes) -> TagValue | None:
    """Decode the value of an iTunes/QuickTime ``data`` atom (well-known type codes)."""
    if type_code in (1, 4):
        return _clean_text(raw)
    if type_code in (2, 5):
        return raw.decode("utf-16-be", errors="replace").rstrip("\x00").rstrip()
    if type_code == 3:
        return raw.decode("shift_jis", errors="replace").rstrip("\x00").rstrip()
    if type_code in (21, 65, 66, 67, 74) and 1 <= len(raw) <= 8:
        return int.from_bytes(raw, "big", signed=True)
    if type_code in (22, 75, 76, 77, 78) and 1 <= len(raw) <= 8:
        return int.from_bytes(raw, "big", signed=False)
    if type_code == 23 and len(raw) == 4:
        v = struct.unpack(">f", raw)[0]
        return float(v) if math.isfinite(v) else None
    if type_code == 24 and len(raw) == 8:
        v = struct.unpack(">d", raw)[0]
        return float(v) if math.isfinite(v) else None
    if type_code in (13, 14, 27):  # JPEG / PNG / BMP cover art
        return None
    text = _printable_ascii(raw)
    if text is not None:
        return text
    if 0 < len(raw) <= 64:
        return raw.hex()
    return None


def _rotation(a: float, b: float, c: float, d: float) -> tuple[int, bool]:
    """Clockwise rotation (multiple of 90) and mirror flag from the 2x2 part of a QuickTime matrix.

    QuickTime maps a point (x, y) to (a x + c y, b x + d y). A negative determinant means a mirror; the
    rotation is then the one applied after a horizontal flip.
    """
    mirrored = a * d - b * c < 0
    if mirrored:
        a, b = -a, -b
    if a == 0 and b == 0:
        return 0, mirrored
    deg = math.degrees(math.atan2(b, a))
    return int(round(deg / 90.0)) * 90 % 360, mirrored


# ------------------------------------------------------------------------------------------- track


class _TrackBuilder:
    def __init__(self, index: int) -> None:
        self.index = index
        self.track_id: int | None = None
        self.tkhd_duration: int | None = None
        self.width: float | None = None
        self.height: float | None = None
        self.matrix: list[float] = []
        self.rotation = 0
        self.mirrored = False
        self.elst: list[tuple[int, int, float]] = []
        self.timescale: int | None = None
        self.media_duration: int | None = None
        self.language: str | None = None
        self.handler_type: str | None = None
        self.handler_name: str | None = None
        self.sample_entries: list[str] = []
        self.compressor_name: str | None = None
        self.coded_width: int | None = None
        self.coded_height: int | None = None
        self.channels: int | None = None
        self.sample_rate: float | None = None
        self.stsz_count: int | None = None
        self.stts: np.ndarray | None = None
        self.ctts: np.ndarray | None = None
        self.stss: np.ndarray | None = None


# ------------------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, src: _Source, max_boxes: int, max_depth: int, max_payload: int) -> None:
        self.src = src
        self.max_boxes = max(1, int(max_boxes))
        self.max_depth = max(1, int(max_depth))
        self.max_payload = max(0, int(max_payload))
        self.box_count = 0
        self.layout_count = 0
        self.box_limit_hit = False
        self.errors: list[str] = []
        self.major_brand: str | None = None
        self.minor_version: int | None = None
        self.brands: list[str] = []
        self.layout: list[str] = []
        self.moov_found = False
        self.mdat_found = False
        self.fragmented = False
        self.movie_timescale: int | None = None
        self.movie_duration_raw: int | None = None
        self.mvhd_seen = False
        self.timestamps: list[tuple[str, str]] = []
        self.tracks: list[_TrackBuilder] = []
        self.tags: dict[str, TagValue] = {}
        self.xmp: list[str] = []
        self.gpmd = False
        self.sample_budget = MAX_KEYFRAME_SAMPLES_TOTAL

    # ---------------------------------------------------------------- plumbing

    def error(self, msg: str) -> None:
        if len(self.errors) < 1000:
            self.errors.append(msg)
            logger.debug("isobmff: %s", msg)

    def boxes(
        self,
        src: _Source,
        start: int,
        end: int,
        where: str,
        *,
        strict_types: bool = False,
        quiet: bool = False,
    ) -> Iterator[_Box]:
        """Children of the byte range [start, end). Every step advances by at least 8 bytes."""
        end = min(end, src.size)
        off = start
        while off < end:
            if quiet:
                if self.layout_count >= self.max_boxes:
                    return
            elif self.box_count >= self.max_boxes:
                if not self.box_limit_hit:
                    self.box_limit_hit = True
                    self.error(f"box limit ({self.max_boxes}) reached in {where}; rest not read")
                return
            remaining = end - off
            hdr = src.read(off, min(remaining, _HEADER_PEEK))
            if len(hdr) < 8:
                if hdr.strip(b"\x00") and not quiet:
                    self.error(f"{remaining} trailing bytes at offset {off} in {where}")
                return
            size, typ = struct.unpack_from(">I4s", hdr)
            hsize = 8
            if size == 1:
                if len(hdr) < 16:
                    if not quiet:
                        self.error(
                            f"box {_layout_name(typ)!r} at offset {off} in {where}: truncated largesize"
                        )
                    return
                size = struct.unpack_from(">Q", hdr, 8)[0]
                hsize = 16
            elif size == 0:
                if typ == b"\x00\x00\x00\x00":
                    return  # QuickTime terminator / zero padding
                size = remaining
            if strict_types and not _plausible_type(typ):
                if not quiet:
                    self.error(f"implausible box type {typ!r} at offset {off} in {where}; stopped")
                return
            usertype = b""
            if typ == b"uuid":
                if len(hdr) < hsize + 16 or size < hsize + 16:
                    if not quiet:
                        self.error(f"uuid box at offset {off} in {where}: truncated extended type")
                    return
                usertype = hdr[hsize : hsize + 16]
                hsize += 16
            if size < hsize:
                if not quiet:
                    self.error(
                        f"box '{_layout_name(typ)}' at offset {off} in {where}: size {size} smaller than "
                        f"its header ({hsize}); stopped"
                    )
                return
            truncated = size > remaining
            if truncated:
                if not quiet:
                    self.error(
                        f"box '{_layout_name(typ)}' at offset {off} in {where}: declares {size} bytes, only "
                        f"{remaining} available (truncated)"
                    )
                size = remaining
            if quiet:
                self.layout_count += 1
            else:
                self.box_count += 1
            yield _Box(typ, off, off + hsize, off + size, usertype)
            if truncated:
                return
            off += size

    def payload(self, src: _Source, box: _Box, limit: int | None = None, where: str = "") -> bytes:
        cap = self.max_payload if limit is None else min(limit, self.max_payload)
        n = box.size
        if n > cap:
            if limit is None:
                self.error(f"box '{box.name}'{where} payload of {n} bytes exceeds max_payload; read {cap}")
            n = cap
        data = src.read(box.payload, n)
        if len(data) < min(n, max(0, src.size - box.payload)):
            self.error(f"box '{box.name}'{where}: short read")
        return data

    def meta_offset(self, src: _Source, box: _Box) -> int:
        """0 for a QuickTime ``meta`` (children directly), 4 for an ISO full box ``meta``."""
        head = src.read(box.payload, 12)
        if head[:4] == b"\x00\x00\x00\x00" and len(head) >= 12 and _plausible_type(head[8:12]):
            return 4
        if len(head) >= 8 and _plausible_type(head[4:8]) and struct.unpack_from(">I", head)[0] >= 8:
            return 0
        return 4

    def child_offset(self, src: _Source, box: _Box) -> int:
        if box.type == b"meta":
            return self.meta_offset(src, box)
        if box.type == b"iinf":
            head = src.read(box.payload, 1)
            return 6 if head[:1] == b"\x00" else 8
        return _CONTAINERS.get(box.type, 0)

    # ---------------------------------------------------------------- top level

    def run(self) -> None:
        src = self.src
        top_listed = 0
        top_more = 0
        for box in self.boxes(src, 0, src.size, "file", strict_types=True):
            t = box.type
            inner: _Source = src
            if t == b"moov" and isinstance(src, _FileSource) and box.size <= self.max_payload:
                inner = _BytesSource(src.read(box.payload, box.size), base=box.payload, size=src.size)
            if top_listed < MAX_LAYOUT_TOP:
                self.layout.append(self.layout_entry(inner, box, 1))
                top_listed += 1
            else:
                top_more += 1
            if t == b"ftyp" and self.major_brand is None:
                self.parse_ftyp(src, box)
            elif t == b"moov":
                if self.moov_found:
                    self.error(f"second moov box at offset {box.start} ignored")
                    continue
                self.moov_found = True
                self.parse_moov(inner, box)
            elif t == b"mdat":
                self.mdat_found = True
            elif t == b"moof":
                self.fragmented = True
            elif t == b"uuid" and box.usertype == _XMP_UUID:
                self.add_xmp(self.xmp_payload(src, box))
            elif t == b"meta":
                self.parse_meta(src, box, 2, "")
        if top_more:
            self.layout.append(f"…(+{top_more})")

    def layout_entry(self, src: _Source, box: _Box, depth: int) -> str:
        name = _layout_name(box.type)
        if depth >= LAYOUT_DEPTH or box.type not in _CONTAINERS or box.type == b"stsd":
            return name
        if depth + 1 > self.max_depth:
            return name
        start = box.payload + self.child_offset(src, box)
        kids: list[str] = []
        more = 0
        for child in self.boxes(src, start, box.end, name, quiet=True):
            if len(kids) < MAX_LAYOUT_CHILDREN:
                kids.append(self.layout_entry(src, child, depth + 1))
            else:
                more += 1
        if more:
            kids.append(f"…(+{more})")
        return f"{name}[{','.join(kids)}]" if kids else name

    def parse_ftyp(self, src: _Source, box: _Box) -> None:
        data = self.payload(src, box, limit=4096)
        if len(data) < 8:
            self.error("ftyp box shorter than 8 bytes")
            if len(data) >= 4:
                self.major_brand = _fourcc(data[:4])
                self.brands = [self.major_brand]
            return
        self.major_brand = _fourcc(data[:4])
        self.minor_version = struct.unpack_from(">I", data, 4)[0]
        brands = [self.major_brand]
        for i in range(8, len(data) - 3, 4):
            b = _fourcc(data[i : i + 4])
            if b not in brands and data[i : i + 4] != b"\x00\x00\x00\x00":
                brands.append(b)
        self.brands = brands

    # ---------------------------------------------------------------- moov

    def parse_moov(self, src: _Source, moov: _Box) -> None:
        for box in self.boxes(src, moov.payload, moov.end, "moov"):
            t = box.type
            if t == b"mvhd":
                if not self.mvhd_seen:
                    self.mvhd_seen = True
                    self.parse_mvhd(src, box)
            elif t == b"trak":
                tb = _TrackBuilder(len(self.tracks) + 1)
                self.tracks.append(tb)
                self.parse_trak(src, box, tb)
            elif t == b"udta":
                self.parse_udta(src, box, 3, "")
            elif t == b"meta":
                self.parse_meta(src, box, 3, "")
            elif t == b"mvex":
                self.fragmented = True
            elif t == b"uuid" and box.usertype == _XMP_UUID:
                self.add_xmp(self.xmp_payload(src, box))

    def add_time(self, name: str, value: int) -> None:
        if value > _MAX_1904_SECONDS:
            self.error(f"{name} out of range ({value} s after 1904)")
            return
        self.timestamps.append((name, _iso_1904(value)))

    def versioned(self, d: bytes, name: str, v1: str, v0: str) -> tuple[tuple[int, ...], int] | None:
        """Unpack a version 0/1 full box's leading fields (``v1``/``v0`` struct formats after version+flags):
        (fields, offset after them), or None (with an error recorded) when truncated or of an unknown version."""
        if len(d) < 4:
            self.error(f"{name} truncated")
            return None
        if d[0] > 1:  # only versions 0 and 1 exist: the box is damaged and its fields are not to be trusted
            self.error(f"{name} has unknown version {d[0]} (damaged box); its fields are ignored")
            return None
        fmt = v1 if d[0] == 1 else v0
        end = 4 + struct.calcsize(fmt)
        if len(d) < end:
            self.error(f"{name} (v{d[0]}) truncated")
            return None
        return struct.unpack_from(fmt, d, 4), end

    def parse_mvhd(self, src: _Source, box: _Box) -> None:
        d = self.payload(src, box, limit=128)
        got = self.versioned(d, "mvhd", ">QQIQ", ">IIII")
        if got is None:
            return
        ctime, mtime, ts, dur = got[0]
        self.add_time("mvhd.creation_time", ctime)
        self.add_time("mvhd.modification_time", mtime)
        self.movie_timescale = ts
        self.movie_duration_raw = dur
        if ts == 0:
            self.error("mvhd timescale is 0")

    # ---------------------------------------------------------------- trak

    def parse_trak(self, src: _Source, trak: _Box, tb: _TrackBuilder) -> None:
        where = f"trak{tb.index}"
        for box in self.boxes(src, trak.payload, trak.end, where):
            t = box.type
            if t == b"tkhd":
                self.parse_tkhd(src, box, tb)
            elif t == b"edts":
                for e in self.boxes(src, box.payload, box.end, f"{where}.edts"):
                    if e.type == b"elst" and not tb.elst:
                        self.parse_elst(src, e, tb)
            elif t == b"mdia":
                self.parse_mdia(src, box, tb)
            elif t == b"udta":
                self.parse_udta(src, box, 4, f"{where}.")
            elif t == b"meta":
                self.parse_meta(src, box, 4, f"{where}.")
            elif t == b"uuid" and box.usertype == _XMP_UUID:
                self.add_xmp(self.xmp_payload(src, box))

    def parse_tkhd(self, src: _Source, box: _Box, tb: _TrackBuilder) -> None:
        d = self.payload(src, box, limit=128)
        name = f"trak{tb.index}.tkhd"
        got = self.versioned(d, name, ">QQIIQ", ">IIIII")
        if got is None:
            return
        (ctime, mtime, tid, _, dur), rest = got
        self.add_time(f"{name}.creation_time", ctime)
        self.add_time(f"{name}.modification_time", mtime)
        tb.track_id = tid
        tb.tkhd_duration = dur
        # reserved(8) layer(2) alternate_group(2) volume(2) reserved(2) matrix(36) width(4) height(4)
        mpos = rest + 16
        if len(d) >= mpos + 36:
            m = struct.unpack_from(">9i", d, mpos)
            mat = [
                _fixed16(m[0]),
                _fixed16(m[1]),
                m[2] / 2**30,
                _fixed16(m[3]),
                _fixed16(m[4]),
                m[5] / 2**30,
                _fixed16(m[6]),
                _fixed16(m[7]),
                m[8] / 2**30,
            ]
            tb.matrix = mat
            tb.rotation, tb.mirrored = _rotation(mat[0], mat[1], mat[3], mat[4])
        if len(d) >= mpos + 44:
            w, h = struct.unpack_from(">II", d, mpos + 36)
            tb.width, tb.height = _fixed16(w), _fixed16(h)

    def parse_elst(self, src: _Source, box: _Box, tb: _TrackBuilder) -> None:
        d = self.payload(src, box, limit=12 + 20 * 10_000)
        if len(d) < 8:
            self.error(f"trak{tb.index}.elst truncated")
            return
        version = d[0]
        count = struct.unpack_from(">I", d, 4)[0]
        esize = 20 if version == 1 else 12
        avail = (len(d) - 8) // esize
        if count > avail:
            self.error(f"trak{tb.index}.elst declares {count} entries, {avail} present")
            count = avail
        fmt = ">Qqi" if version == 1 else ">Iii"
        for i in range(count):
            seg, mt, rate = struct.unpack_from(fmt, d, 8 + i * esize)
            tb.elst.append((seg, mt, _fixed16(rate)))

    def parse_mdia(self, src: _Source, mdia: _Box, tb: _TrackBuilder) -> None:
        where = f"trak{tb.index}.mdia"
        for box in self.boxes(src, mdia.payload, mdia.end, where):
            t = box.type
            if t == b"mdhd":
                self.parse_mdhd(src, box, tb)
            elif t == b"hdlr" and tb.handler_type is None:
                htype, hname = self.parse_hdlr(src, box)
                tb.handler_type, tb.handler_name = htype, hname
            elif t == b"minf":
                for m in self.boxes(src, box.payload, box.end, f"{where}.minf"):
                    if m.type == b"stbl":
                        self.parse_stbl(src, m, tb)

    def parse_mdhd(self, src: _Source, box: _Box, tb: _TrackBuilder) -> None:
        d = self.payload(src, box, limit=64)
        name = f"trak{tb.index}.mdhd"
        got = self.versioned(d, name, ">QQIQ", ">IIII")
        if got is None:
            return
        (ctime, mtime, ts, dur), lpos = got
        self.add_time(f"{name}.creation_time", ctime)
        self.add_time(f"{name}.modification_time", mtime)
        tb.timescale = ts
        tb.media_duration = dur
        if ts == 0:
            self.error(f"{name} timescale is 0")
        if len(d) >= lpos + 2:
            tb.language = _lang(struct.unpack_from(">H", d, lpos)[0])

    def parse_hdlr(self, src: _Source, box: _Box) -> tuple[str | None, str | None]:
        d = self.payload(src, box, limit=1024)
        if len(d) < 12:
            self.error("hdlr truncated")
            return None, None
        htype = _fourcc(d[8:12])
        raw = d[24:]
        name: str | None = None
        if raw:
            n = raw[0]
            if 0 < n < len(raw) and b"\x00" not in raw[1 : 1 + n] and not raw[1 + n :].strip(b"\x00"):
                # QuickTime: Pascal string (length byte)
                name = _clean_text(raw[1 : 1 + n], mac=True)
            else:
                name = _clean_text(raw.split(b"\x00", 1)[0])
        return htype, (name or None)

    def parse_stbl(self, src: _Source, stbl: _Box, tb: _TrackBuilder) -> None:
        where = f"trak{tb.index}.stbl"
        for box in self.boxes(src, stbl.payload, stbl.end, where):
            t = box.type
            if t == b"stsd":
                self.parse_stsd(src, box, tb)
            elif t == b"stts":
                tb.stts = self.table(src, box, 2, signed=False, where=where)
            elif t == b"ctts":
                tb.ctts = self.table(src, box, 2, signed=True, where=where)
            elif t == b"stss":
                tb.stss = self.table(src, box, 1, signed=False, where=where)
            elif t in (b"stsz", b"stz2"):
                tb.stsz_count = self.sample_count(src, box, where)

    def sample_count(self, src: _Source, box: _Box, where: str) -> int | None:
        """Sample count of ``stsz``/``stz2``, capped at the entries the box really holds."""
        d = self.payload(src, box, limit=12)
        if len(d) < 12:
            self.error(f"{box.name} in {where} truncated")
            return None
        count: int = struct.unpack_from(">I", d, 8)[0]
        if box.type == b"stsz":
            if struct.unpack_from(">I", d, 4)[0] != 0:
                return count  # constant sample size: no table
            bits = 32
        else:
            bits = d[7] or 32
        held = (box.size - 12) * 8 // bits
        if count > held:
            self.error(f"{box.name} in {where} declares {count} samples, {held} present")
            count = held
        return count

    def table(self, src: _Source, box: _Box, cols: int, *, signed: bool, where: str) -> np.ndarray:
        """A full box holding ``entry_count`` then rows of ``cols`` 32-bit integers (as int64)."""
        d = self.payload(src, box, where=f" in {where}")
        if len(d) < 8:
            self.error(f"{box.name} in {where} truncated")
            return np.zeros((0, cols), dtype=np.int64)
        count = struct.unpack_from(">I", d, 4)[0]
        avail = (len(d) - 8) // (4 * cols)
        if count > avail:
            self.error(f"{box.name} in {where} declares {count} entries, {avail} present")
            count = avail
        arr = np.frombuffer(d, dtype=">u4", count=count * cols, offset=8).reshape(count, cols)
        arr = arr.astype(np.int64)
        if signed:
            # ctts offsets are signed in practice (version 1, and many version 0 writers)
            col = arr[:, -1]
            arr[:, -1] = np.where(col >= 2**31, col - 2**32, col)
        return arr

    def parse_stsd(self, src: _Source, box: _Box, tb: _TrackBuilder) -> None:
        where = f"trak{tb.index}.stsd"
        first = True
        for entry in self.boxes(src, box.payload + 8, box.end, where):
            if len(tb.sample_entries) >= 64:
                break
            tb.sample_entries.append(_fourcc(entry.type))
            if entry.type == b"gpmd":
                self.gpmd = True
            if not first:
                continue
            first = False
            d = self.payload(src, entry, limit=80)
            if tb.handler_type == "vide" and len(d) >= 74:
                tb.coded_width, tb.coded_height = struct.unpack_from(">HH", d, 24)
                n = min(d[42], 31)
                name = d[43 : 43 + n].rstrip(b"\x00")
                if name:
                    tb.compressor_name = _clean_text(name, mac=True)
            elif tb.handler_type == "soun" and len(d) >= 28:
                version = struct.unpack_from(">H", d, 8)[0]
                if version == 2 and len(d) >= 44:
                    rate = struct.unpack_from(">d", d, 32)[0]
                    tb.sample_rate = float(rate) if math.isfinite(rate) else None
                    tb.channels = struct.unpack_from(">I", d, 40)[0]
                else:
                    tb.channels = struct.unpack_from(">H", d, 16)[0]
                    tb.sample_rate = _fixed16(struct.unpack_from(">I", d, 24)[0])

    # ---------------------------------------------------------------- udta / meta / ilst

    def set_tag(self, key: str, value: TagValue | None) -> None:
        if value is None or value == "":
            return
        if key not in self.tags and len(self.tags) < 10_000:
            self.tags[key] = value

    def parse_udta(self, src: _Source, udta: _Box, depth: int, prefix: str) -> None:
        if depth > self.max_depth:
            self.error(f"{prefix}udta nested too deep")
            return
        for box in self.boxes(src, udta.payload, udta.end, f"{prefix}udta"):
            t = box.type
            if t == b"meta":
                self.parse_meta(src, box, depth + 1, prefix)
            elif t == b"XMP_":
                self.add_xmp(self.xmp_payload(src, box))
            elif t == b"uuid":
                if box.usertype == _XMP_UUID:
                    self.add_xmp(self.xmp_payload(src, box))
            elif t[0] == 0xA9:
                self.set_tag(prefix + box.name, self.quicktime_text(src, box))
            elif t in _3GPP_STRINGS:
                d = self.payload(src, box, limit=4096)
                if len(d) > 6:
                    self.set_tag(prefix + box.name, _clean_text(d[6:]))
            elif t == b"yrrc":
                d = self.payload(src, box, limit=16)
                if len(d) >= 6:
                    self.set_tag(prefix + box.name, struct.unpack_from(">H", d, 4)[0])
            elif t == b"TAGS" and self.payload(src, box, limit=22) == _PENTAX_TAGS:
                # Pentax cameras: a binary maker-note block whose first 24 bytes are the make (ExifTool Pentax::MOV)
                self.set_tag(prefix + "pentax.Make", _clean_text(self.payload(src, box, limit=24).split(b"\x00")[0]))
            elif box.size <= 256:
                d = self.payload(src, box, limit=256)
                self.set_tag(prefix + box.name, _printable_ascii(d))

    def quicktime_text(self, src: _Source, box: _Box) -> TagValue | None:
        """A QuickTime ``©xxx`` user-data atom: (size16, language16, text)... or an iTunes ``data`` atom."""
        d = self.payload(src, box, limit=64 * 1024)
        if len(d) >= 16 and d[4:8] == b"data":
            return self.data_atom(d, 0)
        if len(d) < 4:
            return _printable_ascii(d)
        n, lang = struct.unpack_from(">HH", d, 0)
        if n > len(d) - 4:
            if n > len(d):
                self.error(f"udta {box.name}: text size {n} exceeds atom")
            n = len(d) - 4
        return _clean_text(d[4 : 4 + n], mac=lang < 0x400)

    def data_atom(self, d: bytes, off: int) -> TagValue | None:
        if off + 16 > len(d):
            return None
        size = struct.unpack_from(">I", d, off)[0]
        end = len(d) if size < 16 else min(len(d), off + size)
        type_code = struct.unpack_from(">I", d, off + 8)[0] & 0xFFFFFF
        return _data_value(type_code, d[off + 16 : end])

    def parse_meta(self, src: _Source, meta: _Box, depth: int, prefix: str) -> None:
        if depth > self.max_depth:
            self.error(f"{prefix}meta nested too deep")
            return
        start = meta.payload + self.meta_offset(src, meta)
        keys: list[str] | None = None
        ilst: _Box | None = None
        for box in self.boxes(src, start, meta.end, f"{prefix}meta"):
            t = box.type
            if t == b"keys":
                keys = self.parse_keys(src, box)
            elif t == b"ilst":
                ilst = box
            elif t == b"xml ":
                d = self.xmp_payload(src, box)[4:]
                if b"adobe:ns:meta" in d or b"<rdf:RDF" in d or b"xmpmeta" in d:
                    self.add_xmp(d)
            elif t == b"XMP_" or (t == b"uuid" and box.usertype == _XMP_UUID):
                self.add_xmp(self.xmp_payload(src, box))
        if ilst is not None:
            self.parse_ilst(src, ilst, keys, prefix)

    def parse_keys(self, src: _Source, box: _Box) -> list[str]:
        d = self.payload(src, box, where=" (keys)")
        if len(d) < 8:
            self.error("keys box truncated")
            return []
        count = struct.unpack_from(">I", d, 4)[0]
        out: list[str] = []
        off = 8
        for _ in range(min(count, 100_000)):
            if off + 8 > len(d):
                self.error(f"keys box declares {count} keys, {len(out)} present")
                break
            ksize = struct.unpack_from(">I", d, off)[0]
            if ksize < 8 or off + ksize > len(d):
                self.error(f"keys entry {len(out) + 1} has invalid size {ksize}")
                break
            out.append(_clean_text(d[off + 8 : off + ksize]))
            off += ksize
        return out

    def parse_ilst(self, src: _Source, ilst: _Box, keys: list[str] | None, prefix: str) -> None:
        d = self.payload(src, ilst, where=" (ilst)")
        isrc = _BytesSource(d, base=ilst.payload, size=ilst.payload + len(d))
        for item in self.boxes(isrc, ilst.payload, ilst.payload + len(d), f"{prefix}ilst"):
            key: str | None = None
            idx = struct.unpack(">I", item.type)[0]
            if keys is not None and 1 <= idx <= len(keys):
                key = keys[idx - 1]
            elif not _plausible_type(item.type):
                self.error(f"ilst item {item.type!r} refers to no key")
                continue
            else:
                key = item.name
            mean = name = None
            value: TagValue | None = None
            for sub in self.boxes(isrc, item.payload, item.end, f"ilst {_layout_name(item.type)}"):
                sd = isrc.read(sub.payload, sub.size)
                if sub.type == b"data" and value is None and len(sd) >= 8:
                    value = _data_value(struct.unpack_from(">I", sd, 0)[0] & 0xFFFFFF, sd[8:])
                elif sub.type == b"mean" and len(sd) >= 4:
                    mean = _clean_text(sd[4:])
                elif sub.type == b"name" and len(sd) >= 4:
                    name = _clean_text(sd[4:])
            if item.type == b"----" and name:
                key = f"----:{mean}:{name}" if mean else f"----:{name}"
            self.set_tag(prefix + key if self.tags.get(prefix + key, value) == value else f"{prefix}ilst.{key}", value)

    # ---------------------------------------------------------------- XMP

    def xmp_payload(self, src: _Source, box: _Box) -> bytes:
        if box.size > MAX_XMP_PACKET:
            self.error(
                f"XMP packet of {box.size} bytes at offset {box.start} exceeds {MAX_XMP_PACKET}; ignored"
            )
            return b""
        return self.payload(src, box, where=" (XMP)")

    def add_xmp(self, raw: bytes) -> None:
        raw = raw.rstrip(b"\x00")
        if not raw.strip():
            return
        if raw[:2] in (b"\xfe\xff", b"\xff\xfe"):
            text = raw.decode("utf-16", errors="replace")
        else:
            text = raw.decode("utf-8", errors="replace")
        if len(self.xmp) < MAX_XMP_PACKETS:
            self.xmp.append(text)
        else:
            self.error(f"more than {MAX_XMP_PACKETS} XMP packets; rest ignored")

    # ---------------------------------------------------------------- result

    def finish_track(self, tb: _TrackBuilder) -> IsoTrack:
        mts = self.movie_timescale or 0
        ts = tb.timescale or 0
        edits: list[tuple[float, float | None, float]] = []
        for seg, mt, rate in tb.elst:
            seg_s = seg / mts if mts else 0.0
            mt_s: float | None = None if mt == -1 else (mt / ts if ts else 0.0)
            edits.append((seg_s, mt_s, rate))
        sample_count = tb.stsz_count
        stts_count = int(tb.stts[:, 0].sum()) if tb.stts is not None and len(tb.stts) else None
        if sample_count is None:
            sample_count = stts_count or 0
        elif stts_count is not None and stts_count != sample_count:
            self.error(f"trak{tb.index}: stsz lists {sample_count} samples, stts {stts_count} (damaged sample table)")
        duration = tb.media_duration / ts if ts and tb.media_duration is not None else None
        keyframes: list[float] = []
        if tb.handler_type == "vide" and ts and tb.stts is not None and len(tb.stts):
            keyframes = self.keyframe_times(tb, sample_count)
        avg = None
        if tb.handler_type == "vide" and duration and sample_count:
            avg = sample_count / duration
        return IsoTrack(
            index=tb.index,
            track_id=tb.track_id,
            handler_type=tb.handler_type,
            handler_name=tb.handler_name,
            language=tb.language,
            timescale=tb.timescale,
            duration=duration,
            tkhd_duration=(tb.tkhd_duration / mts if mts and tb.tkhd_duration is not None else None),
            width=tb.width,
            height=tb.height,
            matrix=tb.matrix,
            rotation=tb.rotation,
            mirrored=tb.mirrored,
            edits=edits,
            codec=tb.sample_entries[0] if tb.sample_entries else None,
            sample_entries=tb.sample_entries,
            compressor_name=tb.compressor_name,
            coded_width=tb.coded_width,
            coded_height=tb.coded_height,
            channels=tb.channels,
            sample_rate=tb.sample_rate,
            sample_count=sample_count,
            avg_frame_rate=avg,
            keyframe_times=keyframes,
        )

    def keyframe_times(self, tb: _TrackBuilder, sample_count: int) -> list[float]:
        """Sync-sample presentation times (s): stts → DTS, + ctts → PTS, at stss, then the edit list."""
        assert tb.stts is not None and tb.timescale
        counts = tb.stts[:, 0]
        deltas = tb.stts[:, 1]
        cum = np.cumsum(counts)
        total = int(cum[-1])
        n = min(total, MAX_KEYFRAME_SAMPLES)
        if sample_count and sample_count < n:
            n = sample_count
        if n > self.src.size:  # every sample takes at least a byte: 4M "samples" in a 1 KB file cost 300 MB
            self.error(f"trak{tb.index}: {n} samples declared in a file of {self.src.size} bytes; keyframe times "
                       f"cover the first {self.src.size}")
            n = self.src.size
        if n > self.sample_budget:
            self.error(f"trak{tb.index}: sample budget for keyframe times exhausted; skipped")
            return []
        self.sample_budget -= n
        if total > MAX_KEYFRAME_SAMPLES:
            self.error(
                f"trak{tb.index}: {total} samples; keyframe times cover the first {MAX_KEYFRAME_SAMPLES}"
            )
        capped = np.minimum(cum, n)
        counts = np.diff(capped, prepend=0)
        if n <= 0:
            return []
        durations = np.repeat(deltas, counts)
        dts = np.zeros(n, dtype=np.int64)
        np.cumsum(durations[:-1], out=dts[1:])
        pts = dts
        if tb.ctts is not None and len(tb.ctts):
            ccum = np.minimum(np.cumsum(tb.ctts[:, 0]), n)
            offsets = np.repeat(tb.ctts[:, 1], np.diff(ccum, prepend=0))
            if len(offsets) < n:
                offsets = np.concatenate([offsets, np.zeros(n - len(offsets), dtype=np.int64)])
            pts = dts + offsets
        if tb.stss is not None:
            idx = tb.stss[:, 0] - 1
            idx = idx[(idx >= 0) & (idx < n)]
            sync = pts[idx]
        else:
            sync = pts
        empty = 0
        media_time = 0
        for seg, mt, _rate in tb.elst:
            if mt == -1:
                empty += seg
                continue
            media_time = mt
            break
        mts = self.movie_timescale or 0
        offset_s = empty / mts if mts else 0.0
        times = (sync - media_time).astype(np.float64) / float(tb.timescale) + offset_s
        times.sort()
        return [float(x) for x in np.round(times, 9)]

    def result(self) -> IsoInfo:
        tracks = []
        for tb in self.tracks:
            try:
                tracks.append(self.finish_track(tb))
            except (ValueError, OverflowError, MemoryError) as exc:  # defensive: never fail the whole file
                self.error(f"trak{tb.index}: could not be summarised ({exc})")
                tracks.append(IsoTrack(index=tb.index))
        xmp_fields: dict[str, str] = {}
        xmp_history: list[dict[str, str]] = []
        for packet in self.xmp:
            f, h = _parse_xmp(packet, self.error)
            for k, v in f.items():
                xmp_fields.setdefault(k, v)
            xmp_history.extend(h[: max(0, _MAX_XMP_HISTORY - len(xmp_history))])
        mts = self.movie_timescale
        return IsoInfo(
            container=_container(self.brands),
            major_brand=self.major_brand,
            minor_version=self.minor_version,
            brands=self.brands,
            layout=",".join(self.layout),
            moov_found=self.moov_found,
            mdat_found=self.mdat_found,
            fragmented=self.fragmented,
            movie_timescale=mts,
            movie_duration=(
                self.movie_duration_raw / mts if mts and self.movie_duration_raw is not None else None
            ),
            timestamps=self.timestamps,
            tracks=tracks,
            tags=self.tags,
            xmp=self.xmp,
            xmp_fields=xmp_fields,
            xmp_history=xmp_history,
            gpmd=self.gpmd,
            errors=self.errors,
            file_size=self.src.size,
            box_count=self.box_count,
        )


def _container(brands: list[str]) -> str:
    if not brands:
        return "mov"
    major = brands[0]
    if major == "qt  ":
        return "mov"
    if major in ("heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis", "mif2"):
        return "heif"
    if major.startswith("3g"):
        return "3gp"
    if major in ("M4A ", "M4B ", "M4P "):
        return "m4a"
    return "mp4"


# ------------------------------------------------------------------------------------------- XMP parse


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _prefixed(tag: str) -> str | None:
    ns, name = _local(tag)
    for prefix, uri in _NS.items():
        if uri == ns:
            return f"{prefix}:{name}"
    return None


def _element_text(el: ET.Element) -> str | None:
    text = (el.text or "").strip()
    if text:
        return text
    for li in el.iter(f"{{{_NS['rdf']}}}li"):
        t = (li.text or "").strip()
        if t:
            return t
    return None


def _parse_xmp(packet: str, report: Callable[[str], None]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """A few fields and the edit history of one XMP packet. DTDs/entities are refused; errors are reported."""
    raw = packet.encode("utf-8", errors="replace")
    if _DTD_RE.search(raw):
        report("XMP packet with DOCTYPE/ENTITY ignored")
        return {}, []
    start = raw.find(b"<x:xmpmeta")
    if start < 0:
        start = raw.find(b"<rdf:RDF")
    if start >= 0:
        for end_tag in (b"</x:xmpmeta>", b"</rdf:RDF>"):
            end = raw.rfind(end_tag)
            if end > start:
                raw = raw[start : end + len(end_tag)]
                break
    try:
        root = ET.fromstring(raw)
    except (ET.ParseError, ValueError) as exc:
        report(f"malformed XMP packet ignored ({exc})")
        return {}, []
    wanted = set(_XMP_FIELDS)
    found: dict[str, str] = {}
    history: list[dict[str, str]] = []
    for el in root.iter():
        # shorthand: properties as attributes of rdf:Description
        for attr, val in el.attrib.items():
            key = _prefixed(attr)
            if key in wanted and val.strip():
                found.setdefault(key, val.strip())
        key = _prefixed(el.tag) if isinstance(el.tag, str) else None
        if key in wanted:
            text = _element_text(el)
            if text:
                found.setdefault(key, text)
        elif key == "xmpMM:History":
            for li in el.iter(f"{{{_NS['rdf']}}}li"):
                if len(history) >= _MAX_XMP_HISTORY:
                    break
                entry: dict[str, str] = {}
                for sub in li.iter():
                    for attr, val in sub.attrib.items():
                        k = _prefixed(attr)
                        if k and k.startswith("stEvt:"):
                            entry.setdefault(k, val.strip())
                    k = _prefixed(sub.tag) if isinstance(sub.tag, str) else None
                    if k and k.startswith("stEvt:") and (sub.text or "").strip():
                        entry.setdefault(k, (sub.text or "").strip())
                if entry:
                    history.append(entry)
    return found, history


# ------------------------------------------------------------------------------------------- public API


def looks_like_isobmff(head: bytes) -> bool:
    """True when ``head`` (the first 12+ bytes of a file) starts like an ISO BMFF / QuickTime file.

    That is an ``ftyp`` (or ``styp``) box, or a ``moov``/``mdat``/``wide``/``free``/``skip``/``pnot`` atom
    as the first box (old QuickTime files have no ``ftyp``).
    """
    if len(head) < 8:
        return False
    size, typ = struct.unpack_from(">I4s", head)
    if typ not in _FIRST_BOX_TYPES:
        return False
    if size == 1:
        if len(head) >= 16 and struct.unpack_from(">Q", head, 8)[0] < 16:
            return False
    elif size != 0 and size < 8:
        return False
    if typ in (b"ftyp", b"styp"):
        if size not in (0, 1) and size < 12:
            return False
        if len(head) >= 12 and not _plausible_type(head[8:12]):
            return False
    return True


def _parse(
    src: _Source, max_boxes: int, max_depth: int, max_payload: int, path: str | None = None
) -> IsoInfo:
    head = src.read(0, 16)
    if not looks_like_isobmff(head):
        raise IsoBmffError(
            "not an ISO BMFF / QuickTime file (first box is not ftyp/moov/mdat/free/...)", path=path
        )
    parser = _Parser(src, max_boxes, max_depth, max_payload)
    try:
        parser.run()
    except (struct.error, ValueError, IndexError, OverflowError, MemoryError) as exc:
        # Defensive backstop: a bug or an unforeseen layout must not lose what was parsed so far.
        parser.error(f"parse stopped: {type(exc).__name__}: {exc}")
        logger.debug("isobmff: parse stopped", exc_info=True)
    return parser.result()


def parse_bytes(
    data: bytes | bytearray | memoryview,
    *,
    max_boxes: int = DEFAULT_MAX_BOXES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_payload: int = DEFAULT_MAX_PAYLOAD,
) -> IsoInfo:
    """Parse an ISO BMFF / QuickTime file held in memory. Raises only :class:`IsoBmffError`."""
    return _parse(_BytesSource(data), max_boxes, max_depth, max_payload)


def parse_file(
    path: str | os.PathLike[str],
    *,
    max_boxes: int = DEFAULT_MAX_BOXES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_payload: int = DEFAULT_MAX_PAYLOAD,
) -> IsoInfo:
    """Parse an ISO BMFF / QuickTime file, reading only box headers and the small payloads needed.

    Raises :class:`IsoBmffError` when the file is not ISO BMFF at all, and ``OSError`` when it cannot be
    opened; malformed content is reported in ``IsoInfo.errors`` instead.
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        return _parse(_FileSource(fh, size), max_boxes, max_depth, max_payload, path=os.fspath(path))
