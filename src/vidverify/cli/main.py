"""The command line's parser, help texts and entry point (``commands.py``: one short function per command).

The one place that maps errors to exit codes (``docs/contract.md``; the constants are in ``errors``): 0 success,
1 findings at or above ``--fail-on``, 2 usage error, 3 missing tool or dependency, 4 input unreadable, 5 no media
file in the paths given, 6 an output cannot be written, 70 internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

import vidverify

from ..errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, DependencyError, UsageError, VidverifyError
from ..report.console import error_line
from . import commands


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
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    shown.add_argument("--progress", action="store_true", help="show progress (current file, ETA) on stderr even "
                       "when it is not a terminal or --json is given: plain lines in a log")
    return p


def _help_only(parser: argparse.ArgumentParser, stream: Any) -> Callable[[argparse.Namespace], int]:
    """What runs when no command (or no index action) is named: the help, and exit 2."""
    def run(_args: argparse.Namespace) -> int:
        parser.print_help(stream)
        return EXIT_USAGE

    return run


def _jobs(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--jobs", type=int, default=None, metavar="N", help=help)


def epilogs() -> dict[str, str]:
    """The --help epilogs, by command, from ``epilogs.txt`` beside this module (sections headed ``[name]``)."""
    text = resources.files(__package__ or "vidverify.cli").joinpath("epilogs.txt").read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if re.fullmatch(r"\[\w+\]", line):
            out[line[1:-1]] = []
        elif out:
            out[next(reversed(out))].append(line)
    return {name: "\n".join(lines).strip("\n") + "\n" for name, lines in out.items()}


def build_parser() -> argparse.ArgumentParser:
    E = epilogs()
    parser = _Parser(prog="vidverify", epilog=E["main"], formatter_class=argparse.RawDescriptionHelpFormatter,
                     description="Verify video evidence locally: which uploads show the same footage, where, how "
                     "they were edited, and what their metadata says.")
    parser.add_argument("--version", action="version", version=f"vidverify {vidverify.__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress details to stderr")
    parser.add_argument("--ffmpeg", metavar="PATH",
                        help="ffmpeg binary to use (default: $VIDVERIFY_FFMPEG, then the bundled one)")
    trust = {"metavar": "PEM", "help": "C2PA trust anchors: a PEM file of certificates whose signers are 'valid' "
             "(default: $VIDVERIFY_TRUST_ANCHORS; without: at most 'untrusted')"}
    parser.add_argument("--trust-anchors", **trust)  # type: ignore[arg-type]
    parser.set_defaults(func=_help_only(parser, sys.stdout))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = _command(sub, "probe", commands.cmd_probe, "what a file says about itself: format, size, fps, every time "
                 "field, device, GPS", E["probe"], "Show what each file says about itself.", json="probe")
    p.add_argument("files", nargs="+", metavar="FILE", help="media files (video, image, audio)")
    p.add_argument("--brief", action="store_true", help="one line per file instead of a block")

    h = _command(sub, "hash", commands.cmd_hash, "per-frame perceptual fingerprints (pHash of each frame and of its "
                 "mirror image)", E["hash"], "Fingerprint each file: a perceptual hash per frame.", json="hash")
    h.add_argument("files", nargs="+", metavar="FILE", help="media files")
    h.add_argument("-o", "--output", metavar="OUT",
                   help="write the fingerprint file here (a folder when several inputs are given)")
    h.add_argument("--keyframes", action="store_true", help="hash keyframes only (fast candidate search)")
    h.add_argument("--full-quality", action="store_true",
                   help="decode with the deblocking filter (slower; for measuring drift)")
    _jobs(h, "decoder processes per file (default: CPU count, at most 4)")

    c = _command(sub, "compare", commands.cmd_compare, "where two clips share footage (time ranges on both sides) "
                 "and how the second was edited", E["compare"], "Compare A (the reference) with B (an upload).",
                 json="compare")
    c.add_argument("a", metavar="A", help="reference: media file or .vvfp fingerprint file")
    c.add_argument("b", metavar="B", help="the clip to explain in terms of A: media or .vvfp file")
    _jobs(c, "decoder processes per file")
    c.add_argument("--html", metavar="FILE",
                   help="also write a self-contained HTML report (timeline, frames, edits, metadata) to FILE")

    codes = textwrap.fill(", ".join(c.name for c in vidverify.FINDING_CODES), 110, break_on_hyphens=False)
    s = _command(sub, "scan", commands.cmd_scan, "a folder of uploads: groups of the same footage, each group's "
                 "reference, edits, and findings", E["scan"].format(codes=codes), "Scan files and folders.")
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
    s.add_argument("--no-features", action="store_true", help="skip the feature stage: a file whose frames match "
                   "no other's may show one small (a picture-in-picture), inside an app's screen or re-filmed; ORB "
                   "features of each file's frames are looked up in the others' (about 0.02 s a pair, at most "
                   "20,000 pairs), and the pairs whose features agree on one placement are compared in full; so are "
                   "pairs matched for less than 90%% of either (a duet's half matched only where nothing covered it) "
                   "and each file against the plain members of the other sets of files joined by their whole pictures, "
                   "up to 1,000 pairs (a picture-in-picture whose background clip is in the folder)")
    s.add_argument("--dask", metavar="ADDRESS", help="fingerprint on this Dask scheduler (pip install "
                   "'vidverify[dask]')")
    s.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default="error",
                   help="exit 1 when a finding is at or above this severity (default error)")
    _add_policy_options(s)

    ix = _command(sub, "index", None, "keep fingerprints of an archive in one SQLite file (index add, index "
                  "stats)", E["index"], "Build and inspect a fingerprint index.")
    ixsub = ix.add_subparsers(dest="index_command", metavar="ACTION", parser_class=_Parser)
    ia = _command(ixsub, "add", commands.cmd_index_add, "probe and fingerprint files into the index", E["index"],
                  "Add media files (and folders, recursively) to the index.", json="index-add")
    ia.add_argument("paths", nargs="+", metavar="PATH", help="media files, folders, .vvfp fingerprint files")
    ia.add_argument("--index", metavar="DB", help=_INDEX_HELP)
    ia.add_argument("--keyframes", action="store_true", help=_KEYFRAMES_HELP)
    _jobs(ia, "files fingerprinted at once, on at most N CPU cores (default: CPU count)")
    ist = _command(ixsub, "stats", commands.cmd_index_stats, "what the index holds", E["index"],
                   "Files, frames, size on disk and schema version of the index.", json="index-stats")
    ist.add_argument("--index", metavar="DB", help=_INDEX_HELP)

    se = _command(sub, "search", commands.cmd_search, "which indexed clips show the footage of a clip, where, and "
                  "how they were edited", E["search"], "Search the index for clips sharing footage with CLIP.",
                  json="search")
    se.add_argument("clip", metavar="CLIP", help="media file or .vvfp fingerprint file")
    se.add_argument("--index", metavar="DB", help=_INDEX_HELP)
    se.add_argument("--top", type=int, default=10, metavar="K", help="at most K results (default 10)")
    se.add_argument("--no-features", action="store_true", help="skip the feature stage: with the clip's media at "
                    "hand, ORB features of the 3000 indexed clips added last (kept by index add; for a clip added by "
                    "an older vidverify, found from its media, 200 a search, then kept) are looked up in the clip's "
                    "frames, to find a source shown small in a picture-in-picture, an app's screen recording or a "
                    "re-filmed screen")
    _jobs(se, "decoder processes for the clip")

    fr = _command(sub, "frames", commands.cmd_frames, "shots, keyframes for reverse image search, and frame-level "
                  "signs of tampering", E["frames"], "Find each file's shots, write its keyframes and a contact sheet, "
                  "and list frozen, duplicated and dropped frames.", json="frames")
    fr.add_argument("files", nargs="+", metavar="FILE", help="media files")
    fr.add_argument("--out", required=True, metavar="DIR", help="folder for the keyframe JPEGs and contact sheets "
                    "(made if missing)")
    fr.add_argument("--clock", action="store_true", help="read a burnt-in clock or timecode once a second and "
                    "report its jumps (pip install 'vidverify[ocr]')")
    _jobs(fr, "decoder processes per file")
    _add_policy_options(fr)  # a dated clock against the capture and claimed times

    ck = _command(sub, "check", commands.cmd_check, "verify an evidence archive against its manifest (hashes, "
                  "relations, claims, policy) for CI", E["check"], "Verify the files a manifest lists: hashes "
                  "before and after, relations, claims, writer policy and scan findings. Or write a starter manifest "
                  "with --init.")
    ck.add_argument("manifest", nargs="?", metavar="MANIFEST", help="the manifest (YAML, or JSON named *.json)")
    ck.add_argument("--init", metavar="DIR", help="write DIR/vidverify.yaml for the media files in DIR "
                    "(never over an existing one) and exit")
    ck.add_argument("--json", action="store_true", help="print a vidverify/check@1 JSON document (with --init: "
                    "what was written)")
    ck.add_argument("--github", action="store_true", help="print GitHub Actions annotations (::error file=...) for "
                    "failing checks (on stderr when --json is given, so stdout stays one JSON document)")
    ck.add_argument("--index", metavar="DB", help="take unchanged files' fingerprints from this index and store new "
                    "ones (decode only what changed between CI runs)")
    ck.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one testcase per check) to FILE")
    ck.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report to FILE")
    ck.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default=None,
                    help="scan findings at or above this severity fail (default: the manifest's policy, else error)")
    _jobs(ck, _FILES_JOBS_HELP)
    ck.add_argument("--no-pictures", action="store_true", help=_NO_PICTURES_HELP)
    for q in (p, c, s, ia, se, ck):  # also after the command name
        q.add_argument("--trust-anchors", default=argparse.SUPPRESS, **trust)  # type: ignore[arg-type]
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
        if args.command in ("hash", "compare", "scan", "index", "search", "check", "frames"):
            vidverify.tune_allocator()
        logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2),
                            format="vidverify: %(levelname)s: %(message)s", stream=sys.stderr)
        if args.ffmpeg:
            vidverify.set_ffmpeg(args.ffmpeg)
        vidverify.set_trust_anchors(args.trust_anchors, option="--trust-anchors")
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
        return EXIT_INTERNAL
