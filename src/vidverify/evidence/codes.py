"""The one catalogue of finding codes: each code's severities, what it means, and the evidence it rests on.

A finding is made with :func:`make_finding`, which refuses a code or severity the catalogue does not list, so a
new code is one entry here (the README's "Finding codes" table is tested to equal :data:`CATALOGUE`). Other modules
use the constants below, never the strings.

:func:`mentions` answers "does this finding rest on that time field?" from the structured evidence the catalogue
names (``time_evidence``), never by searching the evidence's text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..models import SEVERITIES, Finding

CAPTURE_AFTER_UPLOAD = "capture-after-upload"
RECYCLED_FOOTAGE = "recycled-footage"
CAPTURE_TIME_MISMATCH = "capture-time-mismatch"
TIMEZONE_INCONSISTENT = "timezone-inconsistent"
FUTURE_DATE = "future-date"
PLACE_MISMATCH = "place-mismatch"
PLACE_NOT_COMPARED = "place-not-compared"
PLACEHOLDER_DATE = "placeholder-date"
METADATA_STRIPPED = "metadata-stripped"
REENCODED = "reencoded"
EDITED = "edited"
DUPLICATE = "duplicate"
AUDIO_REUSED = "audio-reused"
AUDIO_REPLACED = "audio-replaced"
CREDENTIALS_INVALID = "credentials-invalid"
AI_GENERATED = "ai-generated"
CREDENTIALS_STRIPPED = "credentials-stripped"
DUPLICATED_FRAMES = "duplicated-frames"
FROZEN = "frozen"
DROPPED_FRAMES = "dropped-frames"
CLOCK_JUMP = "clock-jump"
CLOCK_MISMATCH = "clock-mismatch"
TRUNCATED = "truncated"


@dataclass(frozen=True)
class Code:
    """One finding code.

    ``when``: per severity it can have, the one-line meaning (the README table's rows, in this order).
    ``evidence``: the keys its ``evidence`` carries. ``time_evidence``: those of them that hold a time as
    ``{"field", "value", "timezone"}`` (what :func:`mentions` reads). ``fields``: the metadata fields (``MediaInfo``
    and claims names) the finding is about, besides those its evidence names (the HTML report marks them)."""

    name: str
    when: Mapping[str, str]
    evidence: tuple[str, ...] = ()
    time_evidence: tuple[str, ...] = ()
    fields: tuple[str, ...] = field(default=())


CATALOGUE: tuple[Code, ...] = (
    Code(CAPTURE_AFTER_UPLOAD,
         {"error": "a capture (or claimed capture) time is later than an upload of the same footage"},
         evidence=("capture", "upload", "capture_path"), time_evidence=("capture", "upload"),
         fields=("created", "upload_time")),
    Code(RECYCLED_FOOTAGE,
         {"error": "an upload is claimed to be from a date after the footage demonstrably existed (an earlier "
                   "capture or upload of it)",
          "warning": "an upload came more than `--recycled-after` days (7) after the footage first appeared"},
         evidence=("member", "first_seen", "first_seen_path", "days_earlier", "threshold_days"),
         time_evidence=("member", "first_seen"),
         fields=("created", "upload_time", "claimed_time")),
    Code(CAPTURE_TIME_MISMATCH,
         {"warning": "two capture times of one recording disagree beyond `--clock-tolerance` (120 s) plus the "
                     "clip's length, in one file or across a group",
          "error": "a file's own capture time is more than `--claim-tolerance` (1 day) from the time claimed for "
                   "it"},
         evidence=("a", "b", "capture", "claimed", "difference_hours", "beyond_tolerance_hours",
                   "beyond_any_zone_hours", "apart_hours", "tolerance_s"),
         time_evidence=("a", "b", "capture", "claimed"), fields=("created", "timezone")),
    Code(TIMEZONE_INCONSISTENT,
         {"warning": "two time fields differ by a whole number of quarter hours: one carries a wrong zone (e.g. "
                     "local wall-clock time written as UTC, or container time against GPS time)"},
         evidence=("a", "b", "difference_hours", "against_gps", "tolerance_s"), time_evidence=("a", "b"),
         fields=("created", "timezone")),
    Code(FUTURE_DATE, {"error": "a time later than now (or `--now`)"},
         evidence=("time", "now"), time_evidence=("time",), fields=("created", "upload_time")),
    Code(PLACE_MISMATCH,
         {"warning": "GPS in the file, or in another copy of the same footage, is more than `--place-tolerance` "
                     "(5 km) from the claimed place; for a place name, beyond the reach of every town or city of "
                     "that name plus `--place-tolerance`; or one file states two positions that far apart"},
         evidence=("gps", "gps_path", "claimed_place", "distance_m", "tolerance_m", "place", "candidates",
                   "gazetteer", "other_gps")),
    Code(PLACE_NOT_COMPARED,
         {"info": "a claimed place was not compared with any GPS: a name that is not a town or city of the offline "
                  "gazetteer, or that names only a country or US state"},
         evidence=("claimed_place", "status", "reason", "gazetteer", "unused")),
    Code(PLACEHOLDER_DATE, {"info": "a 1904/1970/1980 or zero date where a writer had no time"},
         evidence=("fields",), fields=("created",)),
    Code(METADATA_STRIPPED, {"info": "no device, no GPS and no capture time except a re-encoder's"},
         evidence=("looked_for", "remaining_time", "placeholders"), time_evidence=("remaining_time",),
         fields=("created", "make", "model", "gps")),
    Code(REENCODED,
         {"info": "the file was written by software other than the camera (`writer` says which, with the "
                  "evidence)"},
         evidence=("writer",), fields=("encoder", "software", "writer")),
    Code(EDITED,
         {"warning": "a group member differs from the reference by trim, cut, insert, reorder, speed, mirror, crop, "
                     "pad, overlay, colour or rotation"},
         evidence=("edits", "coverage")),
    Code(DUPLICATE, {"info": "a group member is the reference's bytes, or a re-encode of all of it"},
         evidence=("sha256", "kind", "edits", "coverage"), fields=("sha256",)),
    Code(AUDIO_REUSED, {"warning": "two files share sound but no picture: the sound of one laid over other footage"},
         evidence=("audio", "segments")),
    Code(AUDIO_REPLACED, {"warning": "a group member shows the reference's picture with other sound over it"},
         evidence=("reference", "stretches")),
    Code(CREDENTIALS_INVALID,
         {"error": "the file's C2PA content credentials do not hold: its content or its manifest changed after "
                   "signing (or the manifest cannot be read)"},
         evidence=("failures", "signer", "claim_generator"), fields=("credentials",)),
    Code(AI_GENERATED,
         {"warning": "C2PA content credentials (valid or untrusted) declare a generative-AI source: on the file, "
                     "and on every copy of its footage in the scan"},
         evidence=("labelled", "state", "signer", "digital_source_type", "copies"), fields=("credentials",)),
    Code(CREDENTIALS_STRIPPED,
         {"warning": "a file without C2PA content credentials shows footage of a file that carries them (valid "
                     "or untrusted): a copy whose credentials were stripped"},
         evidence=("credentialed", "signer", "digital_source_type", "state", "segments", "coverage"),
         fields=("credentials",)),
    Code(DUPLICATED_FRAMES, {"info": "a picture repeated beyond the stream's cadence for less than a second, inside "
                                     "moving footage (`vidverify frames`)"},
         evidence=("start", "end", "frames", "cadence")),
    Code(FROZEN, {"warning": "a picture held still for a second or more inside moving footage: it may hide a cut"},
         evidence=("start", "end", "frames", "seconds")),
    Code(DROPPED_FRAMES, {"warning": "a jump in motion with no cut and no gap in the timestamps: frames removed"},
         evidence=("start", "end", "estimated_missing_frames")),
    Code(CLOCK_JUMP, {"warning": "a burnt-in clock skips or goes back against the playback time"},
         evidence=("start", "end", "before", "after")),
    Code(CLOCK_MISMATCH,
         {"warning": "a burnt-in clock that shows a date disagrees with the file's capture time (`--clock-tolerance` "
                     "plus its length) or claimed time (`--claim-tolerance`) in every time zone"},
         evidence=("start", "end", "clock", "against", "beyond_any_zone_hours", "tolerance_s"),
         time_evidence=("clock", "against"), fields=("created", "claimed_time")),
    Code(TRUNCATED,
         {"warning": "the file holds fewer video frames than its header declares (a cut download or copy): "
                     "`duration` is what is present, `declared_duration` what the header says"},
         evidence=("duration", "declared_duration", "frame_count"), fields=("duration", "frame_count")),
)

BY_NAME: dict[str, Code] = {c.name: c for c in CATALOGUE}


def make_finding(code: str, severity: str, paths: Iterable[str], message: str, **evidence: Any) -> Finding:
    """A finding of a catalogued code at one of its severities; ``paths`` keep their order, repeats dropped."""
    entry = BY_NAME.get(code)
    if entry is None or severity not in entry.when:
        raise ValueError(f"finding {code!r} at severity {severity!r} is not in the catalogue (evidence/codes.py)")
    return Finding(code, severity, tuple(dict.fromkeys(paths)), message, evidence)


def mentions(finding: Finding, field_prefix: str) -> bool:
    """Whether ``finding`` rests on a time field whose name starts with ``field_prefix`` (for example
    ``"claims.claimed_time"``), read from the time evidence its code declares."""
    entry = BY_NAME.get(finding.code)
    if entry is None:
        return False
    for key in entry.time_evidence:
        value = finding.evidence.get(key)
        if isinstance(value, Mapping) and str(value.get("field", "")).startswith(field_prefix):
            return True
    return False


def fields_of(finding: Finding) -> set[str]:
    """The metadata fields a finding is about: its code's ``fields`` and the fields its evidence names."""
    entry = BY_NAME.get(finding.code)
    keys = set(entry.fields if entry else ())
    keys |= {k for k in finding.evidence if isinstance(k, str)}
    named = finding.evidence.get("fields", finding.evidence.get("field"))
    if isinstance(named, str):
        keys.add(named)
    elif isinstance(named, list | tuple):
        keys |= {str(x) for x in named}
    return keys


def worst(findings: Iterable[Finding]) -> str | None:
    """The highest severity among findings."""
    levels = [SEVERITIES.index(f.severity) for f in findings if f.severity in SEVERITIES]
    return SEVERITIES[max(levels)] if levels else None


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by code and paths; exact repeats dropped."""
    uniq: dict[tuple[Any, ...], Finding] = {}
    for f in findings:
        uniq.setdefault((f.code, f.severity, f.paths, f.message), f)
    return sorted(uniq.values(), key=lambda f: (-SEVERITIES.index(f.severity), f.code, f.paths))


def readme_rows() -> list[tuple[str, str, str]]:
    """(code, severity, meaning) in the README table's order."""
    return [(c.name, sev, text) for c in CATALOGUE for sev, text in c.when.items()]


__all__ = [
    "AI_GENERATED",
    "AUDIO_REPLACED",
    "AUDIO_REUSED",
    "BY_NAME",
    "CAPTURE_AFTER_UPLOAD",
    "CAPTURE_TIME_MISMATCH",
    "CATALOGUE",
    "CREDENTIALS_INVALID",
    "CREDENTIALS_STRIPPED",
    "CLOCK_JUMP",
    "CLOCK_MISMATCH",
    "DROPPED_FRAMES",
    "DUPLICATE",
    "DUPLICATED_FRAMES",
    "EDITED",
    "FROZEN",
    "FUTURE_DATE",
    "METADATA_STRIPPED",
    "PLACEHOLDER_DATE",
    "PLACE_MISMATCH",
    "TRUNCATED",
    "PLACE_NOT_COMPARED",
    "RECYCLED_FOOTAGE",
    "REENCODED",
    "SEVERITIES",
    "TIMEZONE_INCONSISTENT",
    "Code",
    "fields_of",
    "make_finding",
    "mentions",
    "readme_rows",
    "sort_findings",
    "worst",
]
