"""The command line's parser, help texts and entry point (``commands.py``: one short function per command).

The one place that maps errors to exit codes (``docs/contract.md``; the constants are in ``errors``): 0 success,
1 findings at or above ``--fail-on``, 2 usage error, 3 missing tool or dependency, 4 input unreadable.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import vidverify

from ..errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, DependencyError, UsageError, VidverifyError
from ..report.console import error_line
from . import commands

_EPILOG_MAIN = """\
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

_EPILOG_SCAN = """\
examples:
  vidverify scan downloads/                        groups, references, edits and findings
  vidverify scan downloads/ --json > scan.json     the vidverify/scan@1 document
  vidverify scan downloads/ --json-lines | jq -c 'select(.type == "finding")'
  vidverify scan downloads/ --jobs 2 --index cases.sqlite   re-scans skip unchanged files
  vidverify scan clip.mp4 other.mp4 --claim-time 2026-03-19 --claim-place "Lisbon, Portugal"
  vidverify scan downloads/ --claims claims.yaml --fail-on warning   exit 1 on any warning (for CI)

Every media file under the paths (recursively; images too) is probed and fingerprinted; files that share
footage form a group (a compilation joins the groups it draws from). Each group's reference is the most
complete and earliest version, and every other member is compared with it: verdict, coverage, matched time
ranges and edits. yt-dlp .info.json sidecars beside a file give its upload time, uploader and URL.

finding codes (README, "Finding codes"):
{codes}.
Exit 1 when a finding is at or above --fail-on (default error); 4 when an input is unreadable.
"""

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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own errors: usage, exit 2, one line
        self.print_usage(sys.stderr)
        if "required: FILE" in message or "unrecognized arguments: -" in message:
            message += " (a file name that starts with '-' goes after '--', e.g. vidverify hash -- -name.mp4)"
        raise UsageError(message)


_INDEX_HELP = "index file (default: $VIDVERIFY_INDEX, else ./vidverify.sqlite)"
_KEYFRAMES_HELP = "fingerprint keyframes only (faster, coarser times)"
_FILES_JOBS_HELP = "files worked on at once, on at most N CPU cores (default: CPU count)"
_NO_PICTURES_HELP = "skip the frame-pair decoding that finds crop, overlay and colour edits"


def _command(sub: Any, name: str, func: Callable[[argparse.Namespace], int] | None, help: str, epilog: str,
             description: str, json: str | None = None) -> argparse.ArgumentParser:
    """A subcommand, with ``--json`` printing the ``vidverify/<json>@1`` document when ``json`` is given."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help, epilog=epilog, description=description,
                                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=func or _help_only(p, sys.stderr))  # a group with no action named: its help, exit 2
    if json:
        p.add_argument("--json", action="store_true", help=f"print a vidverify/{json}@1 JSON document")
    return p


def _help_only(parser: argparse.ArgumentParser, stream: Any) -> Callable[[argparse.Namespace], int]:
    """What runs when no command (or no index action) is named: the help, and exit 2."""
    def run(_args: argparse.Namespace) -> int:
        parser.print_help(stream)
        return EXIT_USAGE

    return run


def _jobs(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--jobs", type=int, default=None, metavar="N", help=help)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vidverify", epilog=_EPILOG_MAIN, formatter_class=argparse.RawDescriptionHelpFormatter,
                     description="Verify video evidence locally: which uploads show the same footage, where, how "
                     "they were edited, and what their metadata says.")
    parser.add_argument("--version", action="version", version=f"vidverify {vidverify.__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress details to stderr")
    parser.add_argument("--ffmpeg", metavar="PATH",
                        help="ffmpeg binary to use (default: $VIDVERIFY_FFMPEG, then the bundled one)")
    parser.set_defaults(func=_help_only(parser, sys.stdout))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = _command(sub, "probe", commands.cmd_probe, "what a file says about itself: format, size, fps, every time "
                 "field, device, GPS", _EPILOG_PROBE, "Show what each file says about itself.", json="probe")
    p.add_argument("files", nargs="+", metavar="FILE", help="media files (video, image, audio)")
    p.add_argument("--brief", action="store_true", help="one line per file instead of a block")

    h = _command(sub, "hash", commands.cmd_hash, "per-frame perceptual fingerprints (pHash of each frame and of its "
                 "mirror image)", _EPILOG_HASH, "Fingerprint each file: a perceptual hash per frame.", json="hash")
    h.add_argument("files", nargs="+", metavar="FILE", help="media files")
    h.add_argument("-o", "--output", metavar="OUT",
                   help="write the fingerprint file here (a folder when several inputs are given)")
    h.add_argument("--keyframes", action="store_true", help="hash keyframes only (fast candidate search)")
    h.add_argument("--full-quality", action="store_true",
                   help="decode with the deblocking filter (slower; for measuring drift)")
    _jobs(h, "decoder processes per file (default: CPU count, at most 4)")

    c = _command(sub, "compare", commands.cmd_compare, "where two clips share footage (time ranges on both sides) "
                 "and how the second was edited", _EPILOG_COMPARE, "Compare A (the reference) with B (an upload).",
                 json="compare")
    c.add_argument("a", metavar="A", help="reference: media file or .vvfp fingerprint file")
    c.add_argument("b", metavar="B", help="the clip to explain in terms of A: media or .vvfp file")
    _jobs(c, "decoder processes per file")
    c.add_argument("--html", metavar="FILE",
                   help="also write a self-contained HTML report (timeline, frames, edits, metadata) to FILE")

    codes = textwrap.fill(", ".join(c.name for c in vidverify.FINDING_CODES), 110, break_on_hyphens=False)
    s = _command(sub, "scan", commands.cmd_scan, "a folder of uploads: groups of the same footage, each group's "
                 "reference, edits, and findings", _EPILOG_SCAN.format(codes=codes), "Scan files and folders.")
    s.add_argument("paths", nargs="+", metavar="PATH", help="media files and folders (searched recursively)")
    out = s.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a vidverify/scan@1 JSON document")
    out.add_argument("--json-lines", action="store_true",
                     help="stream one JSON object per line: files as they are read, then groups, findings, summary")
    s.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report to FILE")
    _jobs(s, _FILES_JOBS_HELP)
    s.add_argument("--index", metavar="DB", help="keep fingerprints in this SQLite index; unchanged files are "
                   "not decoded again")
    s.add_argument("--keyframes", action="store_true", help=_KEYFRAMES_HELP)
    s.add_argument("--no-pictures", action="store_true", help=_NO_PICTURES_HELP)
    s.add_argument("--dask", metavar="ADDRESS", help="fingerprint on this Dask scheduler (pip install "
                   "'vidverify[dask]')")
    s.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default="error",
                   help="exit 1 when a finding is at or above this severity (default error)")
    _add_policy_options(s)

    ix = _command(sub, "index", None, "keep fingerprints of an archive in one SQLite file (index add, index "
                  "stats)", _EPILOG_INDEX, "Build and inspect a fingerprint index.")
    ixsub = ix.add_subparsers(dest="index_command", metavar="ACTION", parser_class=_Parser)
    ia = _command(ixsub, "add", commands.cmd_index_add, "probe and fingerprint files into the index", _EPILOG_INDEX,
                  "Add media files (and folders, recursively) to the index.", json="index-add")
    ia.add_argument("paths", nargs="+", metavar="PATH", help="media files, folders, .vvfp fingerprint files")
    ia.add_argument("--index", metavar="DB", help=_INDEX_HELP)
    ia.add_argument("--keyframes", action="store_true", help=_KEYFRAMES_HELP)
    _jobs(ia, "files fingerprinted at once, on at most N CPU cores (default: CPU count)")
    ist = _command(ixsub, "stats", commands.cmd_index_stats, "what the index holds", _EPILOG_INDEX,
                   "Files, frames, size on disk and schema version of the index.", json="index-stats")
    ist.add_argument("--index", metavar="DB", help=_INDEX_HELP)

    se = _command(sub, "search", commands.cmd_search, "which indexed clips show the footage of a clip, where, and "
                  "how they were edited", _EPILOG_SEARCH, "Search the index for clips sharing footage with CLIP.",
                  json="search")
    se.add_argument("clip", metavar="CLIP", help="media file or .vvfp fingerprint file")
    se.add_argument("--index", metavar="DB", help=_INDEX_HELP)
    se.add_argument("--top", type=int, default=10, metavar="K", help="at most K results (default 10)")
    _jobs(se, "decoder processes for the clip")

    ck = _command(sub, "check", commands.cmd_check, "verify an evidence archive against its manifest (hashes, "
                  "relations, claims, policy) for CI", _EPILOG_CHECK, "Verify the files a manifest lists: hashes "
                  "before and after, relations, claims, writer policy and scan findings. Or write a starter manifest "
                  "with --init.")
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
    _jobs(ck, _FILES_JOBS_HELP)
    ck.add_argument("--no-pictures", action="store_true", help=_NO_PICTURES_HELP)
    return parser


def _add_policy_options(p: argparse.ArgumentParser) -> None:
    """The claims and the timeline's tolerances."""
    d = vidverify.Policy()
    g = p.add_argument_group("claims and tolerances")
    g.add_argument("--claims", metavar="FILE", help="YAML/JSON claims file: claimed time and place per file "
                   "(docs/metadata.md)")
    g.add_argument("--claim-time", metavar="TIME", help="claimed capture time for every file (ISO 8601 or a date)")
    g.add_argument("--claim-place", metavar="PLACE", help="claimed place for every file: coordinates or a name")
    for flag, field, meta, text in (
            ("--clock-tolerance", "clock_tolerance_s", "S", "seconds two clocks of one recording may differ, plus "
             "its duration"), ("--claim-tolerance", "claim_tolerance_s", "S", "seconds a claimed time may differ "
             "from a recorded one"), ("--recycled-after", "recycled_after_days", "DAYS", "flag uploads this long "
             "after the footage first appeared"), ("--place-tolerance", "place_tolerance_m", "M", "metres between "
             "GPS and a claimed place that still agree")):
        g.add_argument(flag, type=float, default=getattr(d, field), metavar=meta,
                       help=f"{text} (default {getattr(d, field):g})")
    g.add_argument("--now", metavar="TIME", help="judge future dates against this time instead of the clock")


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, never a crash
        getattr(stream, "reconfigure", lambda **_: None)(errors="backslashreplace")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command in ("hash", "compare", "scan", "index", "search", "check"):
            vidverify.tune_allocator()
        logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2),
                            format="vidverify: %(levelname)s: %(message)s", stream=sys.stderr)
        if args.ffmpeg:
            vidverify.set_ffmpeg(args.ffmpeg)
        with vidverify.cores_restored():  # --jobs may keep this process to fewer cores: a caller gets them back
            return int(args.func(args))
    except VidverifyError as exc:
        error_line(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("vidverify: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except ImportError as exc:
        error_line(f"a required package is missing: {exc}. Reinstall vidverify (pip install vidverify).")
        return DependencyError.exit_code
    except Exception as exc:  # a bug: one line, and the traceback only when asked for
        if os.environ.get("VIDVERIFY_DEBUG"):
            raise
        error_line(f"internal error: {type(exc).__name__}: {exc} (set VIDVERIFY_DEBUG=1 for a traceback)")
        return 1
