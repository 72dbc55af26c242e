"""scan(paths): from a folder of uploads to groups of the same footage, each group's reference, and findings.

The stages:

1. **discover** the media files under the given paths (``media/files.discover``: recursively; images too;
   symlinked folders are not followed; a FIFO or socket is never opened);
2. **ingest** each file (``ingest.ingest_all``: fingerprint and probe) in a pool of worker processes (``jobs``), or
   on a Dask cluster, or take both from an index when the file is unchanged since it was indexed;
3. **candidates**: a cheap test (``match/candidates.py``) picks the pairs worth aligning; **align** them
   (``match_fingerprints``, pure and fast); then the **feature stage** (``feature_stage.py``): a file that matched
   no other may show another's picture small, covered or re-filmed, where no frame hashes alike, and a pair
   matched in part may be a duet's half matched where nothing covered it; the pairs whose ORB features agree are
   compared in full (``compare``, which places the region);
4. **group** the files that share footage and choose each group's reference (``evidence/groups.py``);
5. **compare** the reference with each member, now with picture edits (crop, overlay, colour) from a few decoded
   frame pairs, and collect the **findings** (``evidence/timeline.py``).

One bad file is one entry in ``errors``; the scan goes on with the rest. :func:`scan_page` writes the HTML report.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import UsageError, VidverifyError
from ..evidence import codes, credentials, timeline
from ..evidence import groups as groups_mod
from ..evidence import lineage as lineage_mod
from ..match.audio_sync import SoundTest, sound_only, sound_pairs
from ..match.candidates import ALL_PAIRS_MAX, PairTest, candidate_pairs
from ..match.verdict import match_fingerprints
from ..media import files
from ..media.stills import thumbnails
from ..models import Claims, Finding, Group, Match, MediaInfo, ScanResult
from ..report import html, html_scan
from ..signals.fingerprint import Fingerprint
from . import feature_stage, frames, workers
from .comparison import compare, covers_more
from .index.store import Store
from .ingest import Item, Progress, ingest_all, with_claims

log = logging.getLogger("vidverify")


@dataclass(frozen=True)
class ScanOptions:
    """How to scan (the CLI's options)."""

    jobs: int = 1
    keyframes: bool = False
    pictures: bool = True  # decode a few frame pairs per group member for crop/overlay/colour edits
    policy: timeline.Policy = timeline.Policy()
    dask: str | None = None  # address of a Dask scheduler that fingerprints the files
    claims: Mapping[str, Claims] | None = None  # media.claims.read_claims_file(): the user's claims per file
    default_claims: Claims | None = None  # Claims given by the user for every file (--claim-time/--claim-place)
    features: bool = True  # look for a file's picture inside another's frames where hashes matched neither


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def scan(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *, options: ScanOptions | None = None,
         progress: Progress | None = None, index: Store | None = None,
         on_file: Callable[[MediaInfo], None] | None = None,
         on_read: Callable[[str], None] | None = None) -> ScanResult:
    """Scan files and folders: groups of the same footage, references, edits and findings (docs/contract.md,
    scan). ``paths`` is one path or several.

    ``index`` (an ``Index``, or any store) supplies unchanged files' fingerprints and stores new ones. ``on_file``
    is called with each file's MediaInfo as soon as it is known (for streaming output); ``on_read`` with each
    file's path the moment it has been read (progress shows it as the current file)."""
    opts = options or ScanOptions()
    if opts.jobs < 1:
        raise UsageError("jobs must be at least 1")
    found, errors = files.discover(paths)
    items = ingest_all(found, jobs=opts.jobs, keyframes=opts.keyframes, dask=opts.dask, store=index,
                       progress=progress, on_item=(lambda it: on_read(it.path)) if on_read else None)
    items = [with_claims(it, opts.claims, opts.default_claims) for it in items]
    for it in items:
        if it.error:
            errors[it.path] = it.error
        if on_file:
            on_file(it.info)
    usable = [it for it in items if it.fp is not None]
    infos = {it.path: it.info for it in items}

    fps = [it.fp for it in usable if it.fp is not None]
    # up to ALL_PAIRS_MAX files every pair is tested, in the alignment workers; above, the banded index picks
    # by picture and a table of the sound prints' steps by sound
    tested = len(fps) <= ALL_PAIRS_MAX
    pairs = [(i, j) for i in range(len(fps)) for j in range(i + 1, len(fps))] if tested else \
        sorted(set(candidate_pairs(fps)) | set(sound_pairs(fps)))
    matches: list[Match] = []
    for k, ((i, j), m) in enumerate(zip(pairs, _align_pairs(fps, pairs, opts.jobs, test=tested), strict=True)):
        if m is not None:
            matches.append(replace(m, a=replace(m.a, path=usable[i].path), b=replace(m.b, path=usable[j].path)))
        if progress:
            progress("align", k + 1, len(pairs))

    pictures = {it.path: it.fp.active_area[2] * it.fp.active_area[3] for it in usable
                if it.fp is not None and it.fp.active_area}
    inside_bars = frozenset(it.path for it in usable if it.fp is not None and it.fp.active_area and it.fp.width
                            and it.fp.height and tuple(it.fp.active_area) != (0, 0, it.fp.width, it.fp.height))

    def barred_by(ms: Iterable[Match]) -> frozenset[str]:
        # a file that shows another's picture inside a canvas (a duet, a screen recording) ranks as one inside
        # bars: its frame's pixels are not its picture's
        return inside_bars | frozenset(p for m in ms for p in lineage_mod.canvases(m))

    def plain(members: Sequence[str], ms: Sequence[Match]) -> tuple[list[str], list[str]]:
        # a set's members whose frame is their picture (no canvas, no bars), and the others, each the largest
        # picture and the longest first (a cheap stand-in for its reference: ranking a large set's members is
        # cubic in them)
        barred = barred_by(ms)
        ranked = sorted(members, key=lambda p: (-pictures.get(p, 0), -(infos[p].duration or 0.0), p))
        return [p for p in ranked if p not in barred], [p for p in ranked if p in barred]

    if opts.features and opts.pictures:
        matches = _by_features(usable, matches, opts, progress, plain)
    # files that share sound but no picture are grouped too, marked as matched by sound
    by_sound = [m for m in matches if sound_only(m)]
    comps = groups_mod.components([it.path for it in usable], matches, [(m.a.path, m.b.path) for m in by_sound])
    pictured = {p for m in matches if m.verdict != "unrelated" for p in (m.a.path, m.b.path)}
    barred = barred_by(matches)
    by_path = {it.path: it for it in usable}
    result_groups: list[Group] = []
    findings: list[Finding] = []
    n_members = sum(len(c) - 1 for c in comps)
    plans = []
    for members in comps:
        # the reference is chosen among the files that share picture (one that shares only sound is no version of
        # the footage, and would count against the others' completeness); a group of sound alone takes them all
        seen = [m for m in members if m in pictured] or list(members)
        ref, why = groups_mod.choose_reference(seen, infos, matches, pictures, barred)
        plans.append(([ref, *(m for m in seen if m != ref), *(m for m in members if m not in seen)], why))
    # the reference against each member, with picture edits (frames decoded): in the pool when there is one
    tasks = [(by_path[ordered[0]], by_path[other]) for ordered, _ in plans for other in ordered[1:]]
    compared: list[Match] = []

    def tick() -> None:
        if progress:
            progress("compare", len(compared), n_members)

    if opts.jobs > 1 and opts.pictures and len(tasks) > 1:
        # longest first (no worker idles at the end on a long one), results back in task order
        order = sorted(range(len(tasks)), key=lambda k: -sum(_size(it.path) for it in tasks[k]))
        by_task: list[Match | None] = [None] * len(tasks)
        with workers.pool(min(opts.jobs, len(tasks))) as pool:
            refs, others = zip(*(tasks[k] for k in order), strict=True)
            for k, m in zip(order, pool.map(_compare_pair, refs, others, [opts] * len(tasks)), strict=True):
                by_task[k] = m
                compared.append(m)
                tick()
        compared = [m for m in by_task if m is not None]
    else:
        for ref_item, other_item in tasks:
            compared.append(_compare_pair(ref_item, other_item, opts))
            tick()
    # every comparison inside a group, for its lineage (which member was made from which)
    group_of = {p: gi for gi, (ordered, _) in enumerate(plans, 1) for p in ordered}
    within: dict[int, list[Match]] = {}
    for m in matches:
        if m.verdict != "unrelated" and group_of.get(m.a.path, -1) == group_of.get(m.b.path, -2):
            within.setdefault(group_of[m.a.path], []).append(m)
    k = 0
    for gi, (ordered, _) in enumerate(plans, 1):
        pair_results = compared[k:k + len(ordered) - 1]
        k += len(ordered) - 1
        by = {p: "picture" if p in pictured else "sound" for p in ordered}
        tree = lineage_mod.lineage(ordered, infos, [*pair_results, *within.get(gi, [])], pictures, by)
        # the reason in the numbers the group reports: the full comparisons (a feature search may have found
        # more of a member than the hashes that chose the reference)
        why = groups_mod.reason_for(ordered[0], [p for p in ordered if p in pictured] or ordered, infos,
                                    [*within.get(gi, []), *pair_results], pictures, barred)
        if apart := groups_mod.joined_through(ordered[0], [p for p in ordered if p in pictured],
                                              [*within.get(gi, []), *pair_results]):
            why += f"; {apart}"
        result_groups.append(Group(f"g{gi}", tuple(ordered), ordered[0], why, tuple(pair_results), by, tree))
        # the timeline's findings rest on shared footage: a member that shares only its sound is left out
        findings += timeline.group_findings([infos[p] for p in ordered if p in pictured],
                                            [m for m in pair_results if m.verdict != "unrelated"], opts.policy)
        findings += timeline.sound_findings(pair_results, [m for m in by_sound if m.a.path in ordered])
    for it in items:
        findings += timeline.file_findings(it.info, opts.policy)
        findings += frames.fingerprint_findings(it.fp) if it.fp is not None else []
    findings += credentials.findings([it.info for it in items], [*compared, *matches])
    grouped = {p for g in result_groups for p in g.members}
    singles = tuple(it.path for it in usable if it.path not in grouped)
    return ScanResult(
        files=tuple(it.info for it in items),
        groups=tuple(result_groups),
        findings=tuple(codes.sort_findings(findings)),
        singles=singles,
        errors=errors,
        seconds={it.path: round(it.seconds, 3) for it in items},
        strips={it.path: frames.keyframe_strip(it.fp) for it in usable if it.fp is not None},
    )


FEATURE_MAX_PAIRS = 20_000  # the feature stage looks at most this many pairs (about 0.02 s each): above, none
FEATURE_CANDIDATES = 3  # pairs of each unmatched file compared in full, the strongest first
ACROSS_MAX_PAIRS = 1_000  # files looked in for another set's members (a case folder's few sets): above, for the
# first of each set only; above again, none
ACROSS_PLAIN = 3  # a set is looked for by this many of its members whose frame is their picture


def _by_features(usable: list[Item], matches: list[Match], opts: ScanOptions, progress: Progress | None,
                 plain: Callable[[Sequence[str], Sequence[Match]], tuple[list[str], list[str]]]) -> list[Match]:
    """``matches`` with what the feature stage adds: pairs where one file shows the other's picture small,
    covered or re-filmed (``feature_stage``), compared in full. Tested: a file that matched no other against every
    file its hashes did not join it to; a pair the hashes matched in part only (``in_part``: a duet's half,
    matched where nothing covered it), whose full comparison stands when it covers more; and, up to
    ACROSS_MAX_PAIRS, each file that has room for another picture (``close_copy``: none) searched for the first
    ACROSS_PLAIN members whose frame is their picture (``plain``: not a duet, which shows its clip at half size
    beside other footage) of each other set of files joined by their whole pictures (a group, or part of one that
    a composite joined to the rest by a region), or for the first of each when those pairs are too many, a pair
    already matched aside: a picture-in-picture whose background is in the folder joined that clip's group by its
    hashes, and the clip in its corner was never looked for. A set of canvases alone (a duet) is looked for in the
    other canvases (a 9:16 re-post of it) with the pairs the bound leaves. A file alone has
    FEATURE_CANDIDATES full comparisons; a pair of the other kinds is compared while neither of its files has had
    FEATURE_CANDIDATES of that kind."""
    linked = {(m.a.path, m.b.path) for m in matches if m.verdict != "unrelated"}
    linked |= {(b, a) for a, b in linked}
    partial = {frozenset((m.a.path, m.b.path)): k for k, m in enumerate(matches)
               if feature_stage.in_part(m.verdict, m.coverage, (s.channel for s in m.segments))}
    matched = {p for pair in linked for p in pair}
    paths = [it.path for it in usable]
    at = {p: k for k, p in enumerate(paths)}
    kinds: dict[tuple[int, int], str] = {}
    for i in range(len(paths)):
        for j in range(i + 1, len(paths)):
            if frozenset((paths[i], paths[j])) in partial:
                kinds[(i, j)] = "partial"
            elif (paths[i] not in matched or paths[j] not in matched) and (paths[i], paths[j]) not in linked:
                kinds[(i, j)] = "alone"
    if len(kinds) > FEATURE_MAX_PAIRS:
        log.warning("scan: the feature stage was skipped: %d pairs with a file that matched no other or matched in "
                    "part, over the %d it looks at (about 0.02 s a pair); a file shown small or re-filmed in another "
                    "is not found among them (compare such a pair, or search an index of the files)", len(kinds),
                    FEATURE_MAX_PAIRS)
        return matches
    # the files joined by matches of their whole pictures (copies, trims, crops; no canvas showing another's
    # picture in a region): a composite that joined a group by a region (a grid shows the clip and the background
    # of a picture-in-picture) leaves the clip in the picture-in-picture's corner to be looked for all the same
    comps = groups_mod.components(paths, [m for m in matches
                                          if m.verdict != "unrelated" and not lineage_mod.canvases(m)])
    held = {p for c in comps for p in c}
    comps += [[p] for p in paths if p in matched and p not in held]  # matched by a region only: a set of its own
    across: dict[tuple[int, int], None] = {}  # (looked in, looked for), in order
    if len(comps) > 1:
        # looked in: the files whose matches leave room for another picture (none is a close copy over the whole
        # frame, ``close_copy``); only their frames are searched, for the other groups' pictures
        copies = {p for m in matches if m.verdict != "unrelated" and lineage_mod.close_copy(m)
                  for p in (m.a.path, m.b.path)}
        roomy = {p for c in comps for p in c if p not in copies}
        grouped = len(roomy)
        comp_of = {p: k for k, c in enumerate(comps) for p in c}
        inside: list[list[Match]] = [[] for _ in comps]
        for m in matches:  # each set's matches, and those of its files with others (a canvas's, by a region)
            if m.verdict != "unrelated":
                for k in {comp_of[m.a.path], comp_of[m.b.path]}:
                    inside[k].append(m)
        # looked for: each set's first ACROSS_PLAIN members whose frame is their picture (``plain``: a duet shows
        # its clip at half size beside other footage), or its first alone when those make too many pairs; counted
        # before any pair is made
        ranked = [plain(c, ms) for c, ms in zip(comps, inside, strict=True)]
        wide = [rs[:ACROSS_PLAIN] for rs, _ in ranked]
        shown: list[list[str]] | None = wide
        outside = [grouped - len(roomy.intersection(c)) for c in comps]  # files of the other sets looked in
        used = sum(len(rs) * n for rs, n in zip(wide, outside, strict=True))
        if used > ACROSS_MAX_PAIRS:
            shown = [rs[:1] for rs in wide]
            used = sum(len(rs) * n for rs, n in zip(shown, outside, strict=True))
            if used > ACROSS_MAX_PAIRS:
                log.warning("scan: files were not looked for inside each other: %d sets of files joined by their "
                            "whole pictures, over the %d pairs the feature stage looks at across them; a clip "
                            "shown small over other footage is not found (compare such a pair, or search an index "
                            "of the files)", len(comps), ACROSS_MAX_PAIRS)
                shown, used = None, 0
        looked = [(c, [(p, r) for r in rs for p in (p for d in comps if d is not c for p in d if p in roomy)])
                  for c, rs in zip(comps, shown or [], strict=False)]
        # a set of canvases alone (a duet and its copies) is looked for, its first, in the other canvases only (a
        # 9:16 re-post of the duet shows all of it), with what the bound leaves: re-posts do not crowd out clips
        canvased = {p for m in matches if m.verdict != "unrelated" for p in lineage_mod.canvases(m)}
        for c, (rs, others) in zip(comps, ranked, strict=True):
            if not rs and others:
                pairs = [(p, others[0]) for d in comps if d is not c for p in d if p in roomy and p in canvased]
                if used + len(pairs) <= ACROSS_MAX_PAIRS:
                    looked.append((c, pairs))
                    used += len(pairs)
        for _, pairs in looked:
            for p, r in pairs:
                if (p, r) not in linked and kinds.setdefault((min(at[p], at[r]), max(at[p], at[r])),
                                                             "across") == "across":
                    across[(at[p], at[r])] = None
    if not kinds:
        return matches
    fps = [replace(it.fp, path=it.path) for it in usable if it.fp is not None]
    both = [pair for pair, kind in kinds.items() if kind != "across"]
    found = feature_stage.feature_pairs(fps, both, one_way=list(across),
                                        progress=(lambda k, n: progress("features", k, n)) if progress else None)
    tried: dict[tuple[str, str], int] = {}
    out = list(matches)
    for i, j, _ in found:
        kind = kinds[(min(i, j), max(i, j))]
        turns = [(p, kind) for p in (paths[i], paths[j]) if kind != "alone" or p not in matched]
        done = [tried.get(t, 0) >= FEATURE_CANDIDATES for t in turns]
        if all(done) if kind == "alone" else any(done):
            continue
        for t in turns:
            tried[t] = tried.get(t, 0) + 1
        m = _compare_pair(usable[i], usable[j], opts)  # the file shown first: a canvas compares as B
        again = partial.get(frozenset((paths[i], paths[j])))
        if again is None:
            if m.verdict != "unrelated":
                out.append(m)
        elif covers_more(m, out[again]):
            out[again] = m
    return out


_SHARED: list[Any] = []  # [fingerprints, pair test or None, sound test]: what forked workers align (inherited)
ALIGN_CHUNK = 16  # pairs per task in the pool


def _align_chunk(chunk: list[tuple[int, int]]) -> list[Match | None]:
    fps, test, sound = _SHARED
    return [match_fingerprints(fps[i], fps[j]) if test is None or test(i, j) or sound(i, j) else None
            for i, j in chunk]


def _align_pairs(fps: Sequence[Fingerprint], pairs: list[tuple[int, int]], jobs: int, *,
                 test: bool = False) -> Iterable[Match | None]:
    """match_fingerprints on every pair (with ``test``, on every pair that passes the candidate test, None for
    the others), in forked workers when there are several jobs (the fingerprints are inherited by the fork, not
    sent), in this process otherwise."""
    tester = PairTest(fps) if test else None
    sound = SoundTest(list(fps))  # a pair whose picture fails the test may still share its sound
    if jobs <= 1 or len(pairs) < 2 * ALIGN_CHUNK or not workers.can_fork():
        for i, j in pairs:
            yield match_fingerprints(fps[i], fps[j]) if tester is None or tester(i, j) or sound(i, j) else None
        return
    _SHARED[:] = [list(fps), tester, sound]
    try:
        chunks = [pairs[k:k + ALIGN_CHUNK] for k in range(0, len(pairs), ALIGN_CHUNK)]
        with workers.pool(min(jobs, len(chunks))) as pool:
            for result in pool.map(_align_chunk, chunks):
                yield from result
    finally:
        _SHARED.clear()


def _compare_pair(ref: Item, other: Item, opts: ScanOptions) -> Match:
    assert ref.fp is not None and other.fp is not None
    try:
        m = compare(ref.fp, other.fp, pictures=opts.pictures, jobs=1)
    except VidverifyError as exc:  # a picture decode failed: keep the timeline result
        log.warning("%s vs %s: picture edits skipped: %s", ref.path, other.path, exc.message)
        m = match_fingerprints(ref.fp, other.fp)
    return replace(m, a=replace(m.a, path=ref.path), b=replace(m.b, path=other.path))


def scan_page(result: ScanResult, path: str) -> None:
    """Write the HTML report of a scan to ``path`` (thumbnails grabbed from the media, written atomically;
    ``OutputError``, exit 6, when it cannot be written)."""
    page = html_scan.render_scan(result, thumbs=thumbnails(html.thumbnail_requests(result)))
    html.write_html(path, page)


__all__ = ["ScanOptions", "scan", "scan_page"]
