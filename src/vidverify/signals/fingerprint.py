"""Fingerprints as values: the per-frame hashes of one file, the one CHANNELS table that describes them, how a
batch of decoded frames becomes those columns, and the JSON and compact (index) forms.

A fingerprint holds, for every decoded frame (or every keyframe in keyframe mode), its presentation time, the
64-bit pHash of its 32x32 grey picture and of the pictures a re-post may show instead (mirrored, the centre 9:16
crop and its mirror, turned a quarter, half or three quarters, and the four half pictures that an overlay leaves
partly as they were, and the picture inside bars that hold through a stretch of frames: a clip letterboxed into
a compilation), and the picture's mean and standard deviation of luma (to tell flat or black frames, whose
hash says little). It also holds a digest of every compressed video packet with its time (``packet_times``,
``packet_digests``), which tells a stream copy from a re-encode (``match/streamcopy.py``). Times start at 0.0 for
the first displayed frame; ``time_origin`` is that frame's raw container time.

**CHANNELS** lists every array: its dtype, whether it is per frame or per packet, its key in the JSON form, the
format version that added it (older files get its default), the picture it hashes, and whether the candidate
stages sample it. The dataclass, ``to_dict``/``from_dict``, the ``.vvfp`` file (``media/fingerprint_file.py``),
the index blob (``pack``/``unpack``), the samplers (``match/candidates.py``) and the aligner (``ALIGNMENT``, read by
``match/align.py``) all read it, so a new channel (a new platform transform, a sound print) is one row.

Pure: no I/O. Decoding is ``media/decode.py``; computing a fingerprint from a file is ``pipeline/ingest.py``.
"""

from __future__ import annotations

import json
import os
import struct
import warnings
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, cast

import numpy as np

from ..errors import IndexFileError
from .hashing import phash_and_mirror_batch, phash_batch, to_hex
from .picture import SAME_BOX_IOU, box_iou, inner_pictures, stretch_boxes, unpack_boxes
from .regions import REGION_SLOTS, place, region_boxes

FORMAT_NAME = "vidverify-fingerprint"
FORMAT_VERSION = 6  # 2: hashes of the picture's four halves (half_top ... half_right) and their flatness
# 3: digests of the compressed video packets (packet_times, packet_digests) and of the codec configuration
# 4: the picture inside bars found per stretch of frames (inner, inner_box): a letterboxed clip in a compilation
# 5: the sound print on its own timeline (audio_times, audio_bits, audio_rms: signals/sound.py) and audio_state
# 6: the regions where footage plays inside a canvas, per stretch (region1..4, region1_box..: signals/regions.py)
SCHEMA = "vidverify/fingerprint@1"
ALL_HALVES_FLAT = 0b1111
FLAT_LUMA_STD = 3.0  # grey-level std under which a frame is flat (black, white): its hash says nothing
HALF_FLAT_STD = 3.0  # the same for a half picture


@dataclass(frozen=True)
class Channel:
    """One array of a fingerprint.

    ``name``: the ``Fingerprint`` attribute and the ``.vvfp`` member. ``per``: ``frame`` (one value per
    fingerprinted frame) or ``packet`` (one per compressed video packet). ``key``: its key in the JSON form's
    ``frames``/``packets`` entries (the four halves share ``halves``, a list in ``half`` order). ``hexed``: a 64-bit
    hash, hex text in JSON. ``delta``: XOR-delta coded in the index blob (neighbouring frames differ by a few
    bits). ``since``: the format version that added it; older files and blobs get ``default``. ``view``: the picture
    a hash channel hashes. ``candidate``: the candidate stages sample it (``match/candidates.py``); ``mirrored``: it
    is the mirror image of another candidate channel; ``probe_only``: a transform (a turn) that only the probing
    side of a candidate test looks up, against the other side's plain channels (like a mirror: one side turned is
    enough); ``signature``: the index stores it in each clip's sparse signature (the query probes the mirrors and
    turns). ``half``: for a half picture, its bit in ``half_flat``. ``present``:
    the channel whose value is 0 on the frames where this hash does not exist (they say nothing in it)."""

    name: str
    dtype: Any
    key: str
    per: str = "frame"
    hexed: bool = False
    delta: bool = False
    since: int = 1
    default: int = 0
    view: str = ""
    candidate: bool = False
    mirrored: bool = False
    probe_only: bool = False
    signature: bool = False
    half: int | None = None
    present: str | None = None


def _hash(name: str, key: str, view: str, **kw: Any) -> Channel:
    return Channel(name, np.uint64, key, hexed=True, delta=True, view=view, **kw)


CHANNELS: tuple[Channel, ...] = (
    Channel("times", np.float64, "t"),
    _hash("hashes", "hash", "full", candidate=True, signature=True),
    _hash("mirrored", "mirrored", "mirror", candidate=True, mirrored=True),
    _hash("crop_hashes", "crop", "crop", candidate=True, signature=True),
    _hash("crop_mirrored", "crop_mirrored", "crop-mirror", candidate=True, mirrored=True),
    # turned pictures: the candidate stages probe them (a query, the all-pairs test's sampled side) against the
    # other side's upright channels, so a copy turned a quarter or half turn is found without indexing them
    _hash("rot90", "rot90", "turned 90 degrees clockwise", candidate=True, probe_only=True),
    _hash("rot180", "rot180", "turned 180 degrees", candidate=True, probe_only=True),
    _hash("rot270", "rot270", "turned 270 degrees clockwise", candidate=True, probe_only=True),
    Channel("luma_mean", np.float32, "mean"),
    Channel("luma_std", np.float32, "std"),
    _hash("half_top", "halves", "top half", since=2, candidate=True, signature=True, half=0),
    _hash("half_bottom", "halves", "bottom half", since=2, candidate=True, signature=True, half=1),
    _hash("half_left", "halves", "left half", since=2, candidate=True, signature=True, half=2),
    _hash("half_right", "halves", "right half", since=2, candidate=True, signature=True, half=3),
    Channel("half_flat", np.uint8, "half_flat", since=2, default=ALL_HALVES_FLAT),
    # the picture inside bars that hold through a stretch of frames, where the file's own bars (cropped before
    # hashing) are not those of the stretch: a clip letterboxed or pillarboxed into a compilation
    _hash("inner", "inner", "inside the bars of its stretch", since=4, candidate=True, signature=True,
          present="inner_box"),
    Channel("inner_box", np.uint32, "inner_box", since=4),  # picture.pack_box of 64x64 thumbnail pixels; 0: none
    # the regions where footage plays inside a canvas in the frame's stretch (signals/regions.py): a screen
    # recording's clip, the sharp picture of a blurred 9:16 fill, a duet's or a grid's cells, a picture-in-picture
    *(row for k in range(1, REGION_SLOTS + 1) for row in (
        _hash(f"region{k}", f"region{k}", f"region {k} of its stretch's canvas", since=6, candidate=True,
              signature=True, present=f"region{k}_box"),
        Channel(f"region{k}_box", np.uint32, f"region{k}_box", since=6))),
    Channel("packet_times", np.float64, "t", per="packet", since=3),
    Channel("packet_digests", np.uint64, "digest", per="packet", hexed=True, since=3),
    # the sound (signals/sound.py), one row per 10 ms step on the sound's own timeline
    Channel("audio_times", np.float64, "t", per="audio", since=5),
    Channel("audio_bits", np.uint32, "bits", per="audio", since=5),
    Channel("audio_rms", np.float32, "rms", per="audio", since=5),
)
"""Every array of a fingerprint, in file, JSON and blob order."""

FRAME_CHANNELS = tuple(c for c in CHANNELS if c.per == "frame")
PACKET_CHANNELS = tuple(c for c in CHANNELS if c.per == "packet")
AUDIO_CHANNELS = tuple(c for c in CHANNELS if c.per == "audio")
AUDIO_STATES = ("sound", "silent", "absent", "failed")
BY_NAME: dict[str, Channel] = {c.name: c for c in CHANNELS}
HALVES: tuple[str, ...] = tuple(c.name for c in CHANNELS if c.half is not None)
HALF_FLAT = "half_flat"

ALIGNMENT: tuple[tuple[str, str, str, bool], ...] = (
    # (the segment's channel, A's array, B's array, B shows A mirrored): what alignment compares with what
    ("full", "hashes", "hashes", False),
    ("full", "mirrored", "hashes", True),
    ("a-crop", "crop_hashes", "hashes", False),  # B is a centre crop of A
    ("a-crop", "crop_mirrored", "hashes", True),
    ("b-crop", "hashes", "crop_hashes", False),  # A is a centre crop of B
    ("b-crop", "mirrored", "crop_hashes", True),
    ("rotate-90", "rot90", "hashes", False),  # B shows A turned a quarter turn clockwise
    ("rotate-180", "rot180", "hashes", False),
    ("rotate-270", "rot270", "hashes", False),
    ("b-bars", "hashes", "inner", False),  # B shows A inside bars in a stretch (a compilation's letterboxed clip)
    ("a-bars", "inner", "hashes", False),  # A shows B inside bars in a stretch
    # B shows A in a region of a canvas (screen recording, blurred fill, duet, grid, picture-in-picture), or A B
    *((f"b-canvas{k}", "hashes", f"region{k}", False) for k in range(1, REGION_SLOTS + 1)),
    *((f"a-canvas{k}", f"region{k}", "hashes", False) for k in range(1, REGION_SLOTS + 1)),
    # half pictures: an overlay (logo, caption band) covering part of B leaves at least one half as it was
    ("half-top", "half_top", "half_top", False),
    ("half-bottom", "half_bottom", "half_bottom", False),
    ("half-left", "half_left", "half_left", False),
    ("half-right", "half_right", "half_right", False),
)
"""Channel pairs the aligner (``match/align.py``) seeds and follows, in order; half pictures last."""


@dataclass(frozen=True)
class FrameBatch:
    """Decoded frames as the decoder hands them to the hasher (``media/decode.py``)."""

    times: np.ndarray  # (n,) float64 seconds on the presentation timeline
    frames: np.ndarray  # (n, 32, 32) uint8: the active picture
    crops: np.ndarray  # (n, 32, 32) uint8: its centre crop (picture.centre_crop)
    halves: np.ndarray | None = None  # (n, 4, 32, 32) uint8: its top, bottom, left, right halves
    detail: np.ndarray | None = None  # (n, 64, 64) uint8: the active picture at twice the size (bars per stretch)


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """Per-frame hashes of one file. Arrays are read-only numpy arrays; the per-frame ones (FRAME_CHANNELS) have
    one entry per frame, the per-packet ones (PACKET_CHANNELS) one per compressed video packet."""

    path: str
    sha256: str | None
    size: int | None
    mode: str  # "dense" (every frame) or "keyframes"
    times: np.ndarray
    hashes: np.ndarray
    mirrored: np.ndarray
    crop_hashes: np.ndarray
    crop_mirrored: np.ndarray
    rot90: np.ndarray  # pHash of the picture turned 90 degrees clockwise
    rot180: np.ndarray
    rot270: np.ndarray
    luma_mean: np.ndarray
    luma_std: np.ndarray
    duration: float | None = None
    fps: float | None = None
    width: int | None = None  # display size of the frames (after rotation)
    height: int | None = None
    active_area: tuple[int, int, int, int] | None = None  # x, y, w, h of the picture inside bars (None: all)
    crop_area: tuple[int, int, int, int] | None = None  # x, y, w, h of the centre crop, in frame pixels
    time_origin: float = 0.0  # raw container time of t = 0, the first displayed frame (MPEG-TS, delayed starts)
    versions: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # pHashes of the active picture's top, bottom, left and right halves (an overlay covers at most some of
    # them); when not given (a version-1 file), zeros marked flat, so they never match
    half_top: np.ndarray = None  # type: ignore[assignment]
    half_bottom: np.ndarray = None  # type: ignore[assignment]
    half_left: np.ndarray = None  # type: ignore[assignment]
    half_right: np.ndarray = None  # type: ignore[assignment]
    half_flat: np.ndarray = None  # type: ignore[assignment]  # uint8 bit k: half k (top, bottom, left, right) flat
    # pHash of the picture inside bars found in the frame's stretch (0 where there are none: see inner_box), and
    # that box (picture.pack_box, pixels of the 64x64 active picture); older files: none
    inner: np.ndarray = None  # type: ignore[assignment]
    inner_box: np.ndarray = None  # type: ignore[assignment]
    # pHashes of up to four regions where footage plays inside a canvas in the frame's stretch, and their boxes
    # (picture.pack_box, pixels of the 64x64 active picture; 0: no such region); older files: none
    region1: np.ndarray = None  # type: ignore[assignment]
    region1_box: np.ndarray = None  # type: ignore[assignment]
    region2: np.ndarray = None  # type: ignore[assignment]
    region2_box: np.ndarray = None  # type: ignore[assignment]
    region3: np.ndarray = None  # type: ignore[assignment]
    region3_box: np.ndarray = None  # type: ignore[assignment]
    region4: np.ndarray = None  # type: ignore[assignment]
    region4_box: np.ndarray = None  # type: ignore[assignment]
    # the compressed video packets (media/packets.py): presentation time on this timeline and the first 8 bytes
    # of the packet's SHA-256; empty when unknown (a version-2 file, a region fingerprint, an unreadable stream)
    packet_times: np.ndarray = None  # type: ignore[assignment]
    packet_digests: np.ndarray = None  # type: ignore[assignment]
    codec_digest: str | None = None  # SHA-256 prefix of the codec configuration the packets decode with
    # the sound print (signals/sound.py) and the state of the sound: AUDIO_STATES, or None when unknown (a file
    # of format 4 or older, a region fingerprint): unknown is never "no sound"
    audio_times: np.ndarray = None  # type: ignore[assignment]
    audio_bits: np.ndarray = None  # type: ignore[assignment]
    audio_rms: np.ndarray = None  # type: ignore[assignment]
    audio_state: str | None = None

    def __post_init__(self) -> None:
        # a missing array is its channel's default: a version-1 file's halves (marked flat), a file's packets
        first = {"frame": FRAME_CHANNELS[0], "packet": PACKET_CHANNELS[0], "audio": AUDIO_CHANNELS[0]}
        if self.audio_state is not None and self.audio_state not in AUDIO_STATES:
            object.__setattr__(self, "audio_state", None)
        for c in CHANNELS:
            arr = getattr(self, c.name)
            if arr is None:
                n = len(self.times) if c.per == "frame" else 0
                object.__setattr__(self, c.name, arr := np.full(n, c.default, c.dtype))
            lead = getattr(self, first[c.per].name)
            if len(arr) != len(lead):
                raise ValueError(f"fingerprint array {c.name} has {len(arr)} entries, {first[c.per].name} has "
                                 f"{len(lead)}")
            arr.setflags(write=False)

    def __len__(self) -> int:
        return len(self.times)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fingerprint):
            return NotImplemented
        return self.meta() == other.meta() and all(
            np.array_equal(getattr(self, c.name), getattr(other, c.name)) for c in CHANNELS
        )

    __hash__ = None  # type: ignore[assignment]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Deprecated since 0.2.0 (removed in 0.3): ``vidverify.save_fingerprint(fp, path)``."""
        warnings.warn("Fingerprint.save is deprecated: use vidverify.save_fingerprint(fp, path)", DeprecationWarning,
                      stacklevel=2)
        from ..media.fingerprint_file import save  # layering: deprecated shim

        save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Fingerprint:
        """Deprecated since 0.2.0 (removed in 0.3): ``vidverify.load_fingerprint(path)``."""
        warnings.warn("Fingerprint.load is deprecated: use vidverify.load_fingerprint(path)", DeprecationWarning,
                      stacklevel=2)
        from ..media.fingerprint_file import load  # layering: deprecated shim

        return load(path)

    def meta(self) -> dict[str, Any]:
        """Everything but the arrays: the file's identity, geometry, counts and the versions that made it."""
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "mode": self.mode,
            "duration": self.duration,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "active_area": list(self.active_area) if self.active_area else None,
            "crop_area": list(self.crop_area) if self.crop_area else None,
            "time_origin": self.time_origin,
            "frame_count": len(self),
            "packet_count": len(self.packet_times),
            "codec_digest": self.codec_digest,
            "audio_state": self.audio_state,
            "audio_count": len(self.audio_times),
            "versions": self.versions,
            "warnings": list(self.warnings),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the meta fields plus ``frames``, one object per frame with a key per frame channel (``t``,
        ``hash``, ``mirrored``, ``crop``, ... ``halves``, ``half_flat``), and ``packets``, one ``{t, digest}`` per
        compressed video packet, and ``audio``, one ``{t, bits, rms}`` per 10 ms step of sound."""
        d = self.meta()
        d["frames"] = list(_rows(self, FRAME_CHANNELS))
        d["packets"] = list(_rows(self, PACKET_CHANNELS))
        d["audio"] = list(_rows(self, AUDIO_CHANNELS))
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Fingerprint:
        rows = {"frame": d.get("frames", []), "packet": d.get("packets", []), "audio": d.get("audio", [])}
        arrays: dict[str, Any] = {c.name: _column(rows[c.per], c) for c in CHANNELS}
        return cls(path=d["path"], sha256=d.get("sha256"), size=d.get("size"), mode=d.get("mode", "dense"),
                   **geometry(d), versions=dict(d.get("versions", {})), warnings=tuple(d.get("warnings", ())),
                   codec_digest=codec_digest(d.get("codec_digest")), audio_state=d.get("audio_state"), **arrays)


def _json_values(arr: np.ndarray, c: Channel) -> list[Any]:
    return to_hex(arr) if c.hexed else cast(list[Any], arr.tolist())


def _rows(fp: Fingerprint, channels: tuple[Channel, ...]) -> Iterator[dict[str, Any]]:
    columns = [_json_values(getattr(fp, c.name), c) for c in channels]
    for row in zip(*columns, strict=True):
        out: dict[str, Any] = {}
        for c, v in zip(channels, row, strict=True):
            if c.half is None:
                out[c.key] = v
            else:
                out.setdefault(c.key, []).append(v)
        yield out


def _column(entries: list[dict[str, Any]], c: Channel) -> np.ndarray:
    def value(e: dict[str, Any]) -> Any:
        if c.half is not None:
            return e[c.key][c.half] if c.key in e else (hex(c.default) if c.hexed else c.default)
        v = e[c.key] if c.since == 1 else e.get(c.key, hex(c.default) if c.hexed else c.default)
        return v

    raw = [value(e) for e in entries]
    return np.array([int(v, 16) for v in raw] if c.hexed else raw, dtype=c.dtype)


def geometry(d: Mapping[str, Any]) -> dict[str, Any]:
    """The geometry fields of a fingerprint's meta (JSON, file or blob) as ``Fingerprint`` arguments."""
    def box(v: Any) -> tuple[int, int, int, int] | None:
        return (int(v[0]), int(v[1]), int(v[2]), int(v[3])) if v else None

    return {
        "duration": d.get("duration"),
        "fps": d.get("fps"),
        "width": d.get("width"),
        "height": d.get("height"),
        "active_area": box(d.get("active_area")),
        "crop_area": box(d.get("crop_area")),
        "time_origin": float(d.get("time_origin") or 0.0),
    }


def codec_digest(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def from_arrays(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], version: int) -> Fingerprint:
    """A fingerprint from its meta and arrays as a file or blob of format ``version`` holds them: each array cast to
    its channel's dtype; a channel newer than ``version`` gets its default (a version-1 file's halves are unknown,
    so they are marked flat and never match)."""
    typed: dict[str, Any] = {c.name: np.asarray(arrays[c.name]).astype(c.dtype) for c in CHANNELS
                             if c.since <= version and c.name in arrays}
    return Fingerprint(
        path=meta["path"], sha256=meta.get("sha256"), size=meta.get("size"), mode=meta.get("mode", "dense"),
        **geometry(meta), versions=meta.get("versions", {}), warnings=tuple(meta.get("warnings", ())),
        codec_digest=codec_digest(meta.get("codec_digest")),
        audio_state=meta.get("audio_state") if version >= 5 else None, **typed,
    )


# --------------------------------------------------------------------------------------- hashing a batch


def hash_batch(batch: FrameBatch) -> dict[str, np.ndarray]:
    """One batch of decoded frames -> its compact per-frame columns, by channel name (runs in the decoder
    threads, so only these small arrays are kept)."""
    h, m = phash_and_mirror_batch(batch.frames)
    ch, cm = phash_and_mirror_batch(batch.crops)
    # np.rot90 turns anticlockwise: k=3 is a quarter turn clockwise
    r90, r180, r270 = (phash_batch(np.rot90(batch.frames, k, axes=(1, 2))) for k in (3, 2, 1))
    flat = batch.frames.reshape(len(batch.frames), -1).astype(np.float32)
    n = len(batch.frames)
    halves = batch.halves if batch.halves is not None else np.zeros((n, 4, 32, 32), np.uint8)
    hh = phash_batch(halves.reshape(n * 4, *halves.shape[2:])).reshape(n, 4)
    std = halves.reshape(n, 4, -1).astype(np.float32).std(axis=2)
    half_flat = ((std < HALF_FLAT_STD) * (1 << np.arange(4))).sum(axis=1).astype(np.uint8)
    if batch.halves is None:
        half_flat[:] = ALL_HALVES_FLAT
    out = {"times": batch.times, "hashes": h, "mirrored": m, "crop_hashes": ch, "crop_mirrored": cm,
           "rot90": r90, "rot180": r180, "rot270": r270, "luma_mean": flat.mean(axis=1), "luma_std": flat.std(axis=1),
           HALF_FLAT: half_flat}
    out.update({c.name: hh[:, c.half] for c in FRAME_CHANNELS if c.half is not None})
    out["inner_box"] = boxes = stretch_boxes(batch.detail) if batch.detail is not None else np.zeros(n, np.uint32)
    out["inner"] = _inside_boxes(batch, boxes)[0]
    regions = region_boxes(batch.detail) if batch.detail is not None else np.zeros((n, REGION_SLOTS), np.uint32)
    regions[_same_box(regions, boxes)] = 0  # the picture inside a stretch's bars is already hashed (inner)
    for k in range(REGION_SLOTS):
        hashes, std = _inside_boxes(batch, regions[:, k])
        flat_region = std < FLAT_LUMA_STD  # a flat region (a black clip in an app's chrome) says nothing: none
        regions[flat_region, k] = 0
        hashes[flat_region] = 0
        out[f"region{k + 1}_box"], out[f"region{k + 1}"] = regions[:, k], hashes
    return out


def _same_box(regions: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """(n, slots) bool: the region is (nearly: SAME_BOX_IOU) the frame's box inside bars."""
    r = unpack_boxes(regions.reshape(-1)).reshape(*regions.shape, 4)
    b = unpack_boxes(inner)[:, None, :]
    return cast(np.ndarray, (inner[:, None] != 0) & (regions != 0) & (box_iou(r, b) >= SAME_BOX_IOU))


def _inside_boxes(batch: FrameBatch, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pHash of the picture inside each frame's packed box of the detail picture (0 where the box is 0), and
    that picture's grey-level standard deviation (infinite where there is no box)."""
    out = np.zeros(len(boxes), np.uint64)
    std = np.full(len(boxes), np.inf, np.float32)
    some = np.flatnonzero(boxes)
    if len(some):
        assert batch.detail is not None
        pictures = inner_pictures(batch.detail[some], boxes[some], batch.frames.shape[1])
        out[some] = phash_batch(pictures)
        std[some] = pictures.reshape(len(some), -1).astype(np.float32).std(axis=1)
    return out, std


def segment_box(channel: str, side: str) -> str | None:
    """The box channel (``inner_box``, ``region2_box``, ...) of the picture that side ``a`` or ``b`` of a
    segment of alignment channel ``channel`` (an ALIGNMENT name: ``b-bars``, ``a-canvas1``, ...) shows, or None
    where that side's whole picture matched."""
    for name, a_name, b_name, _ in ALIGNMENT:
        if name == channel:
            return BY_NAME[a_name if side == "a" else b_name].present
    return None


INNER_BOX_GRID = 64  # inner_box is in pixels of the active picture scaled to this square (decode's DETAIL_SIZE)


def inner_area(fp: Fingerprint, start: float, end: float, box: str = "inner_box") -> tuple[int, int, int, int] | None:
    """x, y, w, h in frame pixels of the picture inside the bars found most often in [start, end) of ``fp``'s
    timeline (``inner_box``; or of the region of box channel ``box``: ``region1_box`` ...), or None where no
    frame there has any."""
    t = np.asarray(fp.times)
    boxes = np.asarray(getattr(fp, box))[(t >= start - 1e-6) & (t < end - 1e-6)]
    boxes = boxes[boxes != 0]
    if len(boxes) == 0 or not (fp.width and fp.height):
        return None
    values, counts = np.unique(boxes, return_counts=True)
    x0, y0, x1, y1 = (int(v) for v in unpack_boxes(values[np.argmax(counts):][:1])[0])
    ax, ay, aw, ah = fp.active_area or (0, 0, fp.width, fp.height)
    fx, fy = aw / INNER_BOX_GRID, ah / INNER_BOX_GRID
    x, y = ax + round(x0 * fx), ay + round(y0 * fy)
    return x, y, ax + round(x1 * fx) - x, ay + round(y1 * fy) - y


def spliced(parts: list[Fingerprint], owner: np.ndarray) -> Fingerprint | None:
    """One fingerprint of a file from several of its fingerprints with the same frames (hashed on different
    regions): frame ``i`` from ``parts[owner[i]]``. A picture whose framing changes over time (a slow zoom) is then
    hashed where each stretch shows it. None when the parts' frames differ."""
    first = parts[0]
    if any(len(p) != len(first) or not np.array_equal(p.times, first.times) for p in parts[1:]) or \
            len(owner) != len(first):
        return None
    rows = np.arange(len(first))
    return replace(first, **{c.name: np.stack([getattr(p, c.name) for p in parts])[owner, rows]
                             for c in FRAME_CHANNELS if c.name != "times"})


def join_batches(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The columns of several batches (``hash_batch``), concatenated per frame channel in its dtype. A batch's
    region slots are renumbered so that a region keeps the slot it held in the batches before (``place``: the
    decoder threads hash each batch on its own)."""
    last: list[tuple[int, int, int, int] | None] = [None] * REGION_SLOTS
    placed = []
    for part in parts:
        columns = [part[f"region{k + 1}_box"] for k in range(REGION_SLOTS)]
        moved = dict(part)
        for k, slot in enumerate(place([_held_box(c, 0) for c in columns], last)):
            moved[f"region{slot + 1}"], moved[f"region{slot + 1}_box"] = part[f"region{k + 1}"], columns[k]
            last[slot] = _held_box(columns[k], -1) or last[slot]
        placed.append(moved)
    return {c.name: np.concatenate([p[c.name] for p in placed]).astype(c.dtype, copy=False) for c in FRAME_CHANNELS}


def _held_box(packed: np.ndarray, which: int) -> tuple[int, int, int, int] | None:
    """The first (``which`` 0) or last (-1) box of a column of packed boxes that holds one, or None."""
    some = np.flatnonzero(packed)
    if not len(some):
        return None
    x0, y0, x1, y1 = (int(v) for v in unpack_boxes(packed[some[[which]]])[0])
    return x0, y0, x1, y1


# ------------------------------------------------------------------------------------- the index's blob

BLOB_MAGIC = b"VVFB"
BLOB_VERSION = 6  # 2: the fingerprint's half-picture hashes; 3: its packet digests (after the frame arrays);
# 4: the picture inside bars per stretch (inner, inner_box); 5: the sound print (after the packets); 6: the
# regions of a canvas per stretch (region1..4 and their boxes, after inner_box)
_BLOB_HEADER = "<BII"


def _shuffle(raw: bytes, width: int) -> bytes:
    """Byte-transpose an array of ``width``-byte items (same-significance bytes together compress better)."""
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, width).T.tobytes()


def _unshuffle(raw: bytes, width: int) -> bytes:
    return np.frombuffer(raw, dtype=np.uint8).reshape(width, -1).T.tobytes()


def blob_is_current(version_byte: bytes) -> bool:
    """Whether a blob's version byte (``substr(blob, 5, 1)`` in SQL) is this version's: older ones are redone."""
    return bytes(version_byte) == bytes([BLOB_VERSION])


def pack(fp: Fingerprint) -> bytes:
    """A fingerprint as a compact, exact blob: ``VVFB``, version, the meta JSON, then zlib of every array in
    CHANNELS order (hash arrays XOR-delta coded), each byte-transposed."""
    meta = json.dumps(fp.meta(), separators=(",", ":")).encode()
    parts = []
    for c in CHANNELS:
        arr = np.ascontiguousarray(getattr(fp, c.name), dtype=c.dtype)
        if c.delta and len(arr) > 1:
            arr = np.concatenate([arr[:1], np.bitwise_xor(arr[1:], arr[:-1])])
        parts.append(_shuffle(arr.astype(arr.dtype.newbyteorder("<")).tobytes(), arr.itemsize))
    payload = zlib.compress(b"".join(parts), 6)
    return BLOB_MAGIC + struct.pack(_BLOB_HEADER, BLOB_VERSION, len(fp), len(meta)) + meta + payload


def unpack(blob: bytes) -> Fingerprint:
    """The fingerprint in a blob; anything damaged raises ``IndexFileError``."""
    try:
        return _unpack(blob)
    except IndexFileError:
        raise
    except Exception as exc:  # struct, zlib, json and numpy raise a dozen types on damaged data
        raise IndexFileError(f"damaged fingerprint in the index ({type(exc).__name__}: {exc})") from exc


def _unpack(blob: bytes) -> Fingerprint:
    error = IndexFileError
    if blob[:4] != BLOB_MAGIC:
        raise error("damaged fingerprint in the index (bad magic)")
    version, n, meta_len = struct.unpack_from(_BLOB_HEADER, blob, 4)
    if version > BLOB_VERSION:
        raise error(f"fingerprint blob version {version} is newer than this vidverify reads; upgrade")
    start = 4 + struct.calcsize(_BLOB_HEADER)
    meta = json.loads(blob[start:start + meta_len])
    payload = zlib.decompress(blob[start + meta_len:])
    counts = {"frame": n, "packet": int(meta.get("packet_count") or 0), "audio": int(meta.get("audio_count") or 0)}
    if version >= 3:
        m = counts["packet"]
        frame_bytes = sum(np.dtype(c.dtype).itemsize for c in FRAME_CHANNELS if c.since <= version) * n
        if m < 0 or counts["audio"] < 0 or frame_bytes + 16 * m + 16 * counts["audio"] > len(payload):
            raise error(f"damaged fingerprint in the index (packet_count {m}, audio_count {counts['audio']})")
    arrays: dict[str, np.ndarray] = {}
    pos = 0
    for c in CHANNELS:
        if c.since > version:
            continue
        dt = np.dtype(c.dtype).newbyteorder("<")
        size = counts[c.per] * dt.itemsize
        arr = np.frombuffer(_unshuffle(payload[pos:pos + size], dt.itemsize), dtype=dt).astype(c.dtype)
        pos += size
        if c.delta and len(arr) > 1:
            arr = np.bitwise_xor.accumulate(arr)
        arrays[c.name] = arr
    return from_arrays(meta, arrays, version)


def _check_table() -> None:
    """The dataclass declares exactly the CHANNELS arrays (a row added without its field, or the reverse, fails at
    import, not in a user's run)."""
    declared = [f.name for f in fields(Fingerprint)]
    missing = [c.name for c in CHANNELS if c.name not in declared]
    if missing:
        raise TypeError(f"Fingerprint lacks the CHANNELS arrays {missing}")
    arrays = [f.name for f in fields(Fingerprint) if "ndarray" in str(f.type)]
    unlisted = [name for name in arrays if name not in BY_NAME]
    if unlisted:
        raise TypeError(f"Fingerprint arrays {unlisted} have no CHANNELS row")


_check_table()

__all__ = [
    "spliced",
    "ALIGNMENT",
    "ALL_HALVES_FLAT",
    "AUDIO_CHANNELS",
    "AUDIO_STATES",
    "BY_NAME",
    "BLOB_VERSION",
    "CHANNELS",
    "FLAT_LUMA_STD",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "FRAME_CHANNELS",
    "HALVES",
    "PACKET_CHANNELS",
    "REGION_SLOTS",
    "SCHEMA",
    "Channel",
    "Fingerprint",
    "FrameBatch",
    "blob_is_current",
    "codec_digest",
    "from_arrays",
    "geometry",
    "hash_batch",
    "inner_area",
    "join_batches",
    "pack",
    "segment_box",
    "unpack",
]
