"""Pure lineage: which member of a group was made from which (docs/contract.md, scan: ``lineage``).

Every pair of members that shares footage is read for **clues of direction**: facts that hold for a copy made
from a file and not the other way round. Each clue names the file that came first, the file made from it, a
weight (how far it shifts the odds, roughly in nats) and the words that say it.

* Footage: one file contains all of the other's footage and clearly more (the other is a trim or a cut of it);
  the other has footage inserted between stretches of the first (a compilation, a splice).
* Picture: the other shows a centre crop or a region of the first, the first's picture inside bars or a canvas,
  an overlay (logo, caption) over it, or it in greyscale; its picture is clearly smaller (detail cannot be put
  back). None of these can be undone, so each points one way.
* Sound: the other has lost the first's sound.
* The files themselves: a camera original, or a file that kept a device's capture time, against a re-encode;
  intact content credentials against a copy without them (credentials are stripped downstream, never added to an
  unsigned file's copy by re-encoding); a signed edit against the signed capture it was made from.

Mirroring, speed, rotation, colour grading and re-encoding leave no direction: a clue is only what cannot be undone.
Dates are not used: a re-encoder's creation time is when it wrote the file, and an upload time is when a platform
received it, neither when the footage was made from what.

**The tree.** Each member's *originality* is the weight of the clues that it came first less those that it was made
from another; the root is the most original member. The others, most original first, each take as parent a member
already placed that the clues show it was made from (weight at least PARENT_MIN_WEIGHT) and that shows (nearly) all
of its footage that any member shows, the closest of them: the one with the fewest changes to the picture (mirror,
crop, bars, rotation), then the least footage the child lacks (a copy of a trim shares the trim's cut points), then
the nearest in mean hash distance (generations of loss, an inherited overlay), then the earliest. So a copy of a
copy names the copy, not the original (``parent`` is the direct one), and a trim is no parent of a copy that has
footage the trim lacks. Footage a member has between stretches of another is an insert only when no third member
shows it (else the other is the one that was cut), and only a splice: A's stretches on either side of it join up. A
member no placed member is shown to precede names the root and says ``parent-not-in-set``: it was made separately
from a source the set lacks (or the clues cannot tell), and its confidence says how little is known.

**Composites.** A duet, a grid or a picture-in-picture over other footage is made from several members that share
no footage with each other: each is shown to precede it (a canvas, bars, an overlay) and shows its part of it. Its
``parent`` is chosen as above, and ``sources`` names every such member (the parent first). A canvas that shows one
member's picture in a region and matches another's over its whole frame, footage that shares none with the first,
is a picture over that other footage: the background came first (and the canvas's frame size, the compositor's,
is no clue). Two canvases of one member matched region to region give no clue of each other: each compositor
placed that member's footage. A member that shares no footage with the root is in the group only through a
composite: its source is not in the set, and the evidence says so rather than that it and the root were made
from the same footage.

**Confidence** is the probability that the named parent came first, from the clues' net weight for that pair
(logistic), capped at MAX_CONFIDENCE: the clues are strong, but none is proof.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..models import BLURRED_FILL, CANVAS_REGION, Edit, LineageEntry, Match, MediaInfo, mean_bits
from .groups import bits_per_pixel, contains
from .timeline import has_camera_traces

PARENT_MIN_WEIGHT = 1.0  # clues at least this strong (net) name a parent
CONTAINS_MIN = 0.85  # a file contains another's footage: at least this share of it
CONTAINS_MARGIN = 0.15  # ... and the other holds clearly less of it
SMALLER_PICTURE = 0.6  # a picture at most this share of the other's pixels is a downscaled copy
LESS_BITS = 0.6  # a copy at most this share of the other's bits per pixel is (weakly) a later generation
INHERIT_BITS = 3.0  # a member this much nearer in hash distance than the parent the clues name shares its edits
MAX_CONFIDENCE = 0.95
INSERT_SHOWN = 0.03  # another member shows this much more of a file than the one it has an insert against
JOIN_S = 0.25  # stretches this close join up (a frame or a few at any common rate)
TIGHT_MARGIN = 0.1  # candidate parents whose share of footage in the child differs by less are equally tight
DIRECT_MARGIN_BITS = 1.5  # candidate parents this close in mean hash distance are equally close: the earliest wins
DIRECT_MARGIN = 0.3  # ... or within this share of the closest one's distance (a crop's or a rescaled copy's
# distances say little of generations)
# changes to the picture every comparison sees (the alignment's channels), to count: overlays and colour are found
# only where frames were decoded (the reference's pairs), and would count against the reference
PICTURE_CHANGES = frozenset({"mirror", "crop", "pad", "rotate"})
NOT_IN_SET = "parent-not-in-set"

W_CONTAINS = 2.0
W_INSERT = 1.5
W_PICTURE = 2.0  # crop, bars, overlay, greyscale
W_SMALLER = 1.0
W_LESS_BITS = 0.5  # weak: a copy may be re-encoded at a higher rate than its source had
W_SOUND_REMOVED = 1.0
W_CAMERA = 2.0
W_CREDENTIALS = 0.7
W_SIGNED_EDIT = 1.5
BACKGROUND_MIN_BITS = 5.0  # a canvas's match over the whole frame closer than this is a copy, not its background


@dataclass(frozen=True)
class Clue:
    """``child`` was made from ``parent`` (rather than the reverse), by ``weight``, because of ``text``."""

    parent: str
    child: str
    weight: float
    text: str
    kind: str = ""  # "insert": footage in the child the parent lacks (void when another member shows it); "cut":
    # the parent holds all of the child and more, spliced into its middle (void while that insert stands);
    # "overlay": the child has something over the parent's picture (void where the parent is its background)


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _spliced(e: Edit, m: Match) -> bool:
    """An insert that is a splice: B's footage just before and just after it is A's, continuing (A's stretches
    meet where B's are apart), so something was put into B's middle (or taken from A's, which a third member can
    tell). Footage unmatched at an end, or between stretches that do not join up in A, is no such clue."""
    if e.b_start is None or e.b_end is None:
        return False
    before = [sg for sg in m.segments if abs(sg.b_end - e.b_start) <= JOIN_S]
    after = [sg for sg in m.segments if abs(sg.b_start - e.b_end) <= JOIN_S]
    return any(abs(x.a_end - y.a_start) <= JOIN_S and x.mirrored == y.mirrored for x in before for y in after)


def match_clues(m: Match) -> list[Clue]:
    """Clues of direction from one comparison (B described relative to A)."""
    if m.verdict == "unrelated":
        return []
    a, b = m.a.path, m.b.path
    out: list[Clue] = []
    b_in_a, a_in_b = float(m.coverage.get("b", 0.0)), float(m.coverage.get("a", 0.0))
    spliced = any(e.type == "insert" and _spliced(e, m) for e in m.edits)
    canvas = canvases(m)
    for first, then, kept, back in ((a, b, b_in_a, a_in_b), (b, a, a_in_b, b_in_a)):
        # a canvas holds more than the clip it shows (the composite's other parts, and the clip's still moments
        # that its region did not pin): that is no trim of the clip
        if kept >= CONTAINS_MIN and back <= kept - CONTAINS_MARGIN and first not in canvas:
            # B holding all of A and more, some of it spliced into A's middle: A is a cut of B only when the
            # splice turns out to be footage of the same event (``lineage`` decides; kind "cut")
            out.append(Clue(first, then, W_CONTAINS, f"{_name(first)} contains all of {_name(then)}'s footage "
                            f"and more ({back:.0%} of it is in {_name(then)}): {_name(then)} is a trim or cut",
                            "cut" if spliced and first == b else ""))
    canvas_crop = any(_canvas_crop(e) for e in m.edits)
    edits = [e for e in m.edits if not _canvas_crop(e)]
    kinds = {e.type for e in edits}  # A shows B in a canvas: the a-canvas stretches below say which came first
    if spliced:
        out.append(Clue(a, b, W_INSERT, f"{_name(b)} has footage inserted between stretches of {_name(a)}'s",
                        "insert"))
    for e in edits:
        if e.type == "crop":
            first, then = (a, b) if e.detail.get("of", "a") == "a" else (b, a)
            out.append(Clue(first, then, W_PICTURE, f"{_name(then)} shows a crop of {_name(first)}'s picture"))
        elif e.type == "pad":
            out.append(Clue(a, b, W_PICTURE, f"{_name(b)} shows {_name(a)}'s picture inside bars or a canvas"))
        elif e.type == "overlay":
            out.append(Clue(a, b, W_PICTURE, f"{_name(b)} has an overlay (logo, caption) over {_name(a)}'s "
                            "picture", "overlay"))
        elif e.type == "color" and e.detail.get("kind") == "greyscale":
            out.append(Clue(a, b, W_PICTURE, f"{_name(b)} is {_name(a)} in greyscale"))
        elif e.type == "audio-removed":
            out.append(Clue(a, b, W_SOUND_REMOVED, f"{_name(b)} lost {_name(a)}'s sound"))
    channels = {s.channel for s in m.segments}
    if "crop" not in kinds:  # crops and bars seen by the channels, when frame pairs were not decoded
        for ch, first, then, what in (("a-crop", a, b, "a centre crop"), ("b-crop", b, a, "a centre crop"),
                                      ("b-bars", a, b, "inside bars"), ("a-bars", b, a, "inside bars")):
            if ch in channels and not (ch == "b-bars" and "pad" in kinds):
                text = (f"{_name(then)} shows {what} of {_name(first)}'s picture" if "crop" in what
                        else f"{_name(then)} shows {_name(first)}'s picture {what}")
                out.append(Clue(first, then, W_PICTURE, text))
    # A's picture inside a canvas (a duet, a screen recording: compare gives B's canvas a pad edit, A's none; a
    # region that features found gives A's a canvas crop)
    if any(c.startswith("a-canvas") for c in channels) or canvas_crop:
        out.append(Clue(b, a, W_PICTURE, f"{_name(a)} shows {_name(b)}'s picture inside a canvas"))
    if "pad" not in kinds and any(c.startswith("b-canvas") for c in channels):
        out.append(Clue(a, b, W_PICTURE, f"{_name(b)} shows {_name(a)}'s picture inside bars or a canvas"))
    return out


def _canvas_crop(e: Edit) -> bool:
    """A ``crop`` of A that is the region where A, a canvas, shows B (not B keeping part of A's picture)."""
    return e.type == "crop" and e.detail.get("kind") == CANVAS_REGION


def canvases(m: Match) -> set[str]:
    """The files of a comparison that show the other's picture in a region of a canvas (segments ``a-canvasK``:
    A, ``b-canvasK``: B): a canvas's pixels are not its picture's (a duet's 1280x720 holds a clip of 640x360)."""
    if m.verdict == "unrelated":
        return set()
    found = {m.a.path if s.channel.startswith("a-") else m.b.path for s in m.segments if "canvas" in s.channel}
    # a region that features found: B shows all of A inside its canvas (a ``pad``), or A all of B (a canvas ``crop``)
    found |= {m.b.path for e in m.edits if e.type == "pad" and e.detail.get("surround") in ("canvas", BLURRED_FILL)}
    return found | {m.a.path for e in m.edits if _canvas_crop(e)}


def file_clues(x: str, y: str, infos: Mapping[str, MediaInfo], pictures: Mapping[str, int], *,
               sizes: bool = True) -> list[Clue]:
    """Clues of direction between two members from the files themselves (both orders); without ``sizes``, their
    picture sizes and bits per pixel are no clue (one shows the other inside a canvas)."""
    out: list[Clue] = []
    for first, then in ((x, y), (y, x)):
        fi, ti = infos.get(first), infos.get(then)
        if fi is None or ti is None:
            continue
        if has_camera_traces(fi) and not has_camera_traces(ti):
            out.append(Clue(first, then, W_CAMERA, f"{_name(first)} is a camera original or kept a device's "
                            f"capture time; {_name(then)} did not"))
        fc, tc = fi.credentials, ti.credentials
        if fc is not None and fc.state in ("valid", "untrusted"):
            if tc is None:
                out.append(Clue(first, then, W_CREDENTIALS, f"{_name(first)} carries content credentials "
                                f"({fc.signer or 'unnamed signer'}); {_name(then)} carries none"))
            elif (tc.state in ("valid", "untrusted") and "c2pa.created" in fc.actions
                  and "c2pa.created" not in tc.actions and {"c2pa.edited", "c2pa.opened"} & set(tc.actions)):
                out.append(Clue(first, then, W_SIGNED_EDIT, f"{_name(then)}'s credentials record an edit; "
                                f"{_name(first)}'s record the capture"))
        fp, tp = pictures.get(first) or _pixels(fi), pictures.get(then) or _pixels(ti)
        if not sizes:
            continue
        if fp and tp and tp <= SMALLER_PICTURE * fp:
            out.append(Clue(first, then, W_SMALLER, f"{_name(then)}'s picture is smaller ({tp:,} pixels against "
                            f"{fp:,}): detail is not put back"))
        fb, tb = bits_per_pixel(fi, fp), bits_per_pixel(ti, tp)
        if fb and tb and tb <= LESS_BITS * fb:
            out.append(Clue(first, then, W_LESS_BITS, f"{_name(then)} is more compressed ({tb:.3f} bits per pixel "
                            f"against {fb:.3f}): each re-encode loses some"))
    return out



def _pixels(info: MediaInfo) -> int:
    return (info.width or 0) * (info.height or 0)


def _composed(child: str, parent: str, before: Sequence[str], related: set[frozenset[str]],
              rank: Mapping[str, tuple[float, int]]) -> list[str]:
    """The members a composite ``child`` combines: ``parent`` first, then of each set of ``before`` (members shown
    to precede it) that shares no footage with the others' the one ranked highest (``rank``); [] when all of
    ``before`` share footage (one source, however many copies)."""
    comps: list[set[str]] = []
    for p in before:
        joined = [c for c in comps if any(frozenset((p, q)) in related for q in c)]
        comps = [c for c in comps if c not in joined] + [set().union({p}, *joined)]
    if len(comps) < 2:
        return []
    return [parent, *(max(sorted(c, key=before.index), key=rank.__getitem__) for c in comps if parent not in c)]


def _combines(child: str, sources: Sequence[str]) -> str:
    return (f"{_name(child)} combines footage of {_and(sources)}, in which none of the others' was found: a "
            "composite (a duet, a grid, a picture over other footage, a compilation) made from each")


def regional(m: Match) -> bool:
    """``m`` matched a region of either file's picture (a canvas's region, or one features placed): one file shows
    the other's footage beside or over other footage, not as its whole frame."""
    return any("region" in sg.channel or "canvas" in sg.channel for sg in m.segments)


def _close(m: Match) -> bool:
    """``m``'s matched frames lie closer than BACKGROUND_MIN_BITS on average: one picture, copied."""
    bits = mean_bits(m.segments)
    return bits is not None and bits < BACKGROUND_MIN_BITS


WHOLE_MATCHED = 0.9  # a region features found shows all of the other's picture when this share of it matched


def whole_in_canvas(m: Match) -> bool:
    """One file of ``m`` shows a copy of all of the other's picture in a region of its canvas (a 9:16 re-post with
    a blurred fill of a duet shows the whole duet, 1.6-3.4 bits from it), not part of it (a ``crop``: a duet's
    half shows the corner of a picture-in-picture where the clip is; a region where less than WHOLE_MATCHED of
    the picture matched: a duet's half shows a 1:1 re-post's clip, not its fill), nor footage the other shows
    with more over it (a grid's cell shows a picture-in-picture's background, 6-11 bits from the
    picture-in-picture)."""
    return len(canvases(m)) == 1 and not any(e.type == "crop" and not _canvas_crop(e) for e in m.edits) and \
        all(e.detail.get("matched_share", 1.0) >= WHOLE_MATCHED for e in m.edits if e.type == "pad") and _close(m)


def close_copy(m: Match) -> bool:
    """``m`` matches two files over the whole frame, closer than BACKGROUND_MIN_BITS: a copy, with no room for
    another picture in either (a picture-in-picture is 8.9 bits from its background, or matched on a half)."""
    return all(sg.channel == "full" for sg in m.segments) and _close(m)


def _and(paths: Sequence[str]) -> str:
    names = [_name(p) for p in paths]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _not_in_set(child: str, root: str, members: Sequence[str], related: set[frozenset[str]]) -> str:
    """Why a member that no member is shown to precede names the root."""
    if frozenset((child, root)) in related:
        return (f"no member is shown to come before {_name(child)}: it and {_name(root)} were most likely made "
                "separately from footage not in the set")
    joins = [q for q in members if frozenset((child, q)) in related and frozenset((root, q)) in related]
    how = f"both are shown in {_and(joins)}" if joins else "the group holds them through other members"
    return (f"{_name(child)} shares no footage with {_name(root)} that was found ({how}): its own source is not in "
            "the set")


def _confidence(weight: float) -> float:
    return round(min(MAX_CONFIDENCE, 1.0 / (1.0 + math.exp(-weight))), 2)


def lineage(members: Sequence[str], infos: Mapping[str, MediaInfo], matches: Iterable[Match],
            pictures: Mapping[str, int] | None = None,
            matched_by: Mapping[str, str] | None = None) -> tuple[LineageEntry, ...]:
    """One entry per member, in ``members`` order; exactly one has ``parent`` None (the root).

    ``matches``: comparisons between members (any subset of pairs, either order; several per pair are pooled).
    ``matched_by``: members that share only their sound (``"sound"``) are placed under the root with
    ``parent-not-in-set``: their picture says nothing of where it came from."""
    pictures = pictures or {}
    group = set(members)
    clues: dict[tuple[str, str], list[Clue]] = {}
    canvased: set[frozenset[str]] = set()
    backgrounds: set[tuple[str, str]] = set()  # (background, the canvas with a picture over it)
    bits: dict[frozenset[str], list[tuple[float, int]]] = {}
    edited: dict[frozenset[str], set[str]] = {}
    seen = [m for m in matches if m.a.path in group and m.b.path in group and m.verdict != "unrelated"]
    related = {frozenset((m.a.path, m.b.path)) for m in seen}
    raw: dict[str, set[str]] = {}  # member -> the members whose picture it shows inside a canvas
    for m in seen:
        for x in canvases(m):
            raw.setdefault(x, set()).add(m.b.path if x == m.a.path else m.a.path)

    def between_canvases(m: Match) -> bool:
        # two canvases of a third member matched region to region (each shows the footage in a region of its
        # own): each compositor placed its footage, and neither was made from the other for that. A re-framed
        # copy of a composite (a 9:16 re-post of a duet) shows the whole of the composite's frame in its region:
        # one canvas, made from the composite
        return regional(m) and not whole_in_canvas(m) and \
            bool((raw.get(m.a.path, set()) & raw.get(m.b.path, set())) - {m.a.path, m.b.path})

    wholly = {(m.a.path, m.b.path) if m.b.path in canvases(m) else (m.b.path, m.a.path)
              for m in seen if whole_in_canvas(m)}  # (shown, the canvas that shows all of its picture)
    shows: dict[str, set[str]] = {}
    for m in seen:
        for x in canvases(m) if not between_canvases(m) else ():
            shows.setdefault(x, set()).add(m.b.path if x == m.a.path else m.a.path)
    for m in seen:
        bits.setdefault(frozenset((m.a.path, m.b.path)), []).extend(
            (sg.distance, max(1, sg.frames)) for sg in m.segments)
        edited.setdefault(frozenset((m.a.path, m.b.path)), set()).update(
            e.type for e in m.edits if e.type in PICTURE_CHANGES)
        if canvases(m):
            canvased.add(frozenset((m.a.path, m.b.path)))
        x, y = m.a.path, m.b.path
        if between_canvases(m):
            canvased.add(frozenset((x, y)))
            continue
        # a copy of a canvas matches it over the whole frame, closely: no background (the inset's clip may just
        # not have been compared with the copy); a background differs where the inset covers it
        near_copy = close_copy(m)
        for c in match_clues(m):
            clues.setdefault((c.parent, c.child), []).append(c)
        for canvas, under in ((x, y), (y, x)):
            # a canvas that shows a member's picture and, over its whole frame, footage of another that shares
            # none with it: that footage is the composite's background (a picture-in-picture over other footage),
            # which came first, and the canvas's frame size is the compositor's
            inset = sorted(z for z in shows.get(canvas, set()) - {under}
                           if frozenset((z, under)) not in related and z not in shows)  # a clip, no canvas
            if inset and not regional(m) and not near_copy:
                canvased.add(frozenset((x, y)))
                backgrounds.add((under, canvas))
                clues.setdefault((under, canvas), []).append(Clue(
                    under, canvas, W_PICTURE, f"{_name(canvas)} shows {_name(inset[0])}'s picture over "
                    f"{_name(under)}'s: {_name(under)} is the background of a composite"))
    for under, canvas in backgrounds:
        # the inset over the background, seen from the canvas's side (the canvas compared first): the background
        # "has an overlay over" the canvas's picture; it is the canvas's inset, no clue the other way
        clues[(canvas, under)] = [c for c in clues.get((canvas, under), []) if c.kind != "overlay"]
    for pair in related:
        x, y = sorted(pair)
        for c in file_clues(x, y, infos, pictures, sizes=pair not in canvased):
            clues.setdefault((c.parent, c.child), []).append(c)
    share = contains(seen)
    # the most of each member's footage any other member shows
    found = {c: max((share.get((q, c), 0.0) for q in members if q != c), default=0.0) for c in members}
    # footage a member has between stretches of another is an insert only when no member shows it: else the
    # other is the one cut
    def foreign(c: Clue) -> bool:  # an insert's footage no third member shows
        return found[c.child] < share.get((c.parent, c.child), 0.0) + INSERT_SHOWN

    inserts = {(c.parent, c.child) for v in clues.values() for c in v if c.kind == "insert" and foreign(c)}
    clues = {k: [c for c in v if (c.kind != "insert" or foreign(c))
                 and (c.kind != "cut" or (c.child, c.parent) not in inserts)] for k, v in clues.items()}
    # the same fact seen by two comparisons of one pair counts once
    uniq = {k: list({c.text: c for c in v}.values()) for k, v in clues.items()}

    def weight(p: str, c: str) -> float:
        return sum(x.weight for x in uniq.get((p, c), ()))

    def net(p: str, c: str) -> float:
        return weight(p, c) - weight(c, p)

    def distance(p: str, c: str) -> float:
        rows = bits.get(frozenset((p, c)), [])
        n = sum(f for _, f in rows)
        return sum(x * f for x, f in rows) / n if n else float("inf")

    sound_only = {p for p in members if (matched_by or {}).get(p) == "sound"}
    pictured = [p for p in members if p not in sound_only] or list(members)
    originality = {p: sum(net(p, q) for q in pictured if q != p) for p in pictured}
    order = sorted(pictured, key=lambda p: (-originality[p], members.index(p)))
    root = order[0]
    entries: dict[str, LineageEntry] = {root: LineageEntry(
        root, None, _confidence(min((net(root, q) for q in pictured if q != root), default=0.0)),
        tuple(c.text for q in pictured for c in uniq.get((root, q), ())[:1]) or ("the most original member",))}
    placed = [root]
    for child in order[1:]:
        # the members the clues show it was made from that show (nearly) all of its footage any member shows
        parents = [p for p in placed if net(p, child) >= PARENT_MIN_WEIGHT
                   and share.get((p, child), 0.0) >= found[child] - CONTAINS_MARGIN]
        # a member far nearer than those, with weaker clues that it came first, shares edits the others lack (an
        # overlay, a crop): the copy was made from it (a copy of a copy), even if re-encoding left no stronger clue
        near = min((distance(p, child) for p in parents), default=float("inf"))
        inherited = [q for q in placed if q not in parents and 0.0 < net(q, child) < PARENT_MIN_WEIGHT
                     and distance(q, child) + INHERIT_BITS < near]
        if inherited:
            parent = min(inherited, key=lambda q: distance(q, child))
            entries[child] = LineageEntry(child, parent, _confidence(net(parent, child)), (
                *(c.text for c in uniq.get((parent, child), ())), f"{_name(child)} is far nearer to {_name(parent)} "
                f"({distance(parent, child):.1f} bits against {near:.1f}): it shares edits the others lack"),
                (parent,))
            placed.append(child)
            continue
        if parents:
            # a composite: members that share no footage with each other are each shown to precede it (each
            # holds only its part of it: no share of its footage is asked of them)
            shown_before = [p for p in placed if net(p, child) >= PARENT_MIN_WEIGHT]
            # a composite among them that shows another in its canvas, made from it, and that the child shows whole,
            # is the nearer (a 9:16 re-post of a duet shows the duet's clips too, through the duet) ...
            parents = [q for q in parents if not any((p, child) in wholly and q in shows.get(p, ()) and
                                                     net(q, p) >= PARENT_MIN_WEIGHT for p in parents if p != q)] \
                or parents
            # ... then the closest, the direct parent: the fewest changes to the picture (a mirrored copy is no parent
            # of an unmirrored crop) ...
            changes = {p: len(edited.get(frozenset((p, child)), set())) for p in parents}
            parents = [p for p in parents if changes[p] == min(changes.values())]
            # ... then the least footage the child lacks (a copy shares its parent's trim points; only where the
            # matches are clean: each candidate holds the child's footage whole) ...
            if all(share.get((p, child), 0.0) >= CONTAINS_MIN for p in parents):
                tight = {p: share.get((child, p), 0.0) for p in parents}
                parents = [p for p in parents if tight[p] >= max(tight.values()) - TIGHT_MARGIN]
            # ... then the nearest in hash distance (generations of loss, inherited overlays), then the earliest
            d = {p: distance(p, child) for p in parents}
            best_d = min(d.values())
            parent = next(p for p in parents if d[p] <= best_d + max(DIRECT_MARGIN_BITS, DIRECT_MARGIN * best_d))
            w = net(parent, child)
            rank = {p: (net(p, child), -placed.index(p)) for p in shown_before}
            combined = _composed(child, parent, shown_before, related, rank)
            entries[child] = LineageEntry(child, parent, _confidence(w), (
                *(c.text for c in uniq.get((parent, child), ())), *([_combines(child, combined)] if combined else [])),
                tuple(combined) or (parent,))
        else:
            best = max((net(p, child) for p in placed), default=0.0)
            entries[child] = LineageEntry(child, root, _confidence(-max(best, 0.0)),
                                          (NOT_IN_SET, _not_in_set(child, root, members, related)))
        placed.append(child)
    for p in sorted(sound_only, key=members.index):
        entries[p] = LineageEntry(p, root, 0.5, (NOT_IN_SET, f"{_name(p)} shares only its sound with the group: "
                                                   "its picture came from elsewhere"))
    return tuple(entries[p] for p in members)


__all__ = ["Clue", "canvases", "close_copy", "file_clues", "lineage", "match_clues", "whole_in_canvas"]
