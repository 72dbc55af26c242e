"""Probe's collector of facts and the small readers that feed it besides PyAV and the box walker: AVCHD's MDPM
block, XMP in a RIFF chunk, an encoder's signature in the first media bytes (moved out of probe.py, at its size cap).
"""

from __future__ import annotations

import os
import re
from typing import Any, BinaryIO

from ..evidence import dates
from ..models import GPS, Timestamp
from .formats import isobmff, toplevel

_MDPM_UUID = bytes.fromhex("17ee8c60f84d11d98cd60800200c9a66") + b"MDPM"
_MDPM_MAKES = {0x0103: "Panasonic", 0x0108: "Sony", 0x1011: "Canon", 0x1104: "JVC"}
MAX_TIMESTAMPS = 512  # time fields kept per file (a file of 1000 tracks has 4000)


GPS_SAME_M = 50.0  # two stated positions closer than this are one (rounding, a camera's two writers)


def _metres(a: GPS, b: GPS) -> float:
    from ..evidence.place import distance_m

    return distance_m((a.lat, a.lon), (b.lat, b.lon))


class _Collector:
    """Gathers facts from the sources, then builds the MediaInfo."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fields: dict[str, Any] = {}
        self.timestamps: list[Timestamp] = []
        self.seen: set[tuple[str, str]] = set()
        self.errors: list[str] = []
        self.tags: dict[str, str] = {}
        self.device: dict[str, tuple[str, str]] = {}  # make/model/software/encoder -> (value, source)
        self.gps: GPS | None = None
        self.other_gps: list[GPS] = []

    def time(self, field: str, raw: Any) -> None:
        parsed = dates.parse_time(str(raw)) if raw is not None else None
        if parsed is None:
            return
        iso, tz = parsed
        if (field, iso) in self.seen or len(self.timestamps) >= MAX_TIMESTAMPS:
            return
        self.seen.add((field, iso))
        self.timestamps.append(Timestamp(field, iso, tz))

    def dev(self, key: str, value: Any, source: str) -> None:
        if value is None:
            return
        text = str(value).strip().strip("\x00").strip()
        if text and key not in self.device:
            self.device[key] = (text, source)

    def set_gps(self, lat: float, lon: float, alt: float | None, source: str) -> None:
        """The first position is ``gps``; a later one elsewhere (more than GPS_SAME_M away) is kept beside it, with
        its source: two positions that disagree are both reported, never one picked silently."""
        if lat == 0 and lon == 0:
            return
        g = GPS(round(lat, 7), round(lon, 7), None if alt is None else round(alt, 3), source)
        if self.gps is None:
            self.gps = g
        elif all(_metres(g, h) > GPS_SAME_M for h in (self.gps, *self.other_gps)) and len(self.other_gps) < 16:
            self.other_gps.append(g)


def _ours(tag: str) -> bool:
    """``vidverify.*`` tags are probe's own findings: a file that carries such a key (a crafted udta/keys entry)
    must not pose as one, nor feed parsers that trust them."""
    return tag.lower().startswith("vidverify.")


def _read_mdpm(c: _Collector, container: Any, video: Any) -> None:
    """AVCHD cameras write date/time (with zone) and make into an MDPM SEI of the first access units."""
    try:
        for i, packet in enumerate(container.demux(video)):
            data = bytes(packet)
            pos = data.find(_MDPM_UUID)
            if pos >= 0:
                _parse_mdpm(c, data[pos + len(_MDPM_UUID):])
                return
            if i > 60:
                return
    except Exception as exc:  # damaged stream: the facts we have stand
        c.errors.append(f"AVCHD MDPM: {exc}")


def _bcd(b: int) -> int:
    return (b >> 4) * 10 + (b & 0x0F)


def _parse_mdpm(c: _Collector, data: bytes) -> None:
    if not data:
        return
    count = data[0]
    entries: dict[int, bytes] = {}
    for k in range(min(count, 64)):
        off = 1 + 5 * k
        if off + 5 > len(data):
            break
        entries.setdefault(data[off], data[off + 1:off + 5])
    if 0x18 in entries and 0x19 in entries:
        a, b = entries[0x18], entries[0x19]
        tzb = a[0]
        hours = (tzb >> 1) & 0x0F
        half = 30 if tzb & 0x01 else 0
        sign = "-" if tzb & 0x20 else "+"
        year = _bcd(a[1]) * 100 + _bcd(a[2])
        iso = f"{year:04d}-{_bcd(a[3]):02d}-{_bcd(b[0]):02d}T{_bcd(b[1]):02d}:{_bcd(b[2]):02d}:{_bcd(b[3]):02d}"
        c.time("avchd.DateTimeOriginal", f"{iso}{sign}{hours:02d}:{half:02d}")
    if 0xE0 in entries:
        code = int.from_bytes(entries[0xE0][:2], "big")
        c.dev("make", _MDPM_MAKES.get(code, f"0x{code:04x}"), "AVCHD MDPM")


def _xmp_facts(c: _Collector, xmp_fields: dict[str, str], history: list[dict[str, str]]) -> None:
    for k, v in xmp_fields.items():
        if "Date" in k:
            c.time(f"XMP {k}", v)
        elif k == "xmp:CreatorTool":
            c.dev("software", v, "XMP xmp:CreatorTool")
    if history:
        c.fields["xmp_history"] = history


def _read_riff_xmp(c: _Collector) -> None:
    """AVI/WAV: Adobe's XMP packet in a top-level ``_PMX`` chunk (libavformat does not read it)."""
    try:
        with open(c.path, "rb") as fh:
            for fourcc, _, n in toplevel.riff_chunks(fh, os.fstat(fh.fileno()).st_size):
                if fourcc != b"_PMX":
                    continue
                if n > isobmff.MAX_XMP_PACKET:
                    c.errors.append(f"RIFF XMP: packet of {n} bytes exceeds {isobmff.MAX_XMP_PACKET}; ignored")
                    return
                raw = fh.read(n).rstrip(b"\x00").decode("utf-8", errors="replace")
                fields, history = isobmff._parse_xmp(raw, lambda msg: c.errors.append(f"RIFF XMP: {msg}"))
                _xmp_facts(c, fields, history)
                return
    except OSError as exc:
        c.errors.append(f"RIFF XMP: {exc.strerror or exc}")


BITSTREAM_SCAN_BYTES = 1 << 20
"""Bytes of the first media data searched for an encoder's self-description (x264/x265 SEI, Lavc user data)."""
_X26X_RE = re.compile(rb"(x264) - core (\d+)|(x265) \(build (\d+)\)")
_X26X_OPTIONS_RE = re.compile(rb"options: ([\x20-\x7e]{1,1000})")
_LAVC_RE = re.compile(rb"Lavc\d{1,3}\.\d{1,3}\.\d{1,3}")


def _first_media_offset(fh: Any, size: int) -> int:
    """Payload offset of the first ``mdat`` of an ISO BMFF file (0 when not found: search from the start)."""
    return next((pos + hdr for typ, pos, hdr, _ in toplevel.bmff_boxes(fh, size, 64) if typ == b"mdat"), 0)


def _read_bitstream_writer(c: _Collector) -> None:
    """The encoder's own signature in the first media bytes: x264/x265 write their version and options into an
    SEI message of the first access unit, libavcodec's MPEG-4 Part 2 writes ``Lavc…`` user data."""
    try:
        with open(c.path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            start = _first_media_offset(fh, size) if "structure" in c.fields else 0
            fh.seek(start)
            data = fh.read(BITSTREAM_SCAN_BYTES)
    except OSError as exc:
        c.errors.append(f"bitstream signature: {exc.strerror or exc}")
        return
    m = _X26X_RE.search(data)
    if m:
        name, version = (m[1], m[2]) if m[1] else (m[3], m[4])
        c.tags["vidverify.bitstream_encoder"] = f"{name.decode()} core {version.decode()}"
        if o := _X26X_OPTIONS_RE.search(data, m.end(), m.end() + 400):
            c.tags["vidverify.encoder_options"] = o[1].decode("ascii")
    elif "structure" in c.fields and (lavc := _LAVC_RE.search(data)):  # in mdat, not a Matroska header tag
        c.tags["vidverify.bitstream_encoder"] = lavc[0].decode("ascii")


_ASF_FILE_PROPERTIES = bytes.fromhex("a1dcab8c47a9cf118ee400c00c205365")


def _vint(data: bytes, pos: int) -> tuple[int, int] | None:
    """An EBML variable-length integer at ``pos``: (value, length); the all-ones value (unknown size) is -1."""
    if pos >= len(data) or data[pos] == 0:
        return None
    n = 8 - data[pos].bit_length() + 1
    if pos + n > len(data):
        return None
    value = int.from_bytes(data[pos:pos + n], "big") & ((1 << (7 * n)) - 1)
    return (-1 if value == (1 << (7 * n)) - 1 else value), n


GIF_MAX_BLOCKS = 2_000_000  # blocks and sub-blocks walked at most (a GIF's sub-blocks hold 255 bytes: 500 MB)


def _gif_ends_early(fh: BinaryIO) -> bool:
    """Whether a GIF's blocks run past the end of the file before its trailer (0x3B). The blocks are walked (the
    colour tables, each extension's and image's data sub-blocks skipped by their lengths), so a trailer byte
    inside image data is not taken for the end, and bytes after the trailer do not make a whole GIF short. A
    block that is none of a GIF's is damage, not a short file: False; so is a walk of more than GIF_MAX_BLOCKS
    (a crafted file of one-byte blocks: under a second to give up, and nothing said that is not known)."""
    def skip(n: int) -> bool:
        fh.seek(n - 1, 1)
        return len(fh.read(1)) == 1 if n else True

    steps = 0

    def sub_blocks() -> bool:  # data sub-blocks up to the zero-length terminator; False at the end of the file
        nonlocal steps
        while (length := fh.read(1)) and length[0]:
            steps += 1
            if steps > GIF_MAX_BLOCKS:
                return True  # the walk stops at the next block
            if not skip(length[0]):
                return False
        return bool(length)

    screen = fh.read(13)  # signature, logical screen descriptor
    if len(screen) < 13 or (screen[10] & 0x80 and not skip(3 << ((screen[10] & 7) + 1))):
        return True
    while introducer := fh.read(1):
        steps += 1
        if steps > GIF_MAX_BLOCKS:
            return False  # a crafted file of tiny blocks: too long to walk, and not known to be short
        if introducer == b"\x3b":
            return False
        if introducer == b"\x21":  # extension: its label, then sub-blocks
            if not fh.read(1) or not sub_blocks():
                return True
        elif introducer == b"\x2c":  # image: descriptor, local colour table, LZW code size, sub-blocks
            desc = fh.read(9)
            if len(desc) < 9 or (desc[8] & 0x80 and not skip(3 << ((desc[8] & 7) + 1))):
                return True
            if not fh.read(1) or not sub_blocks():
                return True
        else:
            return False
    return True


def cut_short(head: bytes, path: str, size: int) -> bool:
    """Whether the file is shorter than its container says it is: a RIFF size, a Matroska Segment size or an ASF
    File Properties size past the end of the file, or a GIF without its trailer byte (MP4: the box walker says so)."""
    if head[:4] == b"RIFF":
        return int.from_bytes(head[4:8], "little") + 8 > size
    try:
        with open(path, "rb") as fh:
            data = fh.read(64 * 1024)
            if data[:6] in (b"GIF87a", b"GIF89a"):  # a GIF declares no length: its blocks end at its trailer
                fh.seek(0)
                return _gif_ends_early(fh)
    except OSError:
        return False
    if data[:4] == bytes.fromhex("1a45dfa3"):  # EBML header, then the Segment
        ebml = _vint(data, 4)
        pos = 4 + ebml[1] + ebml[0] if ebml and ebml[0] >= 0 else -1
        if 0 <= pos and data[pos:pos + 4] == bytes.fromhex("18538067") and (seg := _vint(data, pos + 4)):
            return seg[0] >= 0 and pos + 4 + seg[1] + seg[0] > size
    if data[:16] == bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") and (at := data.find(_ASF_FILE_PROPERTIES)) > 0:
        declared = int.from_bytes(data[at + 40:at + 48], "little")
        return len(data) >= at + 48 and declared > size
    return False
