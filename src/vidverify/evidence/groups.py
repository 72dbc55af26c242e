"""Pure grouping: pairwise matches → groups of uploads of the same footage, and each group's reference version.

Two files belong to one group when they share footage (any verdict but ``unrelated``); groups are the connected
components of that relation, so a compilation joins the groups it draws from. The reference is the version the
others are measured against: the most complete one (it contains the most of the other members' footage, and no
footage inserted between the stretches it shares with them), then a camera original or a file that kept a device's
capture time over a re-encode (dates can be wrong, a writer's traces are in the file itself), then the earliest
(capture or upload time, for every possible zone), then one without added bars, then the largest picture, the least
compressed (bit rate per pixel), the longest, and the path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..models import Match, MediaInfo
from .timeline import When, created, has_camera_traces, upload

COMPLETENESS_TIE = 0.05  # members whose completeness is within this of the best are equally complete (coverage is
# measured to a few frames, and a pair of weak matches can lose a few per cent)


@dataclass(frozen=True)
class Ranked:
    path: str
    completeness: float  # mean share of each other member's footage that this member contains
    first: When | None  # the earliest time this file is known to have existed
    original: bool
    pixels: int
    duration: float
    bits_per_pixel: float = 0.0  # bit rate per pixel per frame: the less compressed copy is the better reference
    bars: bool = False  # the picture sits inside bars someone added (letterbox, pillarbox, a 9:16 canvas)


def components(paths: Sequence[str], matches: Iterable[Match],
               links: Iterable[tuple[str, str]] = ()) -> list[list[str]]:
    """Connected components (of size ≥ 2) of the 'shares footage' relation, each sorted, in order of first path;
    ``links`` join pairs beside the matches (files that share only their sound)."""
    parent = {p: p for p in paths}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs = [(m.a.path, m.b.path) for m in matches if m.verdict != "unrelated"] + list(links)
    for x, y in pairs:
        if x not in parent or y not in parent:
            continue
        ra, rb = find(x), find(y)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps: dict[str, list[str]] = {}
    for p in paths:
        comps.setdefault(find(p), []).append(p)
    return sorted((sorted(c) for c in comps.values() if len(c) > 1), key=lambda c: c[0])


def contains(matches: Iterable[Match]) -> dict[tuple[str, str], float]:
    """(x, y) → the share of y's duration found in x, from matches in either direction (the larger if both)."""
    out: dict[tuple[str, str], float] = {}
    for m in matches:
        if m.verdict == "unrelated":
            continue
        a, b = m.a.path, m.b.path
        out[(b, a)] = max(out.get((b, a), 0.0), float(m.coverage.get("a", 0.0)))
        out[(a, b)] = max(out.get((a, b), 0.0), float(m.coverage.get("b", 0.0)))
    return out


def inserted(matches: Iterable[Match]) -> dict[str, float]:
    """path → the share of its duration that lies *between* stretches shared with other files: footage inserted
    into the middle of the shared footage. (Unshared footage at the start or end is left alone: from the files
    alone a longer version cannot be told from a version that was extended, but a hole in the middle is an
    insert.)"""
    spans: dict[str, list[tuple[float, float]]] = {}
    durations: dict[str, float] = {}
    for m in matches:
        if m.verdict == "unrelated":
            continue
        for ref, side in ((m.a, "a"), (m.b, "b")):
            spans.setdefault(ref.path, []).extend(
                (getattr(sg, f"{side}_start"), getattr(sg, f"{side}_end")) for sg in m.segments)
            if ref.duration:
                durations[ref.path] = float(ref.duration)
    out: dict[str, float] = {}
    for path, ivs in spans.items():
        ivs.sort()
        holes, end = 0.0, None
        for s0, s1 in ivs:
            if end is not None and s0 > end:
                holes += s0 - end
            end = s1 if end is None else max(end, s1)
        out[path] = holes / durations[path] if durations.get(path) else 0.0
    return out


def closure(members: Sequence[str], share: Mapping[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """``share`` made transitive: when x contains z and z contains y, x contains y (at least the product).

    A heavily edited member that only some others match (a big logo) still counts as contained in the version
    that contains a member it matches."""
    out = {(x, y): share.get((x, y), 0.0) for x in members for y in members if x != y}
    for z in members:  # Floyd-Warshall over (max, x)
        for x in members:
            if x == z or out[(x, z)] == 0.0:
                continue
            for y in members:
                if y not in (x, z):
                    out[(x, y)] = max(out[(x, y)], out[(x, z)] * out[(z, y)])
    return out


def bits_per_pixel(info: MediaInfo, pixels: int) -> float:
    """Bit rate per pixel per frame of a picture of ``pixels`` (0 when unknown): the less compressed copy."""
    return (info.bit_rate or 0) / (pixels * (info.fps or 30.0)) if pixels else 0.0


def rank(members: Sequence[str], infos: Mapping[str, MediaInfo],
         share: Mapping[tuple[str, str], float], holes: Mapping[str, float] | None = None,
         pictures: Mapping[str, int] | None = None, barred: frozenset[str] = frozenset()) -> list[Ranked]:
    """Members best-first as reference candidates.

    Completeness is the mean share of each other member's footage that a member contains (transitively), less
    the share of its own footage inserted between shared stretches (``holes``, from ``inserted``: inserted
    material makes a version less of a reference, not more)."""
    share = closure(members, share)
    ranked = []
    for x in members:
        others = [y for y in members if y != x]
        gaps = holes or {}
        # of each other member, the footage that was not inserted into it
        comp = sum(min(1.0, share.get((x, y), 0.0) / max(1e-9, 1.0 - gaps.get(y, 0.0))) for y in others) \
            / len(others) if others else 1.0
        comp -= gaps.get(x, 0.0)
        info = infos.get(x)
        firsts = [w for w in (created(info), upload(info)) if w is not None] if info else []
        first = min(firsts, key=lambda w: w.latest) if firsts else None
        original = bool(info and has_camera_traces(info))
        # the picture itself, inside any bars (a letterboxed copy's canvas is not a larger picture)
        pixels = (pictures or {}).get(x) or ((info.width or 0) * (info.height or 0) if info else 0)
        bpp = bits_per_pixel(info, pixels) if info else 0.0
        ranked.append(Ranked(x, round(comp, 4), first, original, pixels, (info.duration or 0.0) if info else 0.0,
                             round(bpp, 4), x in barred))
    best = max(r.completeness for r in ranked)

    def key(r: Ranked) -> tuple[object, ...]:
        tier = 0 if r.completeness >= best - COMPLETENESS_TIE else 1
        when = r.first.latest.timestamp() if r.first else float("inf")
        return (tier, -r.completeness if tier else 0.0, not r.original, when, r.bars, -r.pixels,
                -r.bits_per_pixel, -r.duration, r.path)

    return sorted(ranked, key=key)


def reason(ranked: Sequence[Ranked]) -> str:
    """Why the first of ``ranked`` is the reference, in words."""
    r = ranked[0]
    parts = [f"completeness {r.completeness:.0%} (the share of the other members' footage it contains, less "
             "footage inserted into it)"]
    if r.first is not None:
        parts.append(f"earliest known time {r.first.value} ({r.first.field})")
    if r.original:
        parts.append("camera original or device capture metadata")
    if r.pixels:
        parts.append(f"{r.pixels:,} pixels")
    if r.bits_per_pixel:
        parts.append(f"{r.bits_per_pixel:.3f} bits per pixel")
    return "; ".join(parts)


def choose_reference(members: Sequence[str], infos: Mapping[str, MediaInfo], matches: Iterable[Match],
                     pictures: Mapping[str, int] | None = None,
                     barred: frozenset[str] = frozenset()) -> tuple[str, str]:
    """(reference path, reason). ``pictures``: pixels of each file's picture inside bars, when known; ``barred``:
    files whose picture sits inside bars (a copy fitted to another frame shape)."""
    matches = list(matches)
    ranked = rank(members, infos, contains(matches), inserted(matches), pictures, barred)
    return ranked[0].path, reason(ranked)


def reason_for(ref: str, members: Sequence[str], infos: Mapping[str, MediaInfo], matches: Iterable[Match],
               pictures: Mapping[str, int] | None = None, barred: frozenset[str] = frozenset()) -> str:
    """Why ``ref`` is the reference, in words, measured on ``matches``: the full comparisons of the reference with
    each member, once made (the reference is chosen on the first ones, which a feature search may since have
    completed: a 9:16 re-post's hashes matched 73% of it, its full comparison all of it)."""
    matches = list(matches)
    ranked = rank(members, infos, contains(matches), inserted(matches), pictures, barred)
    return reason([next(r for r in ranked if r.path == ref)])


def joined_through(ref: str, members: Sequence[str], matches: Iterable[Match]) -> str:
    """For a group's reason: the members that share no footage with the reference ``ref``, and the members through
    which the group holds them (a duet or a picture-in-picture shows footage of both); "" when there are none."""
    linked = {frozenset((m.a.path, m.b.path)) for m in matches if m.verdict != "unrelated"}
    apart = [p for p in members if p != ref and frozenset((p, ref)) not in linked]
    if not apart:
        return ""
    via = sorted({q for q in members for p in apart if frozenset((q, p)) in linked and frozenset((q, ref)) in linked})

    def names(ps: Sequence[str]) -> str:
        return ", ".join(os.path.basename(p) for p in ps)

    how = f"files that show footage of both ({names(via)})" if via else "other members"
    return (f"{names(apart)} {'shares' if len(apart) == 1 else 'share'} no footage with it: the group holds "
            f"{'it' if len(apart) == 1 else 'them'} through {how}")


__all__ = ["COMPLETENESS_TIE", "Ranked", "bits_per_pixel", "choose_reference", "closure", "components", "contains",
           "inserted", "joined_through", "rank", "reason", "reason_for"]
