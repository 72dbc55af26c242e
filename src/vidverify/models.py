"""Frozen result types. Each holds only JSON types and round-trips through ``to_dict``/``from_dict``.

Sequences are tuples (so the objects stay hashable and immutable); ``to_dict`` turns them into lists.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

SEVERITIES = ("info", "warning", "error")
"""Severities of findings, least severe first."""

CANVAS_REGION = "region of a canvas"
"""The ``kind`` of a ``crop`` edit where B keeps only the region of a canvas in which A shows B (a duet or a screen
recording compared as A): a canvas is made from the clip it shows, so this crop says nothing of which came first."""
BLURRED_FILL = "blurred-fill"
"""The ``surround`` of a ``pad`` edit whose surround is A's picture itself, scaled to cover B's frame and blurred (a
9:16 re-post of a landscape clip)."""


def _to_json(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    return value


def _from_json(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None):
                continue
            return _from_json(arg, value)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis or len(args) == 1:
            return tuple(_from_json(args[0], v) for v in value)
        return tuple(_from_json(a, v) for a, v in zip(args, value, strict=False))
    if origin is list:
        (arg,) = typing.get_args(tp) or (Any,)
        return [_from_json(arg, v) for v in value]
    if isinstance(tp, type) and issubclass(tp, Model):
        return tp.from_dict(value)
    if tp is float and isinstance(value, int):
        return float(value)
    return value


class Model:
    """Mixin for frozen dataclasses: ``to_dict()`` gives JSON types, ``from_dict()`` reads them back."""

    _hints: ClassVar[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _to_json(getattr(self, f.name)) for f in dataclasses.fields(self)  # type: ignore[arg-type]
                if f.metadata.get("json", True)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in data:
                kwargs[f.name] = _from_json(hints[f.name], data[f.name])
        return cls(**kwargs)


@dataclass(frozen=True)
class Timestamp(Model):
    """One raw time field as found in a file. ``value`` is ISO 8601; ``timezone`` is ``"Z"``, an offset or None."""

    field: str
    value: str
    timezone: str | None = None


@dataclass(frozen=True)
class GPS(Model):
    lat: float
    lon: float
    alt: float | None = None
    source: str = ""


@dataclass(frozen=True)
class Place(Model):
    """A town or city of the offline gazetteer (GeoNames) that a claimed place name can mean.

    ``admin1`` is GeoNames' first-level division code (a US state's postal code, ``ENG`` for England);
    ``radius_m`` how far from its point the place is taken to reach (``evidence/placenames.radius_m``)."""

    name: str
    country: str
    admin1: str | None
    lat: float
    lon: float
    population: int
    geonameid: int
    radius_m: float


@dataclass(frozen=True)
class PlaceLookup(Model):
    """A claimed place given as a name, looked up in the offline gazetteer (``media/gazetteer.py``).

    ``status``: ``found`` (``candidates`` are every place the name can mean, all compared), ``unknown`` (no town or
    city of that name, in the country or US state named), ``too-coarse`` (only a country or US state is named),
    ``no-gazetteer`` (the gazetteer could not be loaded). ``matched``: the parts of the text read as a town or
    city; ``qualifiers``: as a country or US state; ``unused``: neither (finer detail the gazetteer does not hold).
    ``reason`` says why a place that is not ``found`` is not compared."""

    status: str
    candidates: tuple[Place, ...] = ()
    matched: tuple[str, ...] = ()
    qualifiers: tuple[str, ...] = ()
    unused: tuple[str, ...] = ()
    gazetteer: str = ""
    reason: str | None = None


@dataclass(frozen=True)
class Claims(Model):
    """What an upload claims about itself (yt-dlp sidecar, user input).

    ``claimed_place_lookup``: for a ``claimed_place`` given as a name (not coordinates), what the offline
    gazetteer made of it; None for coordinates."""

    source: str | None = None
    upload_time: str | None = None
    uploader: str | None = None
    url: str | None = None
    title: str | None = None
    description: str | None = None
    claimed_time: str | None = None
    claimed_place: str | None = None
    claimed_place_lookup: PlaceLookup | None = None


@dataclass(frozen=True)
class Writer(Model):
    """The software that most likely wrote a file, with the evidence (``writer.identify``).

    ``family``: ``camera`` (a camera or phone original), ``ffmpeg``, ``tool`` (GPAC, mkvmerge, HandBrake, ...),
    ``apple`` (CoreMedia/AVFoundation export),
    ``messenger`` (WhatsApp/Telegram/... transcodes), ``editor`` (Adobe, DaVinci, CapCut, ...), ``platform``
    (YouTube/TikTok/... re-encodes), ``unknown``. ``original`` is False when the file is not a camera original,
    None when that cannot be told.
    """

    name: str
    family: str = "unknown"
    original: bool | None = None
    confidence: float = 0.0
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Credentials(Model):
    """A file's C2PA content credentials, as read and validated (docs/contract.md, probe: ``credentials``).

    ``state``: ``valid`` (intact, signer chains to a trust anchor the user gave), ``untrusted`` (intact, signer
    not on the trust list), ``invalid`` (manifest or content changed after signing, or a manifest that cannot be
    read). ``trust_list``: SHA-256 of the trust anchors it was judged against (None: none given)."""

    state: str
    signer: str | None = None
    issued: str | None = None
    claim_generator: str | None = None
    actions: tuple[str, ...] = ()
    digital_source_type: str | None = None
    ai_generated: bool = False
    failures: tuple[str, ...] = ()
    # beyond the contract
    captured: str | None = None  # the c2pa.created action's ``when``, else the EXIF assertion's DateTimeOriginal
    trust_list: str | None = None
    # the whole manifest store as c2pa-python reads it (the JSON of ``probe --json`` carries it as manifest_store)
    manifest_store: dict[str, Any] | None = field(default=None, compare=False, metadata={"json": False})


@dataclass(frozen=True)
class MediaInfo(Model):
    """What ``probe`` learns about one file (docs/contract.md, probe section)."""

    path: str
    sha256: str | None = None
    size: int | None = None
    kind: str = "unknown"  # video | image | audio | unknown
    container: str | None = None
    duration: float | None = None
    width: int | None = None  # display size, after rotation and pixel aspect
    height: int | None = None
    fps: float | None = None
    frame_count: int | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    rotation: int = 0
    created: str | None = None
    created_source: str | None = None
    timezone: str | None = None
    timestamps: tuple[Timestamp, ...] = ()
    make: str | None = None
    model: str | None = None
    software: str | None = None
    encoder: str | None = None
    gps: GPS | None = None
    errors: tuple[str, ...] = ()
    # beyond the contract
    start_time: float | None = None  # first video frame on the presentation timeline (s)
    # what the container declares (mvhd, or libavformat's longest stream) when it is not ``duration``, the span of
    # the displayed frames: a longer audio or telemetry track, a pre-roll an edit list hides (s)
    declared_duration: float | None = None
    # the container declares more video frames than the file holds (a cut download or copy): ``duration`` and
    # ``frame_count`` are what is present, ``declared_duration`` what the header says
    truncated: bool = False
    other_gps: tuple[GPS, ...] = ()  # further positions the file states, away from ``gps`` (each with its source)
    coded_width: int | None = None
    coded_height: int | None = None
    bit_rate: int | None = None
    pixel_aspect: str | None = None
    format_name: str | None = None  # demuxer that read it
    streams: tuple[dict[str, Any], ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    writer: Writer | None = None  # which software most likely wrote the file (writer.identify)
    claims: Claims | None = None  # from a sidecar beside the file (yt-dlp .info.json) or given by the user
    credentials: Credentials | None = None  # C2PA content credentials; None: the file carries no manifest

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def readable(self) -> bool:
        """Whether probe could tell what the file is (a damaged file may still be readable, with ``errors``)."""
        return self.kind != "unknown"


@dataclass(frozen=True)
class Segment(Model):
    """A matched stretch: B's [b_start, b_end) shows A's [a_start, a_end) (seconds on each file's timeline)."""

    a_start: float
    a_end: float
    b_start: float
    b_end: float
    speed: float = 1.0  # B seconds per A second
    mirrored: bool = False
    distance: float = 0.0  # mean Hamming bits between matched frames
    frames: int = 0  # B frames in the stretch
    channel: str = "full"  # full | a-crop (B is a centre crop of A) | b-crop | b-bars (B shows A inside bars) | ...


@dataclass(frozen=True)
class LookAlike(Model):
    """A stretch whose frames match the other file's but carry too little information to tell which moment they
    show (a static shot, a fade, black, chrome two files share): not reported as a match, and not shown to be
    another moment either. ``evidence``: its seconds of evidence (``match/strength.py``), under the
    ``min_evidence_seconds`` a match needs."""

    a_start: float
    a_end: float
    b_start: float
    b_end: float
    speed: float = 1.0
    distance: float = 0.0
    evidence: float = 0.0
    channel: str = "full"


@dataclass(frozen=True)
class Edit(Model):
    """How B differs from A somewhere: a type, times on both sides where they apply, and the evidence."""

    type: str
    a_start: float | None = None
    a_end: float | None = None
    b_start: float | None = None
    b_end: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AudioSegment(Model):
    """A shared stretch of sound: B's sound over [b_start, b_end) is A's over [a_start, a_end)."""

    a_start: float
    a_end: float
    b_start: float
    b_end: float


@dataclass(frozen=True)
class AudioMatch(Model):
    """The ``audio`` object of a compare (docs/contract.md): verdict same | partial | different | none."""

    verdict: str
    segments: tuple[AudioSegment, ...] = ()
    offset: float | None = None  # seconds B's sound plays later against its picture than A's (None: not measured)
    a_sound: str | None = None  # each side's sound: sound | silent | absent | failed (None: not fingerprinted)
    b_sound: str | None = None


@dataclass(frozen=True)
class FileRef(Model):
    path: str
    sha256: str | None = None
    duration: float | None = None
    credentials: Credentials | None = None  # as probe reads them (compare, with the media at hand)


@dataclass(frozen=True)
class Match(Model):
    """The result of comparing A with B (docs/contract.md, compare section)."""

    a: FileRef
    b: FileRef
    verdict: str  # identical | same-footage | partial-overlap | unrelated
    similarity: float
    coverage: dict[str, float]
    segments: tuple[Segment, ...] = ()
    edits: tuple[Edit, ...] = ()
    findings: tuple[Finding, ...] = ()
    confidence: float = 0.0
    thresholds: dict[str, float] = field(default_factory=dict)
    audio: AudioMatch | None = None  # None: either side's sound was not fingerprinted
    look_alike: tuple[LookAlike, ...] = ()  # stretches that match but cannot be told from another moment


@dataclass(frozen=True)
class Finding(Model):
    """A metadata or timeline observation with its evidence (docs/contract.md, scan section: ``findings``).

    ``code`` is a stable identifier documented in the README; ``severity`` is ``error``, ``warning`` or ``info``.
    """

    code: str
    severity: str
    paths: tuple[str, ...]
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LineageEntry(Model):
    """Which member a group member was made from (docs/contract.md, scan: ``lineage``). ``parent`` None: the root,
    the earliest recoverable version. ``evidence``: the clues, in words; ``parent-not-in-set`` first when its
    source is not in the set. ``sources``: every member it was made from: its parent, and for a composite (a duet,
    a grid, a picture-in-picture over other footage) each member whose footage it combines; none for the root and
    for a member whose source is not in the set."""

    path: str
    parent: str | None
    confidence: float
    evidence: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group(Model):
    """Uploads of the same footage (partial overlaps included) and the version the others are measured against."""

    id: str
    members: tuple[str, ...]
    reference: str
    reason: str = ""
    pairs: tuple[Match, ...] = ()  # reference (A) against each other member (B)
    matched_by: dict[str, str] = field(default_factory=dict)  # member -> "picture", or "sound" (its sound only)
    lineage: tuple[LineageEntry, ...] = ()  # one entry per member: which member it was made from


@dataclass(frozen=True)
class ScanResult(Model):
    """What ``scan`` found in a set of files (docs/contract.md, scan section)."""

    files: tuple[MediaInfo, ...]
    groups: tuple[Group, ...] = ()
    findings: tuple[Finding, ...] = ()
    singles: tuple[str, ...] = ()  # readable files that share footage with no other file
    errors: dict[str, str] = field(default_factory=dict)  # path -> one-line reason it could not be used
    # path -> seconds spent reading the file (probe and fingerprint); not in the JSON (it varies run to run)
    seconds: dict[str, float] = field(default_factory=dict, compare=False, metadata={"json": False})
    # path -> the times of its keyframe strip in the HTML report (shots from the fingerprint, pipeline/frames.py
    # keyframe_strip); not in the JSON (``vidverify frames`` is the way to keyframes)
    strips: dict[str, tuple[float, ...]] = field(default_factory=dict, compare=False, metadata={"json": False})

    def findings_at_or_above(self, severity: str) -> list[Finding]:
        """The findings at or above ``severity`` (``info``, ``warning`` or ``error``)."""
        return at_or_above(self.findings, severity)


@dataclass(frozen=True)
class SearchResult(Model):
    """One indexed clip that shares footage with the query (docs/contract.md, search section).

    ``segments`` and ``coverage`` as in compare, with A = the query and B = the indexed clip (a segment's
    ``frames`` counts the frames of the denser side); ``score`` is the compare similarity (0..1); ``edits`` say
    how the query differs from the indexed clip (as ``compare INDEXED QUERY`` would, without the picture edits
    that need the media; none for a keyframe-only query against a denser clip); ``votes`` is the candidate
    stage's score (sampled query frames on one time line, weighted by closeness)."""

    path: str
    sha256: str
    score: float
    verdict: str
    coverage: dict[str, float]
    segments: tuple[Segment, ...] = ()
    edits: tuple[Edit, ...] = ()
    duration: float | None = None
    confidence: float = 0.0
    votes: float = 0.0
    # "sound": a hit by sound alone (no picture shared: verdict unrelated); audio as compare's, with A = the query
    matched_by: str = "picture"
    audio: AudioMatch | None = None
    # the indexed clip's content credentials as probe read them when it was indexed; ``credentials_read`` is
    # False for a clip indexed before vidverify read credentials (``credentials`` None then means unknown)
    credentials: Credentials | None = None
    credentials_read: bool = True


@dataclass(frozen=True)
class AddResult(Model):
    """What ``add_paths`` did with one input: ``added``, ``unchanged`` (same path, size and mtime: not read),
    ``known`` (content already indexed: only the path was recorded) or ``error``."""

    path: str
    status: str
    sha256: str | None = None
    frames: int | None = None
    seconds: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class CheckCase(Model):
    """One check: ``kind`` (see the module's table), a readable ``name``, ``status`` (pass/fail/error/skip), a
    one-line ``message``, the ``severity`` a failure has, the files involved (as scanned), the manifest ``line``
    the expectation comes from (YAML/JSON, when known) and the ``evidence``."""

    id: str
    kind: str
    name: str
    status: str
    message: str
    severity: str = "error"
    paths: tuple[str, ...] = ()
    line: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    # time spent deciding it (hashing, reading the file): JUnit's testcase time; not in the JSON (varies per run)
    seconds: float = field(default=0.0, compare=False, metadata={"json": False})


@dataclass(frozen=True)
class FileCheck(Model):
    """A listed file's hashes: as the manifest expects, before the scan, after it, and the one the scan read.
    ``document``: a sidecar or claims file the manifest lists under ``documents`` (hashed, never scanned)."""

    id: str
    path: str
    expected: str
    before: str | None = None
    after: str | None = None
    scanned: str | None = None
    error: str | None = None
    document: bool = False

    @property
    def unchanged(self) -> bool:
        return self.before is not None and self.before == self.after == self.expected \
            and self.scanned in (None, self.before)


@dataclass(frozen=True)
class CheckResult(Model):
    """What :func:`check` found (JSON: ``vidverify/check@1``)."""

    manifest: str
    fail_on: str
    status: str  # pass | fail | error
    cases: tuple[CheckCase, ...]
    summary: dict[str, int]
    findings: tuple[Finding, ...] = ()
    files: tuple[FileCheck, ...] = ()
    scan: ScanResult | None = None

    @property
    def failed(self) -> list[CheckCase]:
        return [c for c in self.cases if c.status == "fail"]

    @property
    def errored(self) -> list[CheckCase]:
        return [c for c in self.cases if c.status == "error"]


@dataclass(frozen=True)
class InitResult(Model):
    """What :func:`init_manifest` wrote: the manifest's path, the files listed, and those left out (unreadable),
    and the documents (sidecars, claims files) listed with their hashes."""

    path: str
    files: tuple[str, ...]
    groups: int
    expected_findings: int
    skipped: dict[str, str] = field(default_factory=dict)
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shot(Model):
    start: float  # seconds on the file's timeline: the shot's first frame
    end: float  # the end of its last frame (the next shot's start)


@dataclass(frozen=True)
class Keyframe(Model):
    time: float
    file: str  # the JPEG written: the output folder as given joined with the image name
    shot: int  # index into FramesResult.shots


@dataclass(frozen=True)
class Anomaly(Model):
    type: str  # a finding code: duplicated-frames, frozen, dropped-frames, clock-jump
    start: float
    end: float
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FramesResult(Model):
    """``vidverify frames``: one file's shots, keyframes and frame-level anomalies (docs/contract.md)."""

    path: str
    shots: tuple[Shot, ...] = ()
    keyframes: tuple[Keyframe, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    sheet: str | None = None  # the contact sheet written (one image of all keyframes)
    duration: float | None = None
    frames: int = 0
    clock: dict[str, Any] = field(default_factory=dict)  # {"enabled": false, "reason": ...} without OCR
    warnings: tuple[str, ...] = ()


def mean_bits(segments: Iterable[Segment]) -> float | None:
    """The mean hash distance of the matched frames of ``segments`` (each weighs its frames, at least one); None
    for none."""
    rows = [(s.distance, max(1, s.frames)) for s in segments]
    n = sum(f for _, f in rows)
    return sum(d * f for d, f in rows) / n if n else None


def at_or_above(findings: Iterable[Finding], severity: str) -> list[Finding]:
    """The findings at or above ``severity`` (``info``, ``warning`` or ``error``)."""
    floor = SEVERITIES.index(severity)
    return [f for f in findings if f.severity in SEVERITIES and SEVERITIES.index(f.severity) >= floor]


__all__ = [
    "GPS",
    "SEVERITIES",
    "AddResult",
    "Anomaly",
    "CheckCase",
    "CheckResult",
    "Claims",
    "Edit",
    "FileCheck",
    "FileRef",
    "Finding",
    "FramesResult",
    "Group",
    "InitResult",
    "LineageEntry",
    "Keyframe",
    "Match",
    "MediaInfo",
    "Model",
    "Place",
    "PlaceLookup",
    "ScanResult",
    "SearchResult",
    "Segment",
    "Shot",
    "Timestamp",
    "Writer",
    "at_or_above",
    "mean_bits",
]
