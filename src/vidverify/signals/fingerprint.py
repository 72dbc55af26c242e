"""Fingerprints: decode -> hash, streaming, constant memory; save and load a versioned fingerprint file.

A fingerprint holds, for every decoded frame (or every keyframe in keyframe mode), its presentation time,
the 64-bit pHash of its 32x32 grey picture, the pHash of the mirrored picture, and the picture's mean and
standard deviation of luma (to tell flat or black frames, whose hash says little).

It also holds a digest of every compressed video packet with its time (``packet_times``, ``packet_digests``),
which tells a stream copy from a re-encode (streamcopy.py). Times start at 0.0 for the first displayed frame;
``time_origin`` is that frame's raw container time.

File format (``.vvfp``, documented in docs/fingerprint-format.md): a NumPy ``.npz`` archive (no pickles) with
arrays ``times`` (float64 s), ``hashes`` and ``mirrored`` (uint64), ``luma_mean`` and ``luma_std`` (float32), the
crop, rotation and half-picture hashes, the packet arrays, and ``meta``: a JSON string with ``format``
("vidverify-fingerprint"), ``format_version``, the file's identity and the tool, hash and decoder versions.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..errors import FingerprintFileError
from ..media import decode, ffmpeg
from ..media.packets import PacketDigests, digest_packets
from .hashing import PHASH_VERSION, phash_and_mirror_batch, phash_batch, to_hex

FORMAT_NAME = "vidverify-fingerprint"
FORMAT_VERSION = 3  # 2: hashes of the picture's four halves (half_top ... half_right) and their flatness
# 3: digests of the compressed video packets (packet_times, packet_digests) and of the codec configuration
SCHEMA = "vidverify/fingerprint@1"
HALVES: tuple[str, ...] = ("half_top", "half_bottom", "half_left", "half_right")
_ARRAYS: tuple[str, ...] = (
    "times", "hashes", "mirrored", "crop_hashes", "crop_mirrored", "rot90", "rot180", "rot270", "luma_mean",
    "luma_std", *HALVES, "half_flat",
)
_V1_MISSING = (*HALVES, "half_flat")  # arrays a version-1 file lacks (its halves are unknown: marked flat)
ALL_HALVES_FLAT = 0b1111
PACKET_ARRAYS: tuple[str, ...] = ("packet_times", "packet_digests")  # one entry per video packet, not per frame


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """Per-frame hashes of one file. Arrays are read-only numpy arrays of equal length."""

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
    # the compressed video packets (media/packets.py): presentation time on this timeline and the first 8 bytes
    # of the packet's SHA-256; empty when unknown (a version-2 file, a region fingerprint, an unreadable stream)
    packet_times: np.ndarray = None  # type: ignore[assignment]
    packet_digests: np.ndarray = None  # type: ignore[assignment]
    codec_digest: str | None = None  # SHA-256 prefix of the codec configuration the packets decode with

    def __post_init__(self) -> None:
        if self.packet_times is None or self.packet_digests is None:
            object.__setattr__(self, "packet_times", np.zeros(0, np.float64))
            object.__setattr__(self, "packet_digests", np.zeros(0, np.uint64))
        if len(self.packet_times) != len(self.packet_digests):
            raise ValueError("fingerprint packet_times and packet_digests differ in length")
        self.packet_times.setflags(write=False)
        self.packet_digests.setflags(write=False)
        n = len(self.times)
        for name in HALVES:
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros(n, np.uint64))
        if self.half_flat is None:
            object.__setattr__(self, "half_flat", np.full(n, ALL_HALVES_FLAT, np.uint8))
        for name in _ARRAYS:
            arr = getattr(self, name)
            if len(arr) != n:
                raise ValueError(f"fingerprint array {name} has {len(arr)} entries, times has {n}")
            arr.setflags(write=False)

    def __len__(self) -> int:
        return len(self.times)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fingerprint):
            return NotImplemented
        return self.meta() == other.meta() and all(
            np.array_equal(getattr(self, a), getattr(other, a)) for a in (*_ARRAYS, *PACKET_ARRAYS)
        )

    __hash__ = None  # type: ignore[assignment]

    def meta(self) -> dict[str, Any]:
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
            "versions": self.versions,
            "warnings": list(self.warnings),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the meta fields plus ``frames``, one ``{t, hash, mirrored, crop, crop_mirrored, mean, std}``
        per frame, and ``packets``, one ``{t, digest}`` per compressed video packet."""
        d = self.meta()
        d["frames"] = [
            {"t": float(t), "hash": h, "mirrored": m, "crop": c, "crop_mirrored": cm, "rot90": r1, "rot180": r2,
             "rot270": r3, "mean": float(mu), "std": float(sd), "halves": [ht, hb, hl, hr], "half_flat": int(hf)}
            for t, h, m, c, cm, r1, r2, r3, mu, sd, ht, hb, hl, hr, hf in zip(
                self.times, to_hex(self.hashes), to_hex(self.mirrored), to_hex(self.crop_hashes),
                to_hex(self.crop_mirrored), to_hex(self.rot90), to_hex(self.rot180), to_hex(self.rot270),
                self.luma_mean, self.luma_std, *(to_hex(getattr(self, n)) for n in HALVES), self.half_flat,
                strict=True
            )
        ]
        d["packets"] = [{"t": float(t), "digest": h}
                        for t, h in zip(self.packet_times, to_hex(self.packet_digests), strict=True)]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Fingerprint:
        frames = d.get("frames", [])
        return cls(
            path=d["path"],
            sha256=d.get("sha256"),
            size=d.get("size"),
            mode=d.get("mode", "dense"),
            times=np.array([f["t"] for f in frames], dtype=np.float64),
            hashes=np.array([int(f["hash"], 16) for f in frames], dtype=np.uint64),
            mirrored=np.array([int(f["mirrored"], 16) for f in frames], dtype=np.uint64),
            crop_hashes=np.array([int(f["crop"], 16) for f in frames], dtype=np.uint64),
            crop_mirrored=np.array([int(f["crop_mirrored"], 16) for f in frames], dtype=np.uint64),
            rot90=np.array([int(f["rot90"], 16) for f in frames], dtype=np.uint64),
            rot180=np.array([int(f["rot180"], 16) for f in frames], dtype=np.uint64),
            rot270=np.array([int(f["rot270"], 16) for f in frames], dtype=np.uint64),
            luma_mean=np.array([f["mean"] for f in frames], dtype=np.float32),
            luma_std=np.array([f["std"] for f in frames], dtype=np.float32),
            half_top=_half_column(frames, 0),
            half_bottom=_half_column(frames, 1),
            half_left=_half_column(frames, 2),
            half_right=_half_column(frames, 3),
            half_flat=np.array([f.get("half_flat", ALL_HALVES_FLAT) for f in frames], dtype=np.uint8),
            packet_times=np.array([pk["t"] for pk in d.get("packets", [])], dtype=np.float64),
            packet_digests=np.array([int(pk["digest"], 16) for pk in d.get("packets", [])], dtype=np.uint64),
            codec_digest=d.get("codec_digest"),
            **_geometry(d),
            versions=dict(d.get("versions", {})),
            warnings=tuple(d.get("warnings", ())),
        )

    def save(self, out: str | os.PathLike[str]) -> None:
        """Write the ``.vvfp`` file atomically (a temporary file in the same folder, then rename)."""
        target = Path(out)
        fd, tmp = tempfile.mkstemp(prefix=".vvfp-", dir=target.parent if str(target.parent) else ".")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(
                    fh, meta=np.array(json.dumps(self.meta())),
                    **{a: getattr(self, a) for a in (*_ARRAYS, *PACKET_ARRAYS)}
                )
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Fingerprint:
        """Read a ``.vvfp`` file. Anything that is not a valid one raises ``FingerprintFileError`` (no pickles are
        loaded, declared array sizes are checked against the archive before anything is allocated)."""
        p = os.fspath(path)
        try:
            with _open_regular(p) as fh:
                _check_archive(fh)
                fh.seek(0)
                with np.load(fh, allow_pickle=False) as z:
                    meta = json.loads(str(z["meta"]))
                    arrays = {a: z[a] for a in (*_ARRAYS, *PACKET_ARRAYS)
                              if a in z.files or a not in (*_V1_MISSING, *PACKET_ARRAYS)}
        except FingerprintFileError as exc:
            raise FingerprintFileError(exc.message, path=p) from exc
        except Exception as exc:  # zipfile, zlib and numpy raise a dozen types on damaged archives (fuzzed)
            raise FingerprintFileError(f"not a vidverify fingerprint file ({exc})", path=p) from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
            raise FingerprintFileError("not a vidverify fingerprint file", path=p)
        for name, arr in arrays.items():
            if arr.ndim != 1 or arr.dtype.kind not in "uif":
                raise FingerprintFileError(f"damaged fingerprint file (array {name}: {arr.dtype}, {arr.ndim}-D)",
                                           path=p)
        try:
            version = int(meta.get("format_version", 0))
        except (TypeError, ValueError, OverflowError) as exc:
            raise FingerprintFileError("damaged fingerprint file (format_version)", path=p) from exc
        if version < 2 and "times" in arrays:  # halves were not hashed: unknown, so marked flat (never matched)
            n = len(arrays["times"])
            arrays.update({h: np.zeros(n, np.uint64) for h in HALVES})
            arrays["half_flat"] = np.full(n, ALL_HALVES_FLAT, np.uint8)
        if version > FORMAT_VERSION:
            raise FingerprintFileError(
                f"fingerprint format version {meta.get('format_version')} is newer than this vidverify reads "
                f"({FORMAT_VERSION}); upgrade vidverify",
                path=p,
            )
        try:
            return cls(
                path=meta["path"],
                sha256=meta.get("sha256"),
                size=meta.get("size"),
                mode=meta.get("mode", "dense"),
                **_geometry(meta),
                versions=meta.get("versions", {}),
                warnings=tuple(meta.get("warnings", ())),
                times=arrays["times"].astype(np.float64),
                hashes=arrays["hashes"].astype(np.uint64),
                mirrored=arrays["mirrored"].astype(np.uint64),
                crop_hashes=arrays["crop_hashes"].astype(np.uint64),
                crop_mirrored=arrays["crop_mirrored"].astype(np.uint64),
                rot90=arrays["rot90"].astype(np.uint64),
                rot180=arrays["rot180"].astype(np.uint64),
                rot270=arrays["rot270"].astype(np.uint64),
                luma_mean=arrays["luma_mean"].astype(np.float32),
                luma_std=arrays["luma_std"].astype(np.float32),
                **{h: arrays[h].astype(np.uint64) for h in HALVES},
                half_flat=arrays["half_flat"].astype(np.uint8),
                **{name: arrays[name].astype(np.float64 if name == "packet_times" else np.uint64)
                   for name in PACKET_ARRAYS if name in arrays},
                codec_digest=_codec_digest(meta.get("codec_digest")),
            )
        except (KeyError, ValueError, TypeError, IndexError, AttributeError, OverflowError) as exc:
            raise FingerprintFileError(f"damaged fingerprint file ({exc})", path=p) from exc


def _codec_digest(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _half_column(frames: list[dict[str, Any]], k: int) -> np.ndarray:
    return np.array([int(f["halves"][k], 16) if "halves" in f else 0 for f in frames], dtype=np.uint64)


MAX_MEMBER_BYTES = 1 << 30  # no array of a fingerprint file is larger (10 h at 60 fps is ~17 MB per array)


def _open_regular(path: str) -> Any:
    """Open read-only without blocking (a FIFO or device named .vvfp is refused, never waited on)."""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FingerprintFileError("not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_archive(fh: Any) -> None:
    """Refuse archives whose members would make numpy allocate more than they hold."""
    from numpy.lib import format as npy_format

    with zipfile.ZipFile(fh) as z:
        for info in z.infolist():
            if info.file_size > MAX_MEMBER_BYTES:
                raise FingerprintFileError(f"damaged fingerprint file ({info.filename}: {info.file_size} bytes)")
            if not info.filename.endswith(".npy"):
                continue
            with z.open(info) as member:
                version = npy_format.read_magic(member)
                read_header = npy_format.read_array_header_1_0 if version == (1, 0) else \
                    npy_format.read_array_header_2_0
                shape, _, dtype = read_header(member)
                if dtype.hasobject:
                    raise FingerprintFileError(f"damaged fingerprint file ({info.filename}: object array)")
                if int(np.prod(shape, dtype=object)) * dtype.itemsize > info.file_size:
                    raise FingerprintFileError(f"damaged fingerprint file ({info.filename}: shape {shape} does "
                                               f"not fit in {info.file_size} bytes)")


def _geometry(d: dict[str, Any]) -> dict[str, Any]:
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


def is_fingerprint_file(path: str | os.PathLike[str]) -> bool:
    """A zip with the fingerprint's members. Never blocks: a FIFO or device is not one (and is not opened
    for reading in blocking mode)."""
    try:
        with _open_regular(os.fspath(path)) as fh:
            if fh.read(4) != b"PK\x03\x04":
                return False
            fh.seek(0)
            with zipfile.ZipFile(fh) as z:
                return "meta.npy" in z.namelist() and "hashes.npy" in z.namelist()
    except Exception:  # any damaged zip (BadZipFile, zlib.error, NotImplementedError for odd versions, ...)
        return False


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks (the file is opened read-only)."""
    h = hashlib.sha256()
    buf = bytearray(chunk)  # one buffer, reused: a new one per read costs a page fault per 4 KiB
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while got := fh.readinto(buf):
            h.update(view[:got])
    return h.hexdigest()


def versions(mode: str, fast: bool) -> dict[str, Any]:
    return {
        "vidverify": __version__,
        "hash": PHASH_VERSION,
        "frame": f"{decode.FRAME_SIZE}x{decode.FRAME_SIZE} luma plane, ffmpeg extractplanes=y + scale flags=area",
        "decoder": f"ffmpeg {ffmpeg.ffmpeg_version()}",
        "decoder_options": ("skip_loop_filter=all" if fast else "full quality")
        + (", skip_frame=nokey" if mode == "keyframes" else ""),
    }


HALF_FLAT_STD = 3.0  # grey-level std under which a half picture is flat (as align.FLAT_LUMA_STD for frames)


def _hash_batch(batch: decode.FrameBatch) -> tuple[np.ndarray, ...]:
    """One batch of frames -> its compact per-frame columns (runs in the decoder threads)."""
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
    return (batch.times, h, m, ch, cm, r90, r180, r270, flat.mean(axis=1), flat.std(axis=1),
            hh[:, 0], hh[:, 1], hh[:, 2], hh[:, 3], half_flat)


def fingerprint(
    path: str | os.PathLike[str],
    *,
    keyframes: bool = False,
    fast: bool = True,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    region: tuple[int, int, int, int] | None = None,
    sha256: str | None = None,
) -> Fingerprint:
    """Decode ``path`` and hash every frame (or every keyframe with ``keyframes=True``).

    ``region`` (x, y, w, h in display pixels) hashes only that part of the picture instead of the active area
    (compare uses it to follow a crop found by feature matching).

    ``fast`` skips the in-loop deblocking filter (invisible at 32x32; the drift is measured by the benchmark).
    ``jobs`` decoder processes split a long file at keyframes. ``progress`` is called with the number of frames
    decoded since its last call. ``sha256``, when the caller has it already, saves reading the file twice.
    Raises an ``InputError`` subclass for unreadable input.
    """
    p = os.fspath(path)
    warnings: list[str] = []
    digest: dict[str, str] = {"sha256": sha256} if sha256 else {}

    def _hash_file() -> None:
        try:
            digest["sha256"] = sha256_file(p)
        except OSError as exc:
            warnings.append(f"cannot compute sha256: {exc}")

    packets: list[PacketDigests] = []
    stop = threading.Event()  # an error ends the packet digests early instead of leaving them to read on

    def _digest_packets() -> None:
        packets.append(digest_packets(p, stop))

    decode._check_input(p)
    # the ffmpeg binary is looked up (imageio-ffmpeg runs it once) and its version asked while the layout is read
    threading.Thread(target=_warm_ffmpeg, daemon=True).start()
    hasher = threading.Thread(target=_hash_file if not sha256 else lambda: None, daemon=True)
    hasher.start()
    # a region fingerprint hashes part of the picture: its packets are the file's, digested elsewhere
    packer = threading.Thread(target=_digest_packets if region is None else lambda: None, daemon=True)
    packer.start()  # while the layout is read, the other core is idle
    try:
        # the display size and bars are found while the decoders run (a region is kept as the picture)
        layout = decode.read_layout(p, scan_keyframes=jobs is None or jobs > 1, bars=False)
        if region is not None:
            from .picture import Box

            x, y, w, h = (int(v) & ~1 for v in region)
            layout = replace(layout, active=Box(x, y, max(2, w), max(2, h)))
        layout, parts = decode.decode_batches(
            p, _hash_batch, keyframes=keyframes, fast=fast, jobs=jobs, layout=layout, on_frames=progress,
            warnings=warnings,
        )
    except BaseException:
        stop.set()
        raise
    times, hashes, mirrored, crop_h, crop_m, r90, r180, r270, means, stds, h_top, h_bot, h_left, h_right, h_flat = (
        list(col) for col in zip(*parts, strict=True)
    )
    hasher.join()
    packer.join()
    pk = packets[0] if packets else PacketDigests.empty()
    mode = "keyframes" if keyframes else "dense"
    t = np.concatenate(times)
    # CONTRACT.md: times start at 0.0 for the first displayed frame (a start delayed by an edit list, or an
    # MPEG-TS clock, is not footage); time_origin keeps the raw time of that frame, for seeking. Dense: the first
    # decoded frame. Keyframes: the first keyframe may come after the first displayed frame (a copy trimmed in
    # the middle of a GOP), which the earliest packet the container does not discard tells.
    shift = float(t.min()) if len(t) else 0.0
    if keyframes and pk.first_shown is not None:
        shift = min(shift, pk.first_shown - layout.origin)
    origin = layout.origin + shift
    duration = layout.duration
    return Fingerprint(
        path=p,
        sha256=digest.get("sha256"),
        size=os.path.getsize(p),
        mode=mode,
        times=t - shift,
        hashes=np.concatenate(hashes),
        mirrored=np.concatenate(mirrored),
        crop_hashes=np.concatenate(crop_h),
        crop_mirrored=np.concatenate(crop_m),
        rot90=np.concatenate(r90),
        rot180=np.concatenate(r180),
        rot270=np.concatenate(r270),
        luma_mean=np.concatenate(means).astype(np.float32),
        luma_std=np.concatenate(stds).astype(np.float32),
        half_top=np.concatenate(h_top),
        half_bottom=np.concatenate(h_bot),
        half_left=np.concatenate(h_left),
        half_right=np.concatenate(h_right),
        half_flat=np.concatenate(h_flat),
        packet_times=pk.times - origin,
        packet_digests=pk.digests,
        codec_digest=pk.codec,
        duration=duration,
        fps=layout.fps,
        width=layout.width or None,
        height=layout.height or None,
        active_area=tuple(layout.active.to_list()) if layout.active else None,  # type: ignore[arg-type]
        crop_area=tuple(_abs_crop(layout).to_list()),  # type: ignore[arg-type]
        time_origin=origin,
        versions=versions(mode, fast),
        warnings=tuple(warnings),
    )


def _warm_ffmpeg() -> None:
    try:
        ffmpeg.ffmpeg_version()
    except Exception:  # noqa: BLE001 - no ffmpeg: the decoders say so, with the reason
        pass


def _abs_crop(layout: decode.StreamLayout) -> Any:
    from .picture import Box

    area = layout.active or Box.full(layout.width or 2, layout.height or 2)
    c = decode.crop_in_frame(area.w, area.h)
    return Box(area.x + c.x, area.y + c.y, c.w, c.h)


def load_or_compute(path: str | os.PathLike[str], **kwargs: Any) -> Fingerprint:
    """A fingerprint file is loaded; a media file is fingerprinted."""
    if is_fingerprint_file(path):
        return Fingerprint.load(path)
    return fingerprint(path, **kwargs)


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SCHEMA",
    "Fingerprint",
    "fingerprint",
    "is_fingerprint_file",
    "load_or_compute",
    "sha256_file",
]
