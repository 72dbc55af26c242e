"""C2PA content credentials: find a file's manifest store, read and validate it, and sum it up.

Three steps, each bounded:

1. ``locate`` (plain Python, no library): walks the top-level structure of ISO BMFF (MP4, MOV, HEIC, AVIF),
   JPEG, PNG and WebP for the manifest store (a ``uuid`` box with the C2PA UUID, APP11 JUMBF segments, a ``caBX``
   chunk, a ``C2PA`` chunk) and its size. A file without one costs a few reads and never loads the library; a
   store larger than ``MAX_MANIFEST_BYTES`` is not handed to it.
2. ``c2pa-python`` (the C2PA reference SDK, c2pa-rs) reads and validates the store in a child process with a
   deadline (``timeout_for``) and an address-space cap (``MEMORY_LIMIT``): a hostile store that hangs, exhausts
   memory or crashes the native library costs that child, never the caller. The settings turn every network use
   off (no remote manifest, no OCSP); trust anchors come only from the user (``VIDVERIFY_TRUST_ANCHORS``, the
   CLI's ``--trust-anchors``).
3. ``summarise`` turns the store and its validation results into ``Credentials`` (docs/contract.md).

A store that cannot be read (malformed, too large, too slow) gives ``state: invalid`` with a ``vidverify.*``
failure code and a line in ``errors``; the rest of the file's facts are unaffected.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import re
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ...errors import UsageError
from ...models import Credentials, MediaInfo, Timestamp
from .. import files
from . import toplevel

CAPTURE_FIELD = "C2PA created"
"""The time field (``MediaInfo.timestamps``) probe adds for a manifest's capture time (evidence/dates.py)."""
TRUST_ENV = "VIDVERIFY_TRUST_ANCHORS"
"""Environment variable: a PEM file of trust anchors (root or intermediate certificates) for C2PA signers."""
C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
MAX_MANIFEST_BYTES = 64 * 2**20
"""A manifest store larger than this is not read (real ones, thumbnails included, are kilobytes to a few MiB)."""
MAX_RESULT_BYTES = 64 * 2**20
"""The child's answer (the store as JSON) is read up to this size."""
MAX_TRUST_BYTES = 16 * 2**20
MAX_STRUCTURE_ITEMS = 10_000
"""Top-level boxes, segments or chunks walked at most looking for the store."""
TIMEOUT_FLOOR_S = 30.0
TIMEOUT_BYTES_PER_S = 50e6
"""The library hashes the whole file (BMFF and data hashes): the deadline allows 50 MB/s beyond the floor."""
MEMORY_LIMIT = 4 * 2**30
"""Address space of the reading child (bytes)."""
AI_SOURCE_TYPES = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"})
TRUST_CODES = frozenset({"signingCredential.untrusted", "timeStamp.untrusted", "cawg.x509.credential.untrusted"})
"""Failure codes that say a certificate (the signer's, the time-stamp authority's, a CAWG identity's) is not on
the trust list: ``untrusted``, not ``invalid``. Any code ending in ``.untrusted`` is taken the same way."""


def about_trust(code: str) -> bool:
    """Whether a failure code is about trust (a certificate not on the trust list), not about integrity."""
    return code in TRUST_CODES or code.endswith(".untrusted")
# vidverify's own failure codes, for stores the library was not given or could not read
FAIL_TOO_LARGE = "vidverify.manifestTooLarge"
FAIL_TIMEOUT = "vidverify.timeout"
FAIL_UNREADABLE = "vidverify.manifestUnreadable"
NOT_READ_TAG = "vidverify.credentials"
"""A MediaInfo tag an index sets on a file stored before vidverify read credentials (value ``not-read``):
``credentials`` None then means unknown, not "no manifest"."""
ERROR_PREFIX = "C2PA: "


OTHER_FORMATS = {".wav": "audio/wav", ".avi": "video/avi", ".mp3": "audio/mpeg", ".tif": "image/tiff",
                 ".tiff": "image/tiff", ".dng": "image/dng", ".gif": "image/gif", ".flac": "audio/flac",
                 ".jxl": "image/jxl"}
"""Formats the C2PA library reads that ``locate`` does not walk: a file named so (or whose first bytes say so:
``_other_by_content``) is handed to the library, which looks for a store itself (none: ``credentials`` null)."""


_OTHER_MAGIC = ((0, b"fLaC", "audio/flac"), (0, b"GIF87a", "image/gif"), (0, b"GIF89a", "image/gif"),
                (0, b"II*\x00", "image/tiff"), (0, b"MM\x00*", "image/tiff"), (0, b"ID3", "audio/mpeg"),
                (0, b"\xff\x0a", "image/jxl"), (4, b"JXL ", "image/jxl"), (8, b"WAVE", "audio/wav"),
                (8, b"AVI ", "video/avi"))


def _other_by_content(path: str) -> str | None:
    """The media type of one of OTHER_FORMATS told by its first bytes (a signed WAV saved as ``.bin`` or with
    no extension still has its credentials read)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return None
    riff = head[:4] == b"RIFF"
    return next((mime for at, magic, mime in _OTHER_MAGIC
                 if head[at:at + len(magic)] == magic and (at != 8 or riff)), None)


@dataclass(frozen=True)
class Located:
    """Where a file's embedded manifest store is: the media type to read it as and its size in bytes."""

    mime: str
    size: int


# ------------------------------------------------------------------------------------------------ locating


def locate(path: str) -> Located | None:
    """The embedded manifest store of a file, or None when it carries none (or is a format not walked here).
    Raises OSError when the file cannot be read."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(16)
        if len(head) >= 12 and head[4:8] == b"ftyp":
            return _locate_bmff(fh, size, head[8:12])
        if head.startswith(b"\xff\xd8"):
            return _locate_jpeg(fh)
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return _locate_png(fh, size)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _locate_webp(fh, size)
    return None


_BMFF_MIME = {b"qt  ": "video/quicktime", b"heic": "image/heic", b"heix": "image/heic", b"mif1": "image/heif",
              b"heif": "image/heif", b"avif": "image/avif", b"M4A ": "audio/mp4"}


def _locate_bmff(fh: Any, size: int, brand: bytes) -> Located | None:
    total = 0
    for typ, _, hdr, n in toplevel.bmff_boxes(fh, size, MAX_STRUCTURE_ITEMS):
        if typ == b"uuid" and n >= hdr and fh.read(16) == C2PA_UUID:
            total += n
    return Located(_BMFF_MIME.get(brand, "video/mp4"), total) if total else None


def _locate_jpeg(fh: Any) -> Located | None:
    pos, total = 2, 0
    for _ in range(MAX_STRUCTURE_ITEMS):
        fh.seek(pos)
        head = fh.read(4)
        if len(head) < 4 or head[0] != 0xFF:
            break
        marker = head[1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            pos += 2
            continue
        if marker in (0xDA, 0xD9):  # start of scan, end of image: metadata segments come before
            break
        n = int.from_bytes(head[2:4], "big")
        if marker == 0xEB and n > 2:  # APP11: JPEG XT boxes, JUMBF ("JP", then a jumb superbox labelled c2pa)
            body = fh.read(min(n - 2, 64))
            if body[:2] == b"JP" and (b"c2pa" in body or total):
                total += n - 2
        pos += 2 + n
    return Located("image/jpeg", total) if total else None


def _locate_png(fh: Any, size: int) -> Located | None:
    pos, total = 8, 0
    for _ in range(MAX_STRUCTURE_ITEMS):
        fh.seek(pos)
        head = fh.read(8)
        if len(head) < 8:
            break
        n, typ = int.from_bytes(head[:4], "big"), head[4:8]
        if typ == b"caBX":
            total += n
        if typ == b"IEND" or pos + 12 + n > size:
            break
        pos += 12 + n
    return Located("image/png", total) if total else None


def _locate_webp(fh: Any, size: int) -> Located | None:
    total = sum(n for fourcc, _, n in toplevel.riff_chunks(fh, size, MAX_STRUCTURE_ITEMS) if fourcc == b"C2PA")
    return Located("image/webp", total) if total else None


# ------------------------------------------------------------------------------------------------ trust


def set_trust_anchors(path: str | os.PathLike[str] | None = None, *, option: str = "trust anchors") -> None:
    """Judge C2PA signers against the certificates of this PEM file for the rest of the process and in the
    worker processes it starts (the CLI's ``--trust-anchors``). None: check the file that
    ``$VIDVERIFY_TRUST_ANCHORS`` names, if any. A file that is not PEM certificates is a ``UsageError`` whose
    message names it after ``option`` (the CLI passes its flag; a caller in Python gets "trust anchors")."""
    given = os.fspath(path) if path is not None else os.environ.get(TRUST_ENV)
    if not given:
        return
    pem = _read_pem(given)
    if pem.startswith("error:"):
        raise UsageError(f"{option if path is not None else TRUST_ENV} {given}: {pem[6:]}")
    os.environ[TRUST_ENV] = os.path.abspath(given)


def _read_pem(path: str) -> str:
    """The PEM text of a trust anchors file, or ``error:`` and why not."""
    try:
        data = files.read_capped(path, MAX_TRUST_BYTES, "trust anchors file")
    except files.DocumentError as exc:
        return f"error:{exc.message}"
    text = data.decode("ascii", errors="replace")
    if "-----BEGIN CERTIFICATE-----" not in text:
        return "error:no PEM certificate (-----BEGIN CERTIFICATE-----) in it"
    return text


def trust_anchors_problem(path: str | os.PathLike[str]) -> str | None:
    """Why this file cannot serve as trust anchors (missing, too large, not PEM certificates), or None."""
    pem = _read_pem(os.fspath(path))
    return pem[6:] if pem.startswith("error:") else None


@contextmanager
def trust_anchors_for(path: str | os.PathLike[str] | None) -> Iterator[None]:
    """Within the block (and in the worker processes started in it), trust ``path``'s anchors unless the user
    already named some (``--trust-anchors``, ``$VIDVERIFY_TRUST_ANCHORS``): a manifest's ``policy.trust-anchors``."""
    if path is None or os.environ.get(TRUST_ENV):
        yield
        return
    os.environ[TRUST_ENV] = os.path.abspath(os.fspath(path))
    try:
        yield
    finally:
        os.environ.pop(TRUST_ENV, None)


def trust_anchors() -> tuple[str | None, str | None]:
    """(PEM text, SHA-256 of the file) of the trust anchors named by ``VIDVERIFY_TRUST_ANCHORS``, (None, None)
    without. A file that cannot be read gives (None, None) too: every manifest is then at most ``untrusted``."""
    path = os.environ.get(TRUST_ENV)
    if not path:
        return None, None
    pem = _read_pem(path)
    if pem.startswith("error:"):
        return None, None
    try:
        return pem, files.sha256_file(path)
    except OSError:
        return None, None


def settings(anchors: str | None) -> dict[str, Any]:
    """c2pa-rs settings: validate on read, never touch the network, trust only the user's anchors."""
    return {
        "verify": {"verify_after_reading": True, "verify_trust": True, "verify_timestamp_trust": True,
                   "remote_manifest_fetch": False, "ocsp_fetch": False},
        "core": {"allowed_network_hosts": []},
        "trust": {"trust_anchors": anchors, "user_anchors": None},
    }


# ------------------------------------------------------------------------------------------------ reading


def timeout_for(size: int) -> float:
    """Seconds the reading child may take for a file of ``size`` bytes (``$VIDVERIFY_TIMEOUT`` wins)."""
    env = os.environ.get("VIDVERIFY_TIMEOUT")
    try:
        if env and (value := float(env)) > 0 and math.isfinite(value):
            return value
    except ValueError:
        pass
    return max(TIMEOUT_FLOOR_S, size / TIMEOUT_BYTES_PER_S)


def read(path: str, *, timeout: float | None = None) -> tuple[Credentials | None, list[str]]:
    """The file's credentials (None: no manifest store) and the problems met reading them (for ``errors``)."""
    try:
        found = locate(path)
        size = os.path.getsize(path)
    except OSError as exc:
        return None, [f"{ERROR_PREFIX}cannot read: {exc.strerror or exc}"]
    other = OTHER_FORMATS.get(Path(path).suffix.lower()) or _other_by_content(path)
    if found is None and other:  # not walked here: the library looks itself
        found = Located(other, 0)
    if found is None:
        return None, []
    anchors, trust_id = trust_anchors()
    if found.size > MAX_MANIFEST_BYTES:
        return (Credentials(state="invalid", failures=(FAIL_TOO_LARGE,), trust_list=trust_id),
                [f"{ERROR_PREFIX}manifest store of {found.size} bytes exceeds {MAX_MANIFEST_BYTES}; not read"])
    limit = timeout_for(size) if timeout is None else timeout
    answer = _run_child({"path": os.path.abspath(path), "mime": found.mime, "settings": settings(anchors)}, limit)
    if answer.get("missing") and not found.size:  # a format not walked here, and the library found no store
        return None, []
    if answer.get("missing"):  # the library found no store where the walk saw one (a damaged box): not credentials
        return (Credentials(state="invalid", failures=(FAIL_UNREADABLE,), trust_list=trust_id),
                [f"{ERROR_PREFIX}a manifest store is present but the C2PA library cannot find it"])
    if "store" not in answer and not found.size and not answer.get("timeout"):
        # a format only the library reads, and it cannot parse the file at all (a text file named .gif): no store
        # was seen, so nothing says the file was signed, let alone tampered with
        return None, []
    if "store" not in answer:
        code = FAIL_TIMEOUT if answer.get("timeout") else FAIL_UNREADABLE
        return (Credentials(state="invalid", failures=(code,), trust_list=trust_id),
                [f"{ERROR_PREFIX}{answer.get('error') or 'the manifest store cannot be read'}"])
    try:
        return summarise(answer["store"], anchored=anchors is not None, trust_list=trust_id), []
    except (TypeError, ValueError, AttributeError, KeyError) as exc:  # a store shaped against the schema
        return (Credentials(state="invalid", failures=(FAIL_UNREADABLE,), trust_list=trust_id),
                [f"{ERROR_PREFIX}the manifest store does not have the expected shape ({type(exc).__name__})"])


REMOTE_SCAN_BYTES = 1 << 18
"""Bytes at the start of a file searched for the XMP reference to its manifest (``dcterms:provenance``)."""
PROVENANCE_TAG = "vidverify.c2pa_provenance"
"""The tag probe sets on a file without an embedded manifest whose XMP names one: a URL (a remote manifest,
never fetched) or ``self#jumbf=...`` (an embedded manifest that is no longer there: removed after signing)."""
_PROVENANCE_RE = re.compile(rb'dcterms:provenance(?:="|>)([\x21-\x7e]{1,2000}?)["<]')


def provenance(path: str) -> str | None:
    """Where the file's XMP says its manifest is (``dcterms:provenance``): a URL (a remote manifest, never fetched:
    vidverify makes no network calls) or a ``self#jumbf=`` reference; None without one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(REMOTE_SCAN_BYTES)
    except OSError:
        return None
    m = _PROVENANCE_RE.search(head)
    return m[1].decode("ascii") if m else None


def attach(info: MediaInfo, parse_time: Callable[[str], tuple[str, str | None] | None]) -> MediaInfo:
    """``info`` with the file's credentials read now (replacing any it had), their problems in ``errors`` and the
    signed capture time as the time field ``CAPTURE_FIELD`` (not for an invalid manifest), which is ``created``
    too when the file gives no other capture time. ``parse_time``:
    ``evidence.dates.parse_time`` (this module reads bytes; it does not parse times)."""
    cred, problems = read(info.path)
    when = parse_time(cred.captured) if cred is not None and cred.captured and cred.state != "invalid" else None
    stamps = [t for t in info.timestamps if t.field != CAPTURE_FIELD]
    if when is not None:
        stamps.append(Timestamp(CAPTURE_FIELD, *when))
    errors = (*(e for e in info.errors if not e.startswith(ERROR_PREFIX)), *problems)
    chosen: dict[str, Any] = {}
    if info.created_source == CAPTURE_FIELD:  # chosen from an earlier read: chosen again below, or not at all
        chosen = {"created": None, "created_source": None, "timezone": None}
    if when is not None and (info.created is None or info.created_source == CAPTURE_FIELD):
        chosen = {"created": when[0], "created_source": CAPTURE_FIELD, "timezone": when[1]}  # the file has no other
    tags = {k: v for k, v in info.tags.items() if k not in (NOT_READ_TAG, PROVENANCE_TAG)}
    if cred is None and (where := provenance(info.path)):
        tags[PROVENANCE_TAG] = where
    return replace(info, credentials=cred, errors=errors, timestamps=tuple(stamps), tags=tags, **chosen)


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[3])


class _Reader:
    """The reading child: started on first use and kept for the next files (loading the C2PA library costs a few
    hundred ms; a read, milliseconds), one per process (a forked worker starts its own), one request at a time.
    A request not answered by its deadline, or a child that dies (a crash, the memory cap), costs the child: it is
    killed and the next request starts a new one."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.owner = 0
        self.lock = threading.Lock()

    def forget(self) -> None:
        """In a forked child: drop the parent's reader (never stop it) and its lock."""
        self.proc, self.owner, self.lock = None, 0, threading.Lock()

    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_root(), env.get("PYTHONPATH")) if p)
        proc = subprocess.Popen([sys.executable, "-c", "from vidverify.media.formats.c2pa import _child; _child()"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.proc, self.owner = proc, os.getpid()
        return proc

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and self.owner == os.getpid():
            with contextlib.suppress(OSError):
                proc.kill()
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                proc.wait(timeout=5)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                with contextlib.suppress(OSError):
                    if stream is not None:
                        stream.close()

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        with self.lock:
            if self.proc is not None and self.owner != os.getpid():
                self.proc = None  # the parent's child, inherited through fork: not ours to use
            proc = self.proc if self.proc is not None and self.proc.poll() is None else None
            try:
                proc = proc or self._start()
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(json.dumps(request).encode() + b"\n")
                proc.stdin.flush()
            except OSError as exc:
                self.stop()
                return {"error": f"cannot start the reader: {exc.strerror or exc}"}
            line = self._line(proc, timeout)
            if line is None:
                self.stop()
                return {"timeout": True, "error": f"the manifest store was not read within {timeout:.3g} s (stopped)"}
            if len(line) > MAX_RESULT_BYTES:
                self.stop()
                return {"error": f"the manifest store reads as more than {MAX_RESULT_BYTES} bytes of JSON"}
            if not line:  # the child died (a crash, or the memory cap)
                code = proc.poll()
                err = proc.stderr.read(4096) if proc.stderr is not None and code is not None else b""
                self.stop()
                if b"No module named 'c2pa'" in err:
                    return {"error": "the c2pa-python package is not installed (pip install c2pa-python)"}
                return {"error": f"the reader stopped (exit {code}) reading this manifest store"}
        try:
            answer = json.loads(line)
        except ValueError:
            return {"error": "unexpected answer from the reader"}
        return answer if isinstance(answer, dict) else {"error": "unexpected answer from the reader"}

    @staticmethod
    def _line(proc: subprocess.Popen[bytes], timeout: float) -> bytes | None:
        """One answer line (b"" when the child closed its output), or None when none came by the deadline."""
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        size = 0
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    return b""
                chunks.append(chunk)
                size += len(chunk)
                if chunk.endswith(b"\n") or size > MAX_RESULT_BYTES:
                    return b"".join(chunks)


_READER = _Reader()
atexit.register(_READER.stop)
if hasattr(os, "register_at_fork"):  # a forked worker starts its own reader (the parent's is not its to use)
    os.register_at_fork(after_in_child=lambda: _READER.forget())


def _run_child(request: dict[str, Any], timeout: float) -> dict[str, Any]:
    return _READER.ask(request, timeout)


def _child() -> None:
    """The reading child: one request per line on stdin (path, media type, settings), one answer per line on
    stdout (the store as JSON, or why not); it ends when its input does."""
    try:
        import resource

        # never above a cap it inherited (a scan worker's VIDVERIFY_WORKER_MEMORY): only ever lowered
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = min(c for c in (MEMORY_LIMIT, soft, hard) if c != resource.RLIM_INFINITY)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):  # not on this platform: the deadline still holds
        pass
    import c2pa

    for raw in sys.stdin.buffer:
        request = json.loads(raw)
        out: dict[str, Any]
        try:
            with c2pa.Context.from_dict(request["settings"]) as ctx, open(request["path"], "rb") as fh:
                reader = c2pa.Reader.try_create(request["mime"], fh, None, ctx)
                if reader is None:
                    out = {"missing": True}
                else:
                    with reader:
                        out = {"store": json.loads(reader.json())}
        except c2pa.C2paError as exc:
            out = {"error": f"{type(exc).__name__.removeprefix('_C2pa') or 'error'}: {str(exc)[:300]}"}
        except MemoryError:
            out = {"error": f"reading the manifest store needs more than {MEMORY_LIMIT // 2**30} GiB"}
        except OSError as exc:
            out = {"error": f"cannot read: {exc.strerror or exc}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


# ------------------------------------------------------------------------------------------------ summing up


def _term(uri: Any) -> str | None:
    """The bare IPTC term of a digital source type URI (``.../digitalsourcetype/digitalCapture``)."""
    if not isinstance(uri, str) or not uri.strip():
        return None
    return uri.strip().rstrip("/").rsplit("/", 1)[-1]


def _actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for assertion in manifest.get("assertions") or []:
        label = str(assertion.get("label", ""))
        if label == "c2pa.actions" or label.startswith("c2pa.actions.v"):
            out += [a for a in (assertion.get("data") or {}).get("actions") or [] if isinstance(a, dict)]
    return out


def _created_type(manifest: dict[str, Any]) -> str | None:
    for action in _actions(manifest):
        if action.get("action") == "c2pa.created" and (term := _term(action.get("digitalSourceType"))):
            return term
    return None


def _chain(store: dict[str, Any], label: str) -> list[dict[str, Any]]:
    """The active manifest, then its ingredients' manifests nearest first (breadth first, each once)."""
    manifests = store.get("manifests") or {}
    order: list[dict[str, Any]] = []
    seen: set[str] = set()
    queue: list[str] = [label]
    while queue and len(order) < 1000:
        current = queue.pop(0)
        if current in seen or not isinstance(manifests.get(current), dict):
            continue
        seen.add(current)
        order.append(manifests[current])
        queue += [str(i["active_manifest"]) for i in manifests[current].get("ingredients") or []
                  if isinstance(i, dict) and i.get("active_manifest")]
    return order


def _generator(manifest: dict[str, Any]) -> str | None:
    if isinstance(manifest.get("claim_generator"), str):
        return str(manifest["claim_generator"])
    info = manifest.get("claim_generator_info") or []
    if info and isinstance(info[0], dict) and info[0].get("name"):
        return " ".join(str(info[0][k]) for k in ("name", "version") if info[0].get(k))
    return None


def _captured(manifest: dict[str, Any]) -> str | None:
    for action in _actions(manifest):
        if action.get("action") == "c2pa.created" and isinstance(action.get("when"), str):
            return str(action["when"])
    for assertion in manifest.get("assertions") or []:
        if assertion.get("label") == "stds.exif" and isinstance(assertion.get("data"), dict):
            value = assertion["data"].get("exif:DateTimeOriginal")
            if isinstance(value, str):
                return value
    return None


def _codes(entries: Any) -> list[str]:
    return [str(e["code"]) for e in entries or [] if isinstance(e, dict) and e.get("code")]


def summarise(store: dict[str, Any], *, anchored: bool, trust_list: str | None = None) -> Credentials:
    """The contract's summary of a manifest store as c2pa-python's ``Reader.json()`` gives it. ``anchored``:
    trust anchors were given (without them a manifest is never ``valid``)."""
    label = store.get("active_manifest")
    chain = _chain(store, label) if label else []
    results = store.get("validation_results") or {}
    if results:
        active = _codes((results.get("activeManifest") or {}).get("failure"))
        ingredients = [c for d in results.get("ingredientDeltas") or [] if isinstance(d, dict)
                       for c in _codes((d.get("validationDeltas") or {}).get("failure"))]
    else:  # an older reader: one flat status list
        active, ingredients = _codes(store.get("validation_status")), []
    failures = tuple(dict.fromkeys(active + ingredients))
    if not chain or not all(about_trust(c) for c in active):
        state = "invalid"
    elif anchored and not any(about_trust(c) for c in active) and store.get("validation_state") == "Trusted":
        state = "valid"
    else:
        state = "untrusted"
    if not chain:
        failures = failures or (FAIL_UNREADABLE,)
        return Credentials(state=state, failures=failures, trust_list=trust_list, manifest_store=store)
    top = chain[0]
    sig = top.get("signature_info") or {}
    source = next((t for t in (_created_type(m) for m in chain) if t), None)
    declared = {_term(a.get("digitalSourceType")) for m in chain for a in _actions(m)}
    return Credentials(
        state=state,
        signer=sig.get("issuer") or sig.get("common_name") or None,
        issued=sig.get("time") or None,
        claim_generator=_generator(top),
        actions=tuple(dict.fromkeys(str(a["action"]) for a in _actions(top) if a.get("action"))),
        digital_source_type=source,
        ai_generated=bool(declared & AI_SOURCE_TYPES),
        failures=failures,
        captured=_captured(top),
        trust_list=trust_list,
        manifest_store=store,
    )


__all__ = ["Located", "about_trust", "attach", "locate", "read", "provenance", "set_trust_anchors", "settings",
           "summarise", "trust_anchors", "trust_anchors_for", "trust_anchors_problem"]
