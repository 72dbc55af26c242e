"""Which software most likely wrote a file: a pure function of what ``probe`` recorded (``identify(info)``).

The evidence is a table of rules (:data:`RULES`). Each rule looks at some *fields* of a :class:`MediaInfo`, flattened
to strings by :func:`fields`:

==========================  ==========================================================================
field                       what it holds
==========================  ==========================================================================
``make`` ``model``          device strings chosen by probe (QuickTime keys, ``©mak``, EXIF, AVCHD MDPM, ...)
``software`` ``encoder``    software / encoder strings chosen by probe (``©swr``, ``©too``, XMP CreatorTool, ...)
``tag:<key>``               every container tag, e.g. ``tag:com.apple.quicktime.make``, ``tag:©too``,
                            ``tag:vidverify.structure`` (box layout), ``tag:vidverify.brands``,
                            ``tag:vidverify.bitstream_encoder`` (x264/x265 SEI, Lavc user data),
                            ``tag:vidverify.xmp_history`` (XMP ``xmpMM:History``)
``stream[i].<key>``         every stream tag, e.g. ``stream[0].handler_name``, ``stream[0].vendor_id``
``timestamp:<field>``       every raw time field, e.g. ``timestamp:avchd.DateTimeOriginal``
``xmp:softwareAgent``       the latest ``stEvt:softwareAgent`` of the XMP history
==========================  ==========================================================================

A rule is (id, family, fields (patterns where ``*`` matches anything), regex, name template, confidence, weak).
Every rule whose regex matches one of its fields is a *hit*, recorded in the evidence as ``field → value``.
The verdict:

1. Hits of a *writer* family win in this order: ``editor`` > ``platform`` > ``messenger`` > ``tool`` > ``ffmpeg``
   > ``apple``. A ``weak`` rule (a default handler name that camera firmware also writes) counts only when no
   ``camera`` rule hit. The winning family's best hit names the writer; ``original`` is False (the file was
   re-encoded, re-muxed or edited after capture). Camera evidence that was overruled is kept as ``camera_claim``:
   a file that says "iPhone" but carries an x264 SEI or FFmpeg's ``FFMP`` vendor code was written by FFmpeg.
2. Otherwise the best ``camera`` hit names the device; ``original`` is True when its confidence is at least
   :data:`ORIGINAL_MIN_CONFIDENCE`, else None.
3. No hit: ``unknown``, ``original`` None.

``confidence`` combines the winning family's hits as independent evidence (``1 - Π(1 - c)``), capped at 0.99.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from ..models import MediaInfo, Writer

FAMILY_PRIORITY = ("editor", "platform", "messenger", "tool", "ffmpeg", "apple")
"""Writer families, strongest first: the latest software to touch a file wins over the ones before it."""
ORIGINAL_MIN_CONFIDENCE = 0.7
"""Camera evidence at least this strong (0..1), with no writer evidence, makes ``original`` True."""
MAX_CONFIDENCE = 0.99
"""Combined confidence never reaches certainty (0..1)."""
MAX_EVIDENCE_CHARS = 200
"""Values are cut to this many characters in the evidence."""
MAX_HISTORY_CHARS = 1 << 20
"""An XMP history longer than this (characters) is not parsed."""


@dataclass(frozen=True)
class Rule:
    """One row of the table: ``fields`` are patterns (``*`` matches anything) over :func:`fields` names; ``name`` is a
    ``str.format`` template over ``make``, ``model``, ``software``, ``value`` (the matched field) and ``m1``
    (the regex's first group)."""

    id: str
    family: str
    fields: tuple[str, ...]
    pattern: str
    name: str
    confidence: float
    weak: bool = False

    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


_CACHE: dict[str, re.Pattern[str]] = {}


def _glob(pattern: str) -> re.Pattern[str]:
    """A field pattern: ``*`` matches anything, every other character itself (``stream[*]`` is literal)."""
    key = "glob:" + pattern
    if key not in _CACHE:
        _CACHE[key] = re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)
    return _CACHE[key]


def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern not in _CACHE:
        _CACHE[pattern] = re.compile(pattern, re.IGNORECASE)
    return _CACHE[pattern]


_ENC = ("encoder", "software", "tag:©too", "tag:encoder", "tag:ENCODER", "stream[*].encoder", "stream[*].ENCODER")
_HANDLER = ("stream[*].handler_name", "tag:video.handler_name")
_TEXT = ("make", "model", "software", "encoder", "tag:*", "stream[*].*", "xmp:softwareAgent")
_EDITORS = (
    r"\b(?:Adobe (?:Premiere(?: Pro| Rush| Elements)?|After Effects|Media Encoder|Photoshop|Lightroom|Audition)"
    r"|DaVinci Resolve|Final Cut Pro|iMovie|CapCut|Clipchamp|Wondershare Filmora|Filmora|Movavi|KineMaster"
    r"|InShot|VN Video Editor|VEGAS Pro|Sony Vegas|Camtasia|Avid Media Composer|Pinnacle Studio|PowerDirector"
    r"|Windows Movie Maker|Microsoft Photos|Shotcut|Kdenlive|OpenShot|LumaFusion)\b(?: (?:CC )?\d[\d.]*)?"
)
FREE_TEXT_TAGS = frozenset(
    f"tag:{k}" for k in (
        "title", "comment", "description", "synopsis", "artist", "album", "album_artist", "composer", "lyrics",
        "genre", "grouping", "keywords", "©nam", "©cmt", "©des", "©ART", "©alb", "©wrt", "©lyr", "©gen", "©grp",
        "©com", "aART", "desc", "ldes", "com.apple.quicktime.title", "com.apple.quicktime.comment",
        "com.apple.quicktime.description", "com.apple.quicktime.artist", "com.apple.quicktime.album",
        "com.apple.quicktime.keywords",
    )
)
"""Tags that people type (titles, comments): wildcard field patterns skip them, so a title "WhatsApp video" is
not evidence of WhatsApp. A rule that names such a tag explicitly (TikTok's ``comment``) still reads it."""

RULES: tuple[Rule, ...] = (
    # --- editors: XMP history and CreatorTool, or the editor's name in any text field
    Rule("xmp-history", "editor", ("xmp:softwareAgent",), r".+", "{value}", 0.9),
    Rule("editor-name", "editor", _TEXT, _EDITORS, "{m0}", 0.85),
    Rule("capcut-package", "editor", _TEXT, r"com\.lemon\.lv", "CapCut", 0.85),
    # --- platforms
    Rule("youtube-handler", "platform", _HANDLER, r"ISO Media file produced by Google", "YouTube", 0.9),
    Rule("youtube-webm", "platform", _ENC, r"^google(?:/video-file)?$", "YouTube", 0.9),
    Rule("tiktok-vid", "platform", ("tag:comment", "tag:©cmt", "tag:description"), r"^vid:v\w{6,}", "TikTok", 0.8),
    Rule("tiktok-aigc", "platform", ("tag:aigc_info",), r".", "TikTok", 0.5),
    # --- messengers
    Rule("messenger-name", "messenger", _TEXT, r"WhatsApp|Telegram|Signal Messenger|Viber|WeChat", "{m0}", 0.85),
    Rule(
        "android-muxer-no-camera", "messenger", _HANDLER, r"^(?:VideoHandle|SoundHandle)$",
        "Android MediaMuxer export (messenger or app)", 0.35, weak=True,
    ),
    # --- other tools that (re)write files
    Rule("handbrake", "tool", _TEXT, r"HandBrake(?: [\d.]+)?", "{m0}", 0.9),
    Rule("gpac", "tool", _HANDLER, r"GPAC ISO", "GPAC MP4Box", 0.8),
    Rule("lsmash", "tool", _HANDLER, r"L-SMASH", "L-SMASH", 0.8),
    Rule("mkvmerge", "tool", (*_ENC, "stream[*]._STATISTICS_WRITING_APP*"), r"mkvmerge|libmatroska",
         "mkvmerge (MKVToolNix)", 0.85),
    Rule("flv-tool", "tool", ("software", "tag:metadatacreator"), r"FLVTool2(?: v[\d.]+)?|flvmeta|yamdi|Manitou",
         "{m0}", 0.8),
    Rule("obs", "tool", _ENC, r"^obs", "OBS Studio", 0.8),
    # --- FFmpeg (libavformat muxer, libavcodec encoders, x264/x265 via FFmpeg)
    Rule("lavf", "ffmpeg", _ENC, r"^Lavf(\d[\d.]*)", "FFmpeg (Lavf{m1})", 0.95),
    Rule("lavc", "ffmpeg", (*_ENC, "tag:vidverify.bitstream_encoder"), r"^Lavc(\d[\d.]*)", "FFmpeg (Lavc{m1})", 0.9),
    Rule("ffmp-vendor", "ffmpeg", ("stream[*].vendor_id",), r"^FFMP$", "FFmpeg (mov muxer)", 0.9),
    Rule("x26x-sei", "ffmpeg", ("tag:vidverify.bitstream_encoder",), r"^x26[45] core \d+", "{value}", 0.8),
    Rule("ffmpeg-handler", "ffmpeg", _HANDLER, r"^(?:VideoHandler|SoundHandler)$", "FFmpeg", 0.6),
    # --- Apple software (CoreMedia/AVFoundation exports, QuickTime, iTunes)
    Rule("apple-quicktime", "apple", _ENC, r"QuickTime|iTunes", "Apple {value}", 0.8),
    Rule("apple-coremedia", "apple", _HANDLER, r"^Core Media (?:Video|Audio)$",
         "Apple CoreMedia/AVFoundation export", 0.6, weak=True),
    # --- cameras and phones
    Rule("apple-device", "camera", ("make",), r"^Apple$", "Apple {model}", 0.8),
    Rule("android-version", "camera", ("tag:com.android.version",), r".", "Android phone {make} {model}", 0.75),
    Rule("samsung-udta", "camera", ("tag:vidverify.structure",), r"\budta\[[^\]]*\bsmta\b", "Samsung phone", 0.7),
    Rule("gopro-firmware", "camera", ("tag:firmware", "tag:FIRM"), r"^(?:HD\d|H\d\d)\.", "GoPro {model}", 0.9),
    Rule("gopro-handler", "camera", (*_HANDLER, *_ENC), r"GoPro (?:AVC|H\.?265|HEVC)", "GoPro {model}", 0.85),
    Rule("gopro-telemetry", "camera", ("tag:vidverify.telemetry",), r"^gpmd$", "GoPro {model}", 0.6),
    Rule("dji", "camera", ("make", *_HANDLER, *_ENC), r"\bDJI\b", "DJI {model}", 0.8),
    Rule("avchd-mdpm", "camera", ("timestamp:avchd.DateTimeOriginal",), r".", "{make} AVCHD camcorder", 0.85),
    Rule("canon-riff", "camera", ("software",), r"^Canon", "Canon camera ({value})", 0.8),
    Rule("canon-udta", "camera", ("tag:vidverify.structure",), r"\bCNCV\b|\bCNTH\b", "Canon camera", 0.8),
    Rule("nikon-udta", "camera", ("tag:vidverify.structure",), r"\bNCDT\b", "Nikon camera", 0.8),
    Rule("panasonic-udta", "camera", ("tag:vidverify.structure",), r"\bPANA\b", "Panasonic camera", 0.8),
    Rule("sony-xavc", "camera", ("tag:vidverify.brands", "tag:major_brand"), r"XAVC", "Sony XAVC camera", 0.8),
    Rule("pentax-vendor", "camera", ("stream[*].vendor_id",), r"^pent$", "Pentax camera", 0.75),
    Rule("qt-camera-info", "camera", ("tag:©inf", "tag:©fmt"), r"DIGITAL CAMERA", "{value}", 0.6),
    Rule("device-make", "camera", ("make",), r".", "{make} {model}", 0.6),
)
"""The table, in no particular order: the verdict depends on families and confidences, not on row order."""


def fields(info: MediaInfo) -> dict[str, str]:
    """The strings the rules look at, by field name (see the module docstring)."""
    out: dict[str, str] = {}
    for key in ("make", "model", "software", "encoder"):
        value = getattr(info, key)
        if value:
            out[key] = str(value)
    for k, v in info.tags.items():
        out[f"tag:{k}"] = str(v)
    for i, stream in enumerate(info.streams):
        tags = stream.get("tags") if isinstance(stream, dict) else None
        if isinstance(tags, dict):
            for k, v in tags.items():
                out[f"stream[{i}].{k}"] = str(v).strip()
    for t in info.timestamps:
        out.setdefault(f"timestamp:{t.field}", t.value)
    agent = _latest_agent(info.tags.get("vidverify.xmp_history"))
    if agent:
        out["xmp:softwareAgent"] = agent
    return out


def _latest_agent(history: str | None) -> str | None:
    """The last ``stEvt:softwareAgent`` in the XMP history (probe stores it as a Python literal list of dicts)."""
    if not history or len(history) > MAX_HISTORY_CHARS:
        return None
    try:
        entries = ast.literal_eval(history)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):  # TypeError: "{[]: 1}"
        return None
    agents = [
        str(e["stEvt:softwareAgent"]).strip()
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, dict) and e.get("stEvt:softwareAgent")
    ]
    return agents[-1] if agents else None


@dataclass(frozen=True)
class Hit:
    rule: Rule
    field: str
    value: str
    name: str


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _name(rule: Rule, info: MediaInfo, value: str, m: re.Match[str]) -> str:
    groups = _Blank(
        make=info.make or "",
        model=info.model or "",
        software=info.software or "",
        value=value,
        m0=m.group(0),
        m1=(m.group(1) or "") if m.re.groups else "",
    )
    text = " ".join(rule.name.format_map(groups).split())
    return text or rule.id


def hits(info: MediaInfo, rules: tuple[Rule, ...] = RULES) -> list[Hit]:
    """Every rule that matches, with the field and value it matched (first matching field per rule)."""
    flat = fields(info)
    found: list[Hit] = []
    for rule in rules:
        rx = rule.regex()
        for pattern in rule.fields:
            if pattern in flat:
                names = [pattern]
            else:
                glob = _glob(pattern)
                names = [k for k in flat if glob.fullmatch(k) and k not in FREE_TEXT_TAGS]
            match = None
            for key in names:
                m = rx.search(flat[key])
                if m:
                    match = (key, m)
                    break
            if match:
                key, m = match
                found.append(Hit(rule, key, flat[key], _name(rule, info, flat[key], m)))
                break
    return found


def _combined(hs: list[Hit]) -> float:
    miss = 1.0
    for h in hs:
        miss *= 1.0 - h.rule.confidence
    return round(min(MAX_CONFIDENCE, 1.0 - miss), 3)


def _evidence(hs: list[Hit]) -> dict[str, Any]:
    ev: dict[str, Any] = {}
    for h in hs:
        ev.setdefault(h.field, h.value[:MAX_EVIDENCE_CHARS])
    ev["rules"] = [h.rule.id for h in hs]
    return ev


def identify(info: MediaInfo, rules: tuple[Rule, ...] = RULES) -> Writer:
    """The software that most likely wrote ``info``'s file, with the rules that matched and what they saw."""
    all_hits = hits(info, rules)
    camera = sorted((h for h in all_hits if h.rule.family == "camera"), key=lambda h: -h.rule.confidence)
    writers = [h for h in all_hits if h.rule.family != "camera" and not (h.rule.weak and camera)]
    for family in FAMILY_PRIORITY:
        fam = sorted((h for h in writers if h.rule.family == family), key=lambda h: -h.rule.confidence)
        if not fam:
            continue
        evidence = _evidence(fam + [h for h in writers if h not in fam] + camera)
        if camera:
            evidence["camera_claim"] = camera[0].name
        return Writer(fam[0].name, family, False, _combined(fam), evidence)
    if camera:
        conf = _combined(camera)
        original = True if conf >= ORIGINAL_MIN_CONFIDENCE else None
        return Writer(camera[0].name, "camera", original, conf, _evidence(camera))
    return Writer("unknown", "unknown", None, 0.0, {"rules": []})


__all__ = [
    "FAMILY_PRIORITY",
    "FREE_TEXT_TAGS",
    "ORIGINAL_MIN_CONFIDENCE",
    "RULES",
    "Hit",
    "Rule",
    "fields",
    "hits",
    "identify",
]
