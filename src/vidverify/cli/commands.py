"""One short function per command: the parsed arguments in, one library call through the package face, a
rendering out (``report/``), an exit code back. No logic lives here."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import vidverify

from ..errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_NO_INPUT, EXIT_OK, InputError, UsageError
from ..report import ci, console


def _render(args: argparse.Namespace, schema: str, body: dict[str, Any], text: Callable[[], None]) -> None:
    """The ``vidverify/<schema>@1`` JSON document with ``--json``, else the text."""
    console.write_json(console.json_document(f"vidverify/{schema}@1", body)) if args.json else text()


def _shown(args: argparse.Namespace, json: bool = False) -> dict[str, bool]:
    """The progress options: shown on a terminal unless --quiet (or a JSON output), and always with --progress."""
    return {"enabled": not (args.quiet or json), "force": args.progress}


def _nothing_found(paths: list[str]) -> int:
    console.error_line(f"no media file found in: {', '.join(paths)} (exit {EXIT_NO_INPUT}: an empty or mistyped "
                       "folder must not pass as a clean result)")
    return EXIT_NO_INPUT


def cmd_probe(args: argparse.Namespace) -> int:
    media, sidecars = vidverify.probe_paths(args.files)
    for path in sidecars:
        console.warn_line(f"{path}: a yt-dlp sidecar, not media: read as the claims of the file beside it")
    infos = [vidverify.probe(path, strict=False) for path in media]
    for info in infos:
        if not info.readable:
            console.error_line(f"{info.path}: {'; '.join(info.errors) or 'unreadable'}")
        elif info.errors:  # readable, but damaged (truncated, a broken box...): say so on stderr too
            console.warn_line(f"{info.path}: {'; '.join(info.errors)}")
    _render(args, "probe", {"files": [console.probe_dict(i) for i in infos], "sidecars": sidecars},
            lambda: console.probe_text(infos, brief=args.brief))
    if not media:  # only sidecars
        return _nothing_found(args.files)
    return EXIT_OK if all(i.readable for i in infos) else EXIT_INPUT


def cmd_hash(args: argparse.Namespace) -> int:
    jobs = None if args.jobs is None else vidverify.decoder_jobs(args.jobs)
    out_dir = Path(args.output) if args.output and (len(args.files) > 1 or Path(args.output).is_dir()) else None
    if out_dir is not None and not out_dir.is_dir():
        raise UsageError(f"-o {args.output}: with several inputs, -o must be an existing folder")
    if out_dir is not None:
        vidverify.check_writable_folder("-o", out_dir)
    elif args.output:
        vidverify.check_output_target("-o", args.output, args.files)
    status, docs, rows = EXIT_OK, [], []
    for path in args.files:
        started = time.perf_counter()
        try:
            with console.FrameProgress(f"hashing {Path(path).name}", **_shown(args, args.json)) as tick:
                fp = vidverify.fingerprint(path, keyframes=args.keyframes, fast=not args.full_quality, jobs=jobs,
                                           progress=tick)
        except InputError as exc:
            status = EXIT_INPUT
            console.error_line(str(exc))
            docs.append({"path": path, "errors": [exc.message]})
            continue
        elapsed = time.perf_counter() - started
        target = out_dir / (Path(path).name + ".vvfp") if out_dir else Path(args.output) if args.output else None
        if target is not None:
            vidverify.save_fingerprint(fp, target)
        for w in fp.warnings:
            console.warn_line(f"{path}: {w}")
        docs.append(fp.to_dict())
        rows.append([path, fp.mode, len(fp), fp.duration, f"{elapsed:.2f} s", str(target) if target else "-"])
    _render(args, "hash", {"files": docs}, lambda: console.hash_text(rows))
    return status


def cmd_compare(args: argparse.Namespace) -> int:
    if args.html:
        vidverify.check_output_target("--html", args.html, [args.a, args.b])
    m = vidverify.compare(args.a, args.b, jobs=args.jobs)
    if args.html:
        vidverify.compare_page(m, args.html)
    _render(args, "compare", m.to_dict(), lambda: console.compare_text(m, args.a, args.b))
    return EXIT_OK


def _scan_options(args: argparse.Namespace, jobs: int) -> Any:
    """The scan options the claims and tolerance flags give (a bad value is a UsageError naming its flag)."""
    claims = vidverify.read_claims_file(args.claims) if args.claims else {}
    default = vidverify.user_claims(args.claim_time, args.claim_place)
    policy = vidverify.Policy(clock_tolerance_s=args.clock_tolerance, claim_tolerance_s=args.claim_tolerance,
                              recycled_after_days=args.recycled_after, place_tolerance_m=args.place_tolerance,
                              now=args.now)
    return vidverify.ScanOptions(jobs=jobs, keyframes=getattr(args, "keyframes", False), policy=policy, claims=claims,
                                 pictures=not getattr(args, "no_pictures", False), dask=getattr(args, "dask", None),
                                 default_claims=default, features=not getattr(args, "no_features", False))


def cmd_scan(args: argparse.Namespace) -> int:
    jobs = vidverify.default_jobs(args.jobs)
    if not args.dask:  # with Dask the work runs elsewhere
        vidverify.limit_cores(jobs)
    if args.html:
        vidverify.check_output_target("--html", args.html, args.paths)
    opts = _scan_options(args, jobs)
    line = console.json_lines("vidverify/scan@1") if args.json_lines else None
    index = vidverify.Index(args.index) if args.index else None
    bar = console.StageProgress(**_shown(args, args.json or args.json_lines))

    try:
        with bar as progress:
            result = vidverify.scan(args.paths, options=opts, progress=progress, index=index, on_read=bar.note,
                                    on_file=(lambda info: line("file", info.to_dict())) if line else None)
    finally:
        if index is not None:
            index.close()
    if line:
        console.scan_lines(result, line)
    else:
        _render(args, "scan", result.to_dict(), lambda: console.scan_summary(result))
    if args.html:
        vidverify.scan_page(result, args.html)
    console.error_lines(result.errors)
    if result.errors:
        return EXIT_INPUT
    if not result.files:
        return _nothing_found(args.paths)
    return EXIT_FINDINGS if args.fail_on != "never" and result.findings_at_or_above(args.fail_on) else EXIT_OK


def cmd_index_add(args: argparse.Namespace) -> int:
    jobs = vidverify.default_jobs(args.jobs)
    vidverify.limit_cores(jobs)
    bar = console.StageProgress(**_shown(args, args.json))

    def on_result(r: vidverify.AddResult) -> None:
        bar.note(r.path)
        console.add_error_line(r)

    with vidverify.Index(args.index) as index, bar as progress:
        results = vidverify.add_paths(index, args.paths, keyframes=args.keyframes, jobs=jobs, on_result=on_result,
                                      progress=progress)
        stats = index.stats()
    _render(args, "index-add", {"index": stats["path"], "files": [r.to_dict() for r in results], "stats": stats},
            lambda: console.index_add_text(results, stats))
    if not results:
        return _nothing_found(args.paths)
    return EXIT_INPUT if any(r.status == "error" for r in results) else EXIT_OK


def cmd_index_stats(args: argparse.Namespace) -> int:
    with vidverify.Index(args.index, create=False) as index:
        stats = index.stats()
    _render(args, "index-stats", stats, lambda: console.index_stats_text(stats))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise UsageError("--top must be at least 1")
    with vidverify.Index(args.index, create=False) as index:
        fp = vidverify.load_or_compute(args.clip, jobs=args.jobs)
        with console.StageProgress(**_shown(args, args.json)) as progress:
            results = index.search(fp, top=args.top, progress=progress, compare_media=None if args.no_features else
                                   lambda ref, clip: vidverify.compare(ref, clip, findings=False, jobs=args.jobs))
        looked = index.feature_report
    query = {"path": args.clip, "sha256": fp.sha256, "duration": fp.duration}
    _render(args, "search", {"query": query, "index": index.path, "results": [r.to_dict() for r in results],
                             "features": looked},
            lambda: console.search_text(args.clip, index.path, results, looked))
    return EXIT_OK


def cmd_frames(args: argparse.Namespace) -> int:
    status, results, docs, names, opts = EXIT_OK, [], [], set[str](), _scan_options(args, 1)
    for path in args.files:
        try:
            with console.StageProgress(**_shown(args, args.json)) as progress:
                result = vidverify.examine_frames(path, args.out, jobs=args.jobs, progress=progress, names=names,
                                                  clock=args.clock, policy=opts.policy,
                                                  claims=opts.default_claims, claims_table=opts.claims)
        except InputError as exc:
            status = EXIT_INPUT
            console.error_line(str(exc))
            docs.append({"path": path, "errors": [exc.message]})
            continue
        results.append(result)
        docs.append(result.to_dict())
    _render(args, "frames", docs[0] if len(docs) == 1 else {"files": docs}, lambda: console.frames_text(results))
    return status


def cmd_check(args: argparse.Namespace) -> int:
    jobs = vidverify.default_jobs(args.jobs)
    vidverify.limit_cores(jobs)
    if args.init is not None:
        if args.manifest is not None:
            raise UsageError("give either MANIFEST or --init DIR, not both")
        with console.StageProgress(**_shown(args, args.json)) as progress:
            made = vidverify.init_manifest(args.init, fail_on=args.fail_on or "error", jobs=jobs,
                                           pictures=not args.no_pictures, progress=progress)
        _render(args, "check-init", made.to_dict(), lambda: console.init_text(made))
        return EXIT_OK
    if args.manifest is None:
        raise UsageError("give a MANIFEST to check, or --init DIR to write one")
    for option, target in (("--html", args.html), ("--junit", args.junit)):
        if target:
            vidverify.check_output_target(option, target, [args.manifest])
    bar = console.StageProgress(**_shown(args, args.json))
    index = vidverify.Index(args.index) if args.index else None
    try:
        with bar as progress:
            result = vidverify.check(args.manifest, fail_on=args.fail_on, jobs=jobs, pictures=not args.no_pictures,
                                     progress=progress, index=index, on_read=bar.note)
    finally:
        if index is not None:
            index.close()
    if args.junit:
        ci.write_junit(args.junit, result)
    if args.html:
        vidverify.check_page(result, args.html)
    notes = ci.github_annotations(result) if args.github else []
    _render(args, "check", result.to_dict(), lambda: console.check_text(result, notes))
    if args.json:  # stdout is the JSON document: the annotations go to stderr, which GitHub Actions reads too
        console.plain_lines(notes, stream="stderr")
    if result.summary["errors"]:
        return EXIT_INPUT
    return EXIT_FINDINGS if result.summary["failed"] else EXIT_OK
