"""The command line. Each command parses, makes one library call per input, and renders; no logic lives here.

This is the one place that maps errors to exit codes (CONTRACT.md):
0 success · 1 findings at or above --fail-on · 2 usage error · 3 missing tool or dependency · 4 input unreadable.
Imports are lazy so that ``vidverify hash`` starts quickly.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import DependencyError, InputError, UsageError, VidverifyError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_DEPENDENCY, EXIT_INPUT = 0, 1, 2, 3, 4

_EPILOG_MAIN = """\
commands:
  probe   what a file says about itself: format, size, fps, every time field, device, GPS
  hash    per-frame perceptual fingerprints (pHash of each frame and of its mirror image)
  compare where two clips share footage (time ranges on both sides) and how the second was edited
  scan    a folder of uploads: groups of the same footage, each group's reference, edits, and findings
  index   keep fingerprints of an archive in one SQLite file (index add, index stats)
  search  which indexed clips show the footage of a clip, where, and how they were edited
  check   verify an evidence archive against its manifest (hashes, relations, claims, policy) for CI

examples:
  vidverify probe clip.mp4 IMG_4521.MOV
  vidverify probe --brief downloads/*
  vidverify probe --json downloads/*.mp4 > metadata.json
  vidverify hash clip.mp4 -o clip.vvfp
  vidverify hash --keyframes --json clip.mp4
  vidverify compare original.mp4 reupload.mp4
  vidverify scan downloads/ --html report.html
  vidverify index add archive/ --index archive.sqlite
  vidverify search tiktok.mp4 --index archive.sqlite
  vidverify check --init evidence/ && vidverify check evidence/vidverify.yaml --junit report.xml

A file name that starts with '-' goes after '--':  vidverify probe -- -weird-name.mp4
Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage error, 3 missing dependency, 4 unreadable input.
"""

_EPILOG_PROBE = """\
examples:
  vidverify probe IMG_4521.MOV
  vidverify probe --brief downloads/*          one line per file
  vidverify probe --json *.mp4 | jq '.files[] | {path, created, timezone, make, model, gps}'

Reads every time field the file carries (MP4/MOV mvhd/tkhd/mdhd, creation_time tags, QuickTime creationdate with
its offset, Matroska DateUTC, AVI IDIT, EXIF DateTimeOriginal/OffsetTimeOriginal/GPS time, AVCHD MDPM), device
(make, model, software, encoder) and GPS (ISO 6709, EXIF). Files are opened read-only. An unreadable file is
reported with its errors and the exit code is 4; the other files are still probed.
"""

_EPILOG_HASH = """\
examples:
  vidverify hash clip.mp4                      summary: frames, duration, time taken
  vidverify hash clip.mp4 -o clip.vvfp         save the fingerprint file (loads back identically)
  vidverify hash a.mp4 b.mp4 -o fingerprints/  one .vvfp per input in a folder
  vidverify hash --keyframes clip.mp4          ~10x faster, keyframes only (for finding candidates)
  vidverify hash --json clip.mp4               every frame: time, hash, mirrored hash, luma mean/std

Dense mode hashes every frame at its true presentation time (variable frame rate, edit lists and start offsets
kept). The hash is imagehash's pHash of the 32x32 grey frame; the in-loop deblocking filter, which a 32x32 hash
cannot see, is skipped unless --full-quality. Nothing is written unless -o is given.
"""


_EPILOG_COMPARE = """\
examples:
  vidverify compare IMG_4521.MOV reupload.mp4
  vidverify compare --json original.mp4 tiktok.mp4 | jq '.verdict, .segments, [.edits[].type]'
  vidverify compare a.vvfp b.vvfp               compare saved fingerprints (no decoding)
  vidverify compare --html report.html original.mp4 reupload.mp4   also write a self-contained HTML report

verdict: identical (same bytes), same-footage (one contains the other's footage, perhaps edited),
partial-overlap (each has footage the other lacks), unrelated. Segments give matched time ranges on both
sides with speed and mirroring; edits say how B differs from A (trim, cut, insert, speed, mirror, crop, pad,
reorder, frame-rate, reencode, ...), each with its times. Frames are matched through re-encoding, scaling,
bars, 9:16 centre crops, captions and mirroring. A stretch that B copied without re-encoding (its compressed
frames are A's, byte for byte: a quick trim or a remux) is a 'stream-copy' segment, exact to the frame even on
black or flat pictures. Times are seconds from each file's first displayed frame.
"""


_EPILOG_INDEX = """\
examples:
  vidverify index add archive/                     fingerprint every media file under archive/ into ./vidverify.sqlite
  vidverify index add *.mp4 --index cases.sqlite   another index file (or set VIDVERIFY_INDEX)
  vidverify index add archive/ --keyframes --jobs 2   keyframes only (~10x faster), 2 files at a time
  vidverify index stats --index cases.sqlite

The index is one SQLite file, created on first use. Re-adding skips files whose path, size and modification
time are unchanged; a moved or copied file whose content is already indexed only has its path recorded. Every
file is committed on its own, so an interrupted run keeps what it finished, and several runs may add to one
index at once. An unreadable file gets a one-line error, the others go on, and the exit code is 4.
"""

_EPILOG_SEARCH = """\
examples:
  vidverify search tiktok.mp4                       search ./vidverify.sqlite (or $VIDVERIFY_INDEX)
  vidverify search clip.vvfp --index archive.sqlite --top 3
  vidverify search upload.mp4 --json | jq '.results[] | {path, verdict, score, segments}'

The clip is fingerprinted (a .vvfp file is loaded), candidates are found through their sparse hashes (full
picture, mirror image and 9:16 centre crop), and the best ones are aligned frame by frame. Each result gives
the verdict, score (0..1), coverage and matched time ranges: A is the query clip, B the indexed clip.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own errors: usage, exit 2, one line
        self.print_usage(sys.stderr)
        if "required: FILE" in message or "unrecognized arguments: -" in message:
            message += " (a file name that starts with '-' goes after '--', e.g. vidverify hash -- -name.mp4)"
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="vidverify",
        description="Verify video evidence locally: which uploads show the same footage, where, how they were "
        "edited, and what their metadata says.",
        epilog=_EPILOG_MAIN,
        formatter_class=fmt,
    )
    parser.add_argument("--version", action="version", version=f"vidverify {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress details to stderr")
    parser.add_argument(
        "--ffmpeg", metavar="PATH", help="ffmpeg binary to use (default: $VIDVERIFY_FFMPEG, then the bundled one)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("probe", help="metadata: format, times, device, GPS", epilog=_EPILOG_PROBE,
                       formatter_class=fmt, description="Show what each file says about itself.")
    p.add_argument("files", nargs="+", metavar="FILE", help="media files (video, image, audio)")
    p.add_argument("--json", action="store_true", help="print a vidverify/probe@1 JSON document")
    p.add_argument("--brief", action="store_true", help="one line per file instead of a block")
    p.set_defaults(func=cmd_probe)

    h = sub.add_parser("hash", help="per-frame perceptual fingerprints", epilog=_EPILOG_HASH,
                       formatter_class=fmt, description="Fingerprint each file: a perceptual hash per frame.")
    h.add_argument("files", nargs="+", metavar="FILE", help="media files")
    h.add_argument("-o", "--output", metavar="OUT",
                   help="write the fingerprint file here (a folder when several inputs are given)")
    h.add_argument("--keyframes", action="store_true", help="hash keyframes only (fast candidate search)")
    h.add_argument("--full-quality", action="store_true",
                   help="decode with the deblocking filter (slower; for measuring drift)")
    h.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="decoder processes per file (default: CPU count, at most 4)")
    h.add_argument("--json", action="store_true", help="print a vidverify/hash@1 JSON document")
    h.set_defaults(func=cmd_hash)

    c = sub.add_parser("compare", help="shared footage and edits between two clips", epilog=_EPILOG_COMPARE,
                       formatter_class=fmt, description="Compare A (the reference) with B (an upload).")
    c.add_argument("a", metavar="A", help="reference: media file or .vvfp fingerprint file")
    c.add_argument("b", metavar="B", help="the clip to explain in terms of A: media or .vvfp file")
    c.add_argument("--json", action="store_true", help="print a vidverify/compare@1 JSON document")
    c.add_argument("--jobs", type=int, default=None, metavar="N", help="decoder processes per file")
    c.add_argument("--html", metavar="FILE",
                   help="also write a self-contained HTML report (timeline, frames, edits, metadata) to FILE")
    c.set_defaults(func=cmd_compare)

    s = sub.add_parser("scan", help="group uploads of the same footage; edits and findings", epilog=_EPILOG_SCAN,
                       formatter_class=fmt, description="Scan files and folders of uploads.")
    s.add_argument("paths", nargs="+", metavar="PATH", help="media files and folders (searched recursively)")
    out = s.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a vidverify/scan@1 JSON document")
    out.add_argument("--json-lines", action="store_true",
                     help="stream one JSON object per line: files as they are read, then groups, findings, summary")
    s.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report to FILE")
    s.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="files worked on at once, on at most N CPU cores (default: CPU count)")
    s.add_argument("--index", metavar="DB", help="keep fingerprints in this SQLite index; unchanged files are "
                   "not decoded again")
    s.add_argument("--keyframes", action="store_true", help="fingerprint keyframes only (faster, coarser times)")
    s.add_argument("--no-pictures", action="store_true",
                   help="skip the frame-pair decoding that finds crop, overlay and colour edits")
    s.add_argument("--dask", metavar="ADDRESS", help="fingerprint on this Dask scheduler (pip install "
                   "'vidverify[dask]')")
    s.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default="error",
                   help="exit 1 when a finding is at or above this severity (default error)")
    _add_policy_options(s)
    s.set_defaults(func=cmd_scan)

    ix = sub.add_parser("index", help="store fingerprints of an archive in an SQLite file", epilog=_EPILOG_INDEX,
                        formatter_class=fmt, description="Build and inspect a fingerprint index.")
    ix.set_defaults(func=_usage_of(ix))
    ixsub = ix.add_subparsers(dest="index_command", metavar="ACTION", parser_class=_Parser)
    ia = ixsub.add_parser("add", help="probe and fingerprint files into the index", epilog=_EPILOG_INDEX,
                          formatter_class=fmt, description="Add media files (and folders, recursively) to the index.")
    ia.add_argument("paths", nargs="+", metavar="PATH", help="media files, folders, .vvfp fingerprint files")
    ia.add_argument("--index", metavar="DB", help="index file (default: $VIDVERIFY_INDEX, else ./vidverify.sqlite)")
    ia.add_argument("--keyframes", action="store_true", help="fingerprint keyframes only (faster, coarser times)")
    ia.add_argument("--jobs", type=int, default=None, metavar="N",
                    help="files fingerprinted at once, on at most N CPU cores (default: CPU count)")
    ia.add_argument("--json", action="store_true", help="print a vidverify/index-add@1 JSON document")
    ia.set_defaults(func=cmd_index_add)
    ist = ixsub.add_parser("stats", help="what the index holds", epilog=_EPILOG_INDEX, formatter_class=fmt,
                           description="Files, frames, size on disk and schema version of the index.")
    ist.add_argument("--index", metavar="DB", help="index file (default: $VIDVERIFY_INDEX, else ./vidverify.sqlite)")
    ist.add_argument("--json", action="store_true", help="print a vidverify/index-stats@1 JSON document")
    ist.set_defaults(func=cmd_index_stats)

    se = sub.add_parser("search", help="find indexed clips that show a clip's footage", epilog=_EPILOG_SEARCH,
                        formatter_class=fmt, description="Search the index for clips sharing footage with CLIP.")
    se.add_argument("clip", metavar="CLIP", help="media file or .vvfp fingerprint file")
    se.add_argument("--index", metavar="DB", help="index file (default: $VIDVERIFY_INDEX, else ./vidverify.sqlite)")
    se.add_argument("--top", type=int, default=10, metavar="K", help="at most K results (default 10)")
    se.add_argument("--jobs", type=int, default=None, metavar="N", help="decoder processes for the clip")
    se.add_argument("--json", action="store_true", help="print a vidverify/search@1 JSON document")
    se.set_defaults(func=cmd_search)
    _add_check_parser(sub, fmt)
    return parser

_EPILOG_SCAN = """\
examples:
  vidverify scan downloads/                        groups, references, edits and findings
  vidverify scan downloads/ --json > scan.json     the vidverify/scan@1 document
  vidverify scan downloads/ --json-lines | jq -c 'select(.type == "finding")'
  vidverify scan downloads/ --jobs 2 --index cases.sqlite   re-scans skip unchanged files
  vidverify scan clip.mp4 other.mp4 --claim-time 2026-03-19 --claim-place "38.7223,-9.1393"
  vidverify scan downloads/ --claims claims.yaml --fail-on warning   exit 1 on any warning (for CI)

Every media file under the paths (recursively; images too) is probed and fingerprinted; files that share
footage form a group (a compilation joins the groups it draws from). Each group's reference is the most
complete and earliest version, and every other member is compared with it: verdict, coverage, matched time
ranges and edits. yt-dlp .info.json sidecars beside a file give its upload time, uploader and URL.

finding codes (README, "Finding codes"): capture-after-upload, recycled-footage, capture-time-mismatch,
timezone-inconsistent, future-date, placeholder-date, metadata-stripped, reencoded, edited, duplicate,
place-mismatch. Exit 1 when a finding is at or above --fail-on (default error); 4 when an input is unreadable.
"""


def _usage_of(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """A command that only prints ``parser``'s help (a group of actions named without an action)."""
    def run(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    return run


def _add_policy_options(p: argparse.ArgumentParser) -> None:
    """The timeline tolerances and claims, shared by scan and compare."""
    from ..evidence.timeline import Policy

    d = Policy()
    g = p.add_argument_group("claims and tolerances")
    g.add_argument("--claims", metavar="FILE", help="YAML/JSON claims file: claimed time and place per file "
                   "(docs/metadata.md)")
    g.add_argument("--claim-time", metavar="TIME", help="claimed capture time for every file (ISO 8601 or a date)")
    g.add_argument("--claim-place", metavar="PLACE", help="claimed place for every file: 'lat,lon' or ISO 6709")
    g.add_argument("--clock-tolerance", type=float, default=d.clock_tolerance_s, metavar="S",
                   help="seconds two clocks of one recording may differ, plus its duration "
                   f"(default {d.clock_tolerance_s:g})")
    g.add_argument("--claim-tolerance", type=float, default=d.claim_tolerance_s, metavar="S",
                   help=f"seconds a claimed time may differ from a recorded one (default {d.claim_tolerance_s:g})")
    g.add_argument("--recycled-after", type=float, default=d.recycled_after_days, metavar="DAYS",
                   help=f"flag uploads this long after the footage first appeared (default {d.recycled_after_days:g})")
    g.add_argument("--place-tolerance", type=float, default=d.place_tolerance_m, metavar="M",
                   help=f"metres between GPS and a claimed place that still agree (default {d.place_tolerance_m:g})")
    g.add_argument("--now", metavar="TIME", help="judge future dates against this time instead of the clock")


def _policy(args: argparse.Namespace) -> Any:
    from ..evidence.timeline import Policy

    if args.now is not None:
        from ..evidence import dates

        if dates.parse_time(args.now) is None:
            raise UsageError(f"--now {args.now!r} is not an ISO 8601 time")
    return Policy(clock_tolerance_s=args.clock_tolerance, claim_tolerance_s=args.claim_tolerance,
                  recycled_after_days=args.recycled_after, place_tolerance_m=args.place_tolerance, now=args.now)


def _user_claims(args: argparse.Namespace) -> tuple[dict[str, Any], Any]:
    """(the --claims FILE table, Claims for every file from --claim-time/--claim-place)."""
    from ..models import Claims

    by_path: dict[str, Any] = {}
    if args.claims:
        from ..media.claims import read_claims_file

        by_path = read_claims_file(args.claims)
    default = None
    if args.claim_time or args.claim_place:
        if args.claim_place:
            from ..evidence.place import parse_place

            try:
                parse_place(args.claim_place)
            except ValueError as exc:
                raise UsageError(f"--claim-place: {exc}") from exc
        if args.claim_time:
            from ..evidence.timeline import when

            if when("claim", args.claim_time) is None:
                raise UsageError(f"--claim-time {args.claim_time!r} is not an ISO 8601 time or date")
        default = Claims(source="command line", claimed_time=args.claim_time, claimed_place=args.claim_place)
    return by_path, default


# --------------------------------------------------------------------------------------------- commands


def cmd_probe(args: argparse.Namespace) -> int:
    from ..media.probe import probe, readable
    from ..report import console as render

    infos = []
    status = EXIT_OK
    for path in args.files:
        info = probe(path)
        infos.append(info)
        if not readable(info):
            status = EXIT_INPUT
            render.error_line(f"{path}: {'; '.join(info.errors) or 'unreadable'}")
        elif info.errors:  # readable, but damaged (truncated, a broken box...): say so on stderr too
            render.warn_line(f"{path}: {'; '.join(info.errors)}")
    if args.json:
        render.write_json(render.json_document("vidverify/probe@1", {"files": [i.to_dict() for i in infos]}))
    elif args.brief:
        render.table(
            ["file", "kind", "duration", "size", "created", "device", "gps"],
            [
                [
                    Path(i.path).name,
                    i.kind,
                    f"{i.duration:.2f} s" if i.duration else None,
                    f"{i.width}x{i.height}" if i.width else None,
                    (i.created + ("" if i.timezone else " (zone?)")) if i.created else None,
                    " ".join(x for x in (i.make, i.model) if x) or i.encoder,
                    f"{i.gps.lat:.4f},{i.gps.lon:.4f}" if i.gps else None,
                ]
                for i in infos
                if readable(i)
            ],
        )
    else:
        for info in infos:
            if readable(info):
                render.key_values(info.path, _probe_rows(info))
    return status


def _probe_rows(info: Any) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("kind", info.kind),
        ("container", info.container),
        ("size", f"{info.size:,} bytes" if info.size is not None else None),
        ("sha256", info.sha256),
    ]
    if info.kind != "image":
        rows += [("duration", f"{info.duration:.3f} s" if info.duration else None), ("fps", info.fps),
                 ("frames", info.frame_count)]
    rows += [
        ("display size", f"{info.width}x{info.height}" if info.width else None),
        ("rotation", info.rotation),
        ("codecs", " / ".join(x for x in (info.video_codec, info.audio_codec) if x) or None),
        ("created", f"{info.created} (from {info.created_source})" if info.created else None),
        ("timezone", info.timezone if info.created else None),
        ("make / model", " ".join(x for x in (info.make, info.model) if x) or None),
        ("software", info.software),
        ("encoder", info.encoder),
        ("gps", f"{info.gps.lat:.6f}, {info.gps.lon:.6f}"
                + (f", {info.gps.alt:g} m" if info.gps.alt is not None else "")
                + f" (from {info.gps.source})" if info.gps else None),
    ]
    by_value: dict[str, list[str]] = {}
    for t in info.timestamps:
        by_value.setdefault(t.value + ("" if t.timezone else "  (zone unknown)"), []).append(t.field)
    for value, names in by_value.items():
        rows.append(("  time field", f"{value}  [{_shorten_fields(names)}]"))
    for e in info.errors:
        rows.append(("problem", e))
    return rows


def _shorten_fields(names: list[str]) -> str:
    """``trak1.tkhd.creation_time, trak2.tkhd.creation_time`` -> ``trak1-2.tkhd.creation_time``."""
    import re

    groups: dict[str, list[int]] = {}
    order: list[str] = []
    for n in names:
        m = re.match(r"trak(\d+)\.(.*)", n)
        key = f"trak*.{m.group(2)}" if m else n
        if key not in groups:
            groups[key] = []
            order.append(key)
        if m:
            groups[key].append(int(m.group(1)))
    parts = []
    for key in order:
        ids = groups[key]
        if ids:
            span = str(ids[0]) if len(ids) == 1 else f"{min(ids)}-{max(ids)}"
            parts.append(key.replace("*", span))
        else:
            parts.append(key)
    return ", ".join(parts)


def cmd_hash(args: argparse.Namespace) -> int:
    import time

    from ..report import console as render
    from ..signals.fingerprint import fingerprint

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    out_dir: Path | None = None
    if args.output and (len(args.files) > 1 or Path(args.output).is_dir()):
        out_dir = Path(args.output)
        if not out_dir.is_dir():
            raise UsageError(f"-o {args.output}: with several inputs, -o must be an existing folder")
    status = EXIT_OK
    docs: list[dict[str, Any]] = []
    rows = []
    for path in args.files:
        started = time.perf_counter()
        try:
            with _progress(f"hashing {Path(path).name}", enabled=not args.json, path=path) as tick:
                fp = fingerprint(path, keyframes=args.keyframes, fast=not args.full_quality, jobs=args.jobs,
                                 progress=tick)
        except InputError as exc:
            status = EXIT_INPUT
            render.error_line(str(exc))
            docs.append({"path": path, "errors": [exc.message]})
            continue
        elapsed = time.perf_counter() - started
        if args.output:
            target = out_dir / (Path(path).name + ".vvfp") if out_dir else Path(args.output)
            fp.save(target)
        for w in fp.warnings:
            render.warn_line(f"{path}: {w}")
        docs.append(fp.to_dict())
        rows.append([path, fp.mode, len(fp), fp.duration, f"{elapsed:.2f} s",
                     str(target) if args.output else "-"])
    if args.json:
        render.write_json(render.json_document("vidverify/hash@1", {"files": docs}))
    elif rows:
        render.table(["file", "mode", "frames", "duration", "time", "written to"], rows)
    return status


def cmd_compare(args: argparse.Namespace) -> int:
    from ..pipeline.comparison import compare
    from ..report import console as render

    if args.html:
        _check_output_target("--html", args.html, [args.a, args.b])
    m = compare(args.a, args.b, jobs=args.jobs)
    if args.html:
        _write_compare_html(args.html, m)
    if args.json:
        render.write_json(render.json_document("vidverify/compare@1", m.to_dict()))
        return EXIT_OK
    render.key_values(
        f"{args.a}  vs  {args.b}",
        [
            ("verdict", f"{m.verdict} (confidence {m.confidence:.2f})"),
            ("similarity", m.similarity),
            ("coverage", f"{m.coverage['a']:.0%} of A found in B, {m.coverage['b']:.0%} of B found in A"),
        ],
    )
    if m.segments:
        render.table(
            ["A from", "A to", "B from", "B to", "speed", "mirrored", "bits", "matched as"],
            [[f"{s.a_start:.2f}", f"{s.a_end:.2f}", f"{s.b_start:.2f}", f"{s.b_end:.2f}", s.speed,
              "yes" if s.mirrored else "no", s.distance, s.channel] for s in m.segments],
        )
    if m.edits:
        print()
        render.table(
            ["edit", "A from", "A to", "B from", "B to", "detail"],
            [[e.type, e.a_start, e.a_end, e.b_start, e.b_end, e.detail] for e in m.edits],
        )
    if m.findings:
        from ..report import text

        print()
        text.findings_table(m.findings)
    return EXIT_OK


def _check_output_target(option: str, path: str, inputs: Sequence[str]) -> None:
    """Before any work: a report goes where asked, into an existing folder, and never over an input."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name, e.g. {Path(path) / 'report.html'}")
    if not target.resolve().parent.is_dir():
        raise UsageError(f"{option} {path}: the folder {target.parent} does not exist")
    for p in inputs:
        if Path(p).exists() and target.exists() and target.resolve() == Path(p).resolve():
            raise UsageError(f"{option} {path}: would overwrite the input {p}")


def _write_compare_html(path: str, m: Any) -> None:
    """Probe both sides, grab thumbnails (a fingerprint file stands for its media when that is still there),
    render and write atomically."""
    from ..media.probe import probe
    from ..media.thumbs import thumbnails
    from ..report import html
    from ..signals.fingerprint import Fingerprint, is_fingerprint_file

    media: dict[str, str] = {}
    origins: dict[str, float] = {}
    for p in (m.a.path, m.b.path):
        if is_fingerprint_file(p):
            fp = Fingerprint.load(p)
            if fp.path and os.path.isfile(fp.path):
                media[p], origins[p] = fp.path, fp.time_origin
        else:
            media[p] = p
    info = {p: probe(f) for p, f in media.items()}
    thumbs = thumbnails(html.thumbnail_requests(m), media=media, origins=origins)
    page = html.render_compare(m, info_a=info.get(m.a.path), info_b=info.get(m.b.path), thumbs=thumbs)
    try:
        html.write_html(path, page)
    except OSError as exc:
        raise VidverifyError(f"cannot write the HTML report {path}: {exc.strerror or exc}") from exc


def _limit_cores(jobs: int) -> None:
    """``--jobs N`` with fewer jobs than cores: this process, its workers and their ffmpeg processes run on N
    cores (CPU affinity, inherited by every thread and child), so that ``--jobs 1`` leaves the other cores
    free. Without it one job takes about 1.2 cores: its ffmpeg decodes while Python hashes the frames before.
    Which cores depends on the process id, so that two such runs at once seldom share one."""
    getter, setter = getattr(os, "sched_getaffinity", None), getattr(os, "sched_setaffinity", None)
    if getter is None or setter is None:
        return
    allowed = sorted(getter(0))
    if jobs >= len(allowed):
        return
    first = os.getpid() % len(allowed)
    try:
        setter(0, {allowed[(first + k) % len(allowed)] for k in range(jobs)})
    except OSError as exc:  # a container that forbids it: run unpinned
        logging.getLogger("vidverify").debug("cannot set CPU affinity: %s", exc)


def cmd_scan(args: argparse.Namespace) -> int:
    import json

    from ..evidence.timeline import at_or_above
    from ..pipeline.scanning import Options, scan
    from ..report import console as render
    from ..report import text

    jobs = args.jobs if args.jobs is not None else min(os.cpu_count() or 1, 8)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if not args.dask:  # with Dask the work runs elsewhere
        _limit_cores(jobs)
    if args.html:
        _check_output_target("--html", args.html, args.paths)
    claims, default = _user_claims(args)
    opts = Options(jobs=jobs, keyframes=args.keyframes, pictures=not args.no_pictures, policy=_policy(args),
                   dask=args.dask, claims=claims, default_claims=default)

    def line(kind: str, body: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps({"schema": "vidverify/scan@1", "type": kind, **body}, ensure_ascii=False,
                                    default=render._default) + "\n")
        sys.stdout.flush()

    on_file = (lambda info: line("file", info.to_dict())) if args.json_lines else None
    index = None
    if args.index:
        from ..pipeline.index.sqlite import Index

        index = Index(args.index)
    try:
        with _stage_progress(enabled=not (args.json or args.json_lines)) as progress:
            result = scan(args.paths, options=opts, progress=progress, index=index, on_file=on_file)
    finally:
        if index is not None:
            index.close()
    if args.json_lines:
        for g in result.groups:
            line("group", g.to_dict())
        for f in result.findings:
            line("finding", f.to_dict())
        line("summary", {"files": len(result.files), "groups": len(result.groups), "singles": list(result.singles),
                         "errors": result.errors})
    elif args.json:
        render.write_json(render.json_document("vidverify/scan@1", result.to_dict()))
    else:
        text.scan_summary(result)
    if args.html:
        _write_scan_html(args.html, result)
    for path, why in result.errors.items():
        render.error_line(f"{path}: {why}")
    if result.errors:
        return EXIT_INPUT
    if args.fail_on != "never" and at_or_above(result.findings, args.fail_on):
        return EXIT_FINDINGS
    return EXIT_OK


def _write_scan_html(path: str, result: Any, lead_html: str = "") -> None:
    from ..media.thumbs import thumbnails
    from ..report import html

    page = html.render_scan(result, thumbs=thumbnails(html.thumbnail_requests(result)), lead_html=lead_html)
    try:
        html.write_html(path, page)
    except OSError as exc:
        raise VidverifyError(f"cannot write the HTML report {path}: {exc.strerror or exc}") from exc


class _stage_progress:
    """One rich progress bar per scan stage on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty() and "NO_COLOR" not in os.environ
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> Callable[[str, int, int], None] | None:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), transient=True)
        self._bar.start()

        def tick(stage: str, done: int, total: int) -> None:
            if stage not in self._tasks:
                self._tasks[stage] = self._bar.add_task(stage, total=total)
            self._bar.update(self._tasks[stage], completed=done, total=total)

        return tick

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def cmd_index_add(args: argparse.Namespace) -> int:
    from ..pipeline.index.sqlite import AddResult, Index, add_paths, expand_paths
    from ..report import console as render

    jobs = args.jobs if args.jobs is not None else min(os.cpu_count() or 1, 8)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    _limit_cores(jobs)
    files = expand_paths(args.paths)
    with Index(args.index) as index, _stage_progress(enabled=not args.json) as tick:
        finished = 0

        def report(r: AddResult) -> None:
            nonlocal finished
            finished += 1
            if tick:
                tick("indexing", finished, len(files))
            if r.status == "error":
                render.error_line(f"{r.path}: {r.error}")

        results = add_paths(index, files, keyframes=args.keyframes, jobs=jobs, on_result=report)
        stats = index.stats()
    status = EXIT_INPUT if any(r.status == "error" for r in results) else EXIT_OK
    if args.json:
        render.write_json(render.json_document("vidverify/index-add@1", {
            "index": stats["path"], "files": [r.to_dict() for r in results], "stats": stats}))
        return status
    shown = [r for r in results if r.status != "error"]
    if shown:
        render.table(["file", "status", "frames", "time"],
                     [[r.path, r.status, r.frames, f"{r.seconds:.2f} s" if r.seconds is not None else None]
                      for r in shown])
    counts = {k: sum(r.status == k for r in results) for k in ("added", "known", "unchanged", "error")}
    print(f"{counts['added']} added, {counts['known']} already indexed elsewhere, {counts['unchanged']} unchanged, "
          f"{counts['error']} unreadable; {stats['path']}: {stats['files']} files, {stats['bytes']:,} bytes")
    return status


def cmd_index_stats(args: argparse.Namespace) -> int:
    from ..pipeline.index.sqlite import Index
    from ..report import console as render

    with Index(args.index, create=False) as index:
        stats = index.stats()
    if args.json:
        render.write_json(render.json_document("vidverify/index-stats@1", stats))
        return EXIT_OK
    render.key_values(stats["path"], [
        ("files", stats["files"]), ("paths", stats["paths"]), ("frames", stats["frames"]),
        ("duration", f"{stats['duration']:.1f} s"), ("modes", stats["modes"] or None),
        ("signature hashes", stats["signature_hashes"]), ("size on disk", f"{stats['bytes']:,} bytes"),
        ("schema", stats["schema"]),
    ])
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from ..pipeline.index.sqlite import SEARCH_SCHEMA, Index
    from ..report import console as render
    from ..signals.fingerprint import load_or_compute

    if args.top < 1:
        raise UsageError("--top must be at least 1")
    with Index(args.index, create=False) as index:
        fp = load_or_compute(args.clip, jobs=args.jobs)
        results = index.search(fp, top=args.top)
    query = {"path": args.clip, "sha256": fp.sha256, "duration": fp.duration}
    if args.json:
        render.write_json(render.json_document(SEARCH_SCHEMA, {
            "query": query, "index": index.path, "results": [r.to_dict() for r in results]}))
        return EXIT_OK
    if not results:
        print(f"{args.clip}: no indexed clip shares its footage ({index.path})")
        return EXIT_OK
    render.table(
        ["#", "score", "verdict", "coverage A/B", "query time", "indexed time", "path"],
        [[i + 1, r.score, r.verdict, f"{r.coverage['a']:.0%} / {r.coverage['b']:.0%}",
          ", ".join(f"{s.a_start:.2f}-{s.a_end:.2f}" + (" mirrored" if s.mirrored else "") for s in r.segments),
          ", ".join(f"{s.b_start:.2f}-{s.b_end:.2f}" for s in r.segments), r.path]
         for i, r in enumerate(results)],
    )
    return EXIT_OK


class _progress:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, label: str, *, enabled: bool, path: str) -> None:
        self.enabled = enabled and sys.stderr.isatty() and "NO_COLOR" not in os.environ
        self.label, self.path = label, path
        self._bar: Any = None

    def __enter__(self) -> Callable[[int], None] | None:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        total = None
        try:
            from ..media.probe import probe

            info = probe(self.path)
            if info.frame_count:
                total = info.frame_count
            elif info.duration and info.fps:
                total = int(info.duration * info.fps)
        except Exception:
            total = None
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeRemainingColumn(), transient=True)
        self._bar.start()
        task = self._bar.add_task(self.label, total=total)
        return lambda n: self._bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


# --------------------------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, never a crash
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            reconfigure(errors="backslashreplace")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command in ("hash", "compare", "scan", "index", "search", "check"):
            from ..media.ffmpeg import tune_allocator

            tune_allocator()
        logging.basicConfig(
            level=logging.WARNING - 10 * min(args.verbose, 2),
            format="vidverify: %(levelname)s: %(message)s",
            stream=sys.stderr,
        )
        if args.ffmpeg:
            from ..media.ffmpeg import set_ffmpeg

            set_ffmpeg(args.ffmpeg)
        if not args.command:
            parser.print_help()
            return EXIT_USAGE
        cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        try:
            return int(args.func(args))
        finally:  # --jobs may have kept this process to fewer cores (_limit_cores): a caller gets them back
            if cores is not None and os.sched_getaffinity(0) != cores:
                try:
                    os.sched_setaffinity(0, cores)
                except OSError:  # the cores were taken away meanwhile: keep what is left
                    pass
    except VidverifyError as exc:
        from ..report.console import error_line

        error_line(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("vidverify: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except ImportError as exc:
        from ..report.console import error_line

        error_line(f"a required package is missing: {exc}. Reinstall vidverify (pip install vidverify).")
        return DependencyError.exit_code
    except Exception as exc:  # a bug: one line, and the traceback only when asked for
        if os.environ.get("VIDVERIFY_DEBUG"):
            raise
        from ..report.console import error_line

        error_line(f"internal error: {type(exc).__name__}: {exc} (set VIDVERIFY_DEBUG=1 for a traceback)")
        return 1


# --------------------------------------------------------------------------------------------- check


_EPILOG_CHECK = """\
examples:
  vidverify check --init evidence/                 write evidence/vidverify.yaml: every media file, its sha256,
                                                   the same-footage groups and today's findings as a baseline
  vidverify check evidence/vidverify.yaml          verify; exit 0 when every check passes
  vidverify check vidverify.yaml --junit report.xml --github        in CI (see examples/github-workflow.yml)
  vidverify check vidverify.yaml --json | jq '.cases[] | select(.status != "pass")'
  vidverify check vidverify.yaml --html report.html --fail-on warning

The manifest (YAML or JSON; JSON Schema: vidverify/schemas/manifest.schema.json; example:
examples/manifest.example.yaml) lists files relative to its folder, each with its sha256, relations
(same-footage-as, independent-of), claims (time or {after, before}; place 'lat,lon' or {lat, lon, radius_m}),
plus expected-findings (accepted baseline) and a policy (fail-on, allowed-writers, tolerances).
Every file is hashed before and after one scan of all of them. Check kinds: integrity, readable, relation,
claim-time, claim-place, writer, expected-finding, and one 'finding' check per scan finding at or above
fail-on that no other check covers.

exit codes: 0 every check passed · 1 a check failed (a changed file, a false relation or claim, a writer the
policy forbids, a missing expected finding, an unexpected finding at/above fail-on) · 2 the manifest is not
valid (the message names the field and line) or --init would overwrite · 4 a listed file could not be read
(this wins over 1).
"""


def _add_check_parser(sub: Any, fmt: Any) -> None:
    ck = sub.add_parser("check", help="verify an evidence archive against its manifest (for CI)",
                        epilog=_EPILOG_CHECK, formatter_class=fmt,
                        description="Verify the files a manifest lists: hashes before and after, relations, "
                        "claims, writer policy and scan findings. Or write a starter manifest with --init.")
    ck.add_argument("manifest", nargs="?", metavar="MANIFEST", help="the manifest (YAML, or JSON named *.json)")
    ck.add_argument("--init", metavar="DIR", help="write DIR/vidverify.yaml for the media files in DIR "
                    "(never over an existing one) and exit")
    out = ck.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a vidverify/check@1 JSON document")
    out.add_argument("--github", action="store_true",
                     help="print GitHub Actions annotations (::error file=...) for failing checks")
    ck.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one testcase per check) to FILE")
    ck.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report to FILE")
    ck.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default=None,
                    help="scan findings at or above this severity fail (default: the manifest's policy, else error)")
    ck.add_argument("--jobs", type=int, default=None, metavar="N",
                    help="files worked on at once, on at most N CPU cores (default: CPU count)")
    ck.add_argument("--no-pictures", action="store_true",
                    help="skip the frame-pair decoding that finds crop, overlay and colour edits")
    ck.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    import importlib

    check_mod = importlib.import_module("vidverify.pipeline.check.cases")  # the package exports the function check() too
    from ..report import console as render

    jobs = args.jobs if args.jobs is not None else min(os.cpu_count() or 1, 8)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    _limit_cores(jobs)
    if args.init is not None:
        if args.manifest is not None:
            raise UsageError("give either MANIFEST or --init DIR, not both")
        with _stage_progress(enabled=True) as progress:
            made = check_mod.init_manifest(args.init, fail_on=args.fail_on or "error", jobs=jobs,
                                           pictures=not args.no_pictures, progress=progress)
        for p, why in made.skipped.items():
            render.warn_line(f"{p}: not listed: {why}")
        print(f"wrote {made.path}: {len(made.files)} files, {made.groups} group(s) of the same footage, "
              f"{made.expected_findings} expected finding(s). Check it with: vidverify check {made.path}")
        return EXIT_OK
    if args.manifest is None:
        raise UsageError("give a MANIFEST to check, or --init DIR to write one")
    if args.html:
        _check_output_target("--html", args.html, [args.manifest])
    if args.junit:
        _check_output_target("--junit", args.junit, [args.manifest])
    with _stage_progress(enabled=not args.json) as progress:
        result = check_mod.check(args.manifest, fail_on=args.fail_on, jobs=jobs, pictures=not args.no_pictures,
                                 progress=progress)
    if args.junit:
        render.write_text_atomic(args.junit, check_mod.junit_xml(result))
    if args.html and result.scan is not None:
        _write_scan_html(args.html, result.scan, lead_html=check_mod.cases_html(result))
    if args.json:
        render.write_json(render.json_document(check_mod.SCHEMA, result.to_dict()))
    else:
        shown = [c for c in result.cases if c.status != "pass"]
        if shown:
            render.table(["status", "check", "name", "message"],
                         [[c.status, c.kind, c.name, c.message] for c in shown])
        s = result.summary
        print(f"{result.manifest}: {s['passed']} passed, {s['failed']} failed, {s['errors']} errors, "
              f"{s['skipped']} skipped (fail-on {result.fail_on})")
        if args.github:
            for line in check_mod.github_annotations(result):
                print(line)
    if result.summary["errors"]:
        return EXIT_INPUT
    return EXIT_FINDINGS if result.summary["failed"] else EXIT_OK
