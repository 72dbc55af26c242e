"""compare(A, B): where two clips share footage and how B was edited, from media or fingerprint files.

The verdict itself is pure (``match/verdict.py``). This workflow fingerprints what it must, rescues an off-centre
crop by feature matching when no hash matched, adds picture edits (crop geometry, rotation, overlays, colour) from a
few matched frames decoded in colour when the media is at hand, and the metadata findings of both files and of the
pair. :func:`compare_page` writes the HTML report of a comparison.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, cast

import numpy as np

from ..evidence import codes, credentials, timeline
from ..match import align as align_mod
from ..match.audio_sync import compare_sound, sound_edits
from ..match.edits import canvas_crop_edit, pad_edit, picture_edits
from ..match.inset import FoundRegion, clear_area, find_region
from ..match.strength import strengths
from ..match.verdict import calibrated, match_fingerprints
from ..media import files
from ..media import fingerprint_file as fpfile
from ..media.probe import probe
from ..media.stills import grab_frames, grab_keyframes, thumbnails
from ..models import CANVAS_REGION, Edit, Match, MediaInfo, mean_bits
from ..report import html
from ..signals.fingerprint import Fingerprint, inner_area, segment_box, spliced
from ..signals.hashing import hamming
from ..signals.picture import corners_box
from .ingest import fingerprint, load_or_compute, shown_span

PICTURE_PAIRS = 4  # matched frame pairs decoded in colour for picture edits


def _media_path(given: Any, fp: Fingerprint) -> str | None:
    """The media file behind an argument: itself, or the file a fingerprint was made from if it is still there."""
    if not isinstance(given, Fingerprint) and not fpfile.is_fingerprint_file(given):
        return str(os.fspath(given))
    return files.still_there(fp.path, fp.size)


def _with_picture_edits(m: Match, fa: Fingerprint, fb: Fingerprint, media_a: str, media_b: str,
                        threads: int | None = None) -> tuple[Edit, ...]:
    """Add crop/rotate/overlay/colour edits found on a few matched frame pairs of the dominant channel, from
    segments strong enough to measure them on (``strength.Strength.strong``): frames of a weak stretch may not
    show the same moment, and their differences are not edits."""
    strong = [s for s, g in zip(m.segments, strengths(list(m.segments), fa, fb), strict=True) if g.strong]
    if not strong:
        return m.edits
    main = max(strong, key=lambda s: s.frames)
    if main.channel.startswith("rotate-"):
        return m.edits  # the rotation is the edit; geometry fits below assume upright pictures
    segs = [s for s in strong if s.channel == main.channel and s.b_end - s.b_start > 0.4]
    if not segs or not (fa.width and fa.height and fb.width and fb.height):
        return m.edits
    lengths = np.array([s.b_end - s.b_start - 0.4 for s in segs])
    picks = (np.arange(PICTURE_PAIRS) + 0.5) / PICTURE_PAIRS * lengths.sum()
    bounds = np.concatenate([[0.0], np.cumsum(lengths)])
    b_times, a_times, mirrored = [], [], []
    for p in picks:
        k = int(np.clip(np.searchsorted(bounds, p, side="right") - 1, 0, len(segs) - 1))
        s = segs[k]
        tb = s.b_start + 0.2 + (p - bounds[k])
        b_times.append(tb)
        a_times.append(s.a_start + (tb - s.b_start) / (s.speed or 1.0))
        mirrored.append(s.mirrored)
    imgs_a = grab_frames(media_a, a_times, origin=fa.time_origin, threads=threads)
    imgs_b = grab_frames(media_b, b_times, origin=fb.time_origin, threads=threads)
    pairs = [(ia, ib, mir, main.channel) for ia, ib, mir in zip(imgs_a, imgs_b, mirrored, strict=True)
             if ia is not None and ib is not None]
    full_a = (0, 0, fa.width, fa.height)
    full_b = (0, 0, fb.width, fb.height)
    a_region = fa.crop_area if main.channel == "a-crop" and fa.crop_area else (fa.active_area or full_a)
    b_region = fb.crop_area if main.channel == "b-crop" and fb.crop_area else (fb.active_area or full_b)
    if a_box := segment_box(main.channel, "a"):  # the picture inside the matched stretch's bars or region
        a_region = inner_area(fa, main.a_start, main.a_end, a_box) or a_region
    elif main.channel == "a-region":  # A shows all of B in a region features found: measured inside it
        a_region = next((tuple(e.detail["region"]) for e in m.edits if e.type == "crop" and
                         e.detail.get("kind") == CANVAS_REGION), a_region)
    if b_box := segment_box(main.channel, "b"):
        b_region = inner_area(fb, main.b_start, main.b_end, b_box) or b_region
    elif main.channel == "b-region":  # the region of B that features found A in (``_rescue_region``): its pad
        b_region = next((tuple(e.detail["b_active_area"]) for e in m.edits if e.type == "pad"), b_region)
    span = (segs[0].a_start, max(s.a_end for s in segs), segs[0].b_start, max(s.b_end for s in segs))
    corners = next((e.detail["corners"] for e in m.edits if e.type == "pad" and "corners" in e.detail), None) \
        if main.channel == "b-region" else None  # A's picture straightened from B's frame through them
    found = picture_edits(pairs, a_size=(fa.width, fa.height), b_size=(fb.width, fb.height),
                          a_region=a_region, b_region=b_region, span=span,
                          b_corners=[v for xy in corners for v in xy] if corners else None)
    if main.channel == "a-region" and any(e.type == "crop" and e.detail.get("kind") == CANVAS_REGION
                                          for e in m.edits):
        # A is a canvas showing all of B: what covers its region (a picture-in-picture's frame, a caption over the
        # inset) is A's, and an ``overlay`` says B has one over A's picture (a crop of A found by features keeps
        # its overlays: B's caption is B's)
        found = [f for f in found if f.type != "overlay"]
    if any(e.type == "crop" and "framing" in e.detail for e in m.edits):  # a crop that changes over time: the
        found = [f for f in found if f.type != "crop"]  # few frame pairs measure one moment's framing of it
    kept = [e for e in m.edits if not (e.type == "crop" and any(f.type == "crop" for f in found))]
    for fill in [f for f in found if f.type == "pad"]:  # the frames show what the pad's surround is (a blurred
        # fill): said of the pads over the stretches measured (the pad edit itself comes from the fingerprints)
        kept = [replace(e, detail={**e.detail, "surround": fill.detail["surround"]})
                if e.type == "pad" and _overlaps(e, fill) else e for e in kept]
    found = [f for f in found if f.type != "pad"]
    return tuple(kept + found)


def _overlaps(e: Edit, f: Edit) -> bool:
    """Whether two edits' stretches of B overlap (an edit without times spans all of B)."""
    if None in (e.b_start, e.b_end, f.b_start, f.b_end):
        return True
    return min(cast(float, e.b_end), cast(float, f.b_end)) > max(cast(float, e.b_start), cast(float, f.b_start))


RESCUE_SEARCHED_FRAMES = 24  # frames of the side searched for the other's picture when the hashes found nothing
RESCUE_PROBE_FRAMES = 6  # ... and of the other side, whose picture is looked for
RESCUE_MIN_INLIERS = 25
RESCUE_MIN_SHARE = 0.25  # the region of A that B shows must be at least this share of A's width and height
RESCUE_WIDTH = 320  # frames of a crop search are this wide ...
INSET_WIDTH = 640  # ... and of an inset search this wide (a picture-in-picture a third of the frame wide is 100
# pixels at 320: too few features); both sides are grabbed once, at this width
INSET_MIN_SHARE = 0.15  # a region of B that shows all of A is at least this share of B's width and height
CANVAS_PART_SHARE = 0.5  # a part of B's picture at most this share of it, found in A's region: B is a canvas too
WHOLE_SHARE = 0.97  # a region this share of the picture's width and height is all of it: hashing it adds nothing


def _rescue_region(m: Match, fa: Fingerprint, fb: Fingerprint, media_a: str, media_b: str,
                   kwargs: dict[str, Any]) -> Match:
    """When no frame hash matched (or matched little of either file, or whole pictures far apart:
    ``_worth_rescuing``), B may show A's picture in part, or small, or covered: an off-centre part of A (a crop),
    or all of A small inside B's frame over other footage or an app's screen (a picture-in-picture, a screen
    recording, a re-filmed screen), or all of A under a lower third and a logo. ORB features find the region (of
    A, then of B); the part of it nothing covers is hashed on both sides and aligned again, and kept when it
    matches more than the hashes did (or as much, clearly closer: ``_better``). Where features find a region but
    its frames do not match (the same scene at another moment, or a re-filming the hashes cannot undo),
    ``unrelated`` stands at the confidence of no evidence either way. The last search is the inset
    the other way round: all of B small inside A (the canvas compared first: ``compare pip.mp4 source.mp4``)."""
    if not (fa.width and fa.height and fb.width and fb.height):
        return m
    sizes = ((fa.width, fa.height), (fb.width, fb.height))
    imgs = [grab_keyframes(media, np.linspace(fp.times[0], fp.times[-1], RESCUE_SEARCHED_FRAMES).tolist(),
                           width=INSET_WIDTH, origin=fp.time_origin) for media, fp in ((media_a, fa), (media_b, fb))]
    if not (imgs[0] and imgs[1]):
        return m
    unsure = m
    # a far match of whole pictures is looked past for a crop only (a slow zoom), and replaced only by one: a copy
    # turned a little, or under a caption, is no inset nor a canvas
    far = None if _in_part(m) else _far(m)
    for mode in ("crop",) if far is not None else ("crop", "inset", "canvas"):
        found = _rescued(m, fa, fb, media_a, media_b, sizes, (imgs[0], imgs[1]), kwargs, mode=mode)
        if found is not None and found.verdict != "unrelated" and found.segments and _better(found, m, far) and \
                (far is None or any(e.type == "crop" for e in found.edits)):
            return found
        unsure = found if found is not None and m.verdict == "unrelated" else unsure
    return unsure


RESCUE_BELOW_COVERAGE = 0.9  # a partial match covering less of either file is looked past too: B's picture may be
# covered where the hashes matched it (buttons over a screen-recorded clip match it for a second or two)


RESCUE_MIN_GAIN = 0.05  # a rescue replaces a partial match when it covers this much more of the two files (summed)


def _gains(found: Match, m: Match) -> tuple[float, float]:
    """How much more of A and of B ``found`` covers than ``m``."""
    a, b = (found.coverage.get(k, 0.0) - m.coverage.get(k, 0.0) for k in ("a", "b"))
    return a, b


def covers_more(found: Match, m: Match) -> bool:
    """``found`` covers more of the two files than ``m`` (RESCUE_MIN_GAIN: not the same stretch found again
    through another channel, a frame longer), and less of neither."""
    a, b = _gains(found, m)
    return min(a, b) >= -0.01 and a + b >= (RESCUE_MIN_GAIN if m.verdict != "unrelated" else 1e-9)


RESCUE_FAR_BITS = 8.0  # a match of whole pictures this far apart on average (a re-encode: 1-6 bits) is looked
# past too: B's picture may be a crop of A's that the hashes barely tolerate (a dark, soft clip's slow zoom: 10.5)
RESCUE_CLOSER_BITS = 1.5  # ... and the region's match replaces it when this much closer, covering as much
STRAIGHT_CLOSER_BITS = 1.0  # a picture straightened through its corners is hashed so when its keyframes lie this
# much closer (mean bits) than the upright box's (karma's tilted re-film: 6.7 against 8.0; an upright duet's half
# whose corners were fitted askew: 8 against 2)


def _far(m: Match) -> float | None:
    """The mean distance of a match made of whole pictures only (channel ``full``), None for any other."""
    return None if any(s.channel != "full" for s in m.segments) else mean_bits(m.segments)


def _in_part(m: Match) -> bool:
    return m.verdict == "unrelated" or (m.verdict == "partial-overlap" and
                                        max(m.coverage.values(), default=0.0) < RESCUE_BELOW_COVERAGE)


def _worth_rescuing(m: Match) -> bool:
    return _in_part(m) or (_far(m) or 0.0) >= RESCUE_FAR_BITS


def _better(found: Match, m: Match, far: float | None) -> bool:
    """``found`` (a region's match) stands for ``m``: it covers more, or, ``m`` being ``far`` (its mean distance,
    when at least RESCUE_FAR_BITS), as much, RESCUE_CLOSER_BITS closer."""
    if covers_more(found, m):
        return True
    near = mean_bits(found.segments)
    return far is not None and near is not None and far >= RESCUE_FAR_BITS and near <= far - RESCUE_CLOSER_BITS \
        and min(_gains(found, m)) >= -0.01


def _rescued(m: Match, fa: Fingerprint, fb: Fingerprint, media_a: str, media_b: str,
             sizes: tuple[tuple[int, int], tuple[int, int]], imgs: tuple[list[np.ndarray], list[np.ndarray]],
             kwargs: dict[str, Any], *, mode: str) -> Match | None:
    """``_rescue_region`` one way: the region of A that B shows (``mode`` ``crop``: B crops A; ``canvas``: A shows
    all of B small, searched as an inset) or of B that shows A (``inset``: B insets A); None when no region is
    found, ``m`` at no-evidence confidence when its hashes do not match. ``sizes``: A's and B's; ``imgs``: A's and
    B's frames, spread over each."""
    inset = mode == "inset"  # B is the side searched
    small = mode != "crop"  # a whole picture small inside the other: looked for where the searched side moves
    fs, fp, media_s, media_p = (fb, fa, media_b, media_a) if inset else (fa, fb, media_a, media_b)
    s_size, p_size = sizes[::-1] if inset else sizes
    imgs_s, imgs_p = imgs[::-1] if inset else imgs
    wide = (imgs_s, imgs_p)  # all of both sides' frames, spread over each, INSET_WIDTH wide
    if not small:  # a crop is a large part of A's picture: 320 pixels wide are enough
        imgs_s, imgs_p = [_narrowed(i, RESCUE_WIDTH) for i in imgs_s], [_narrowed(i, RESCUE_WIDTH) for i in imgs_p]
    probes = np.unique(np.linspace(0, len(imgs_p) - 1, RESCUE_PROBE_FRAMES + 2)[1:-1].round().astype(int))
    imgs_p = [imgs_p[k] for k in probes]
    p_area = fp.active_area or (0, 0, *p_size)
    found_region = find_region(imgs_s, imgs_p, a_size=s_size, b_size=p_size, b_region=p_area,
                               min_inliers=RESCUE_MIN_INLIERS, min_share=INSET_MIN_SHARE if small else RESCUE_MIN_SHARE,
                               moving_only=small, moments=wide[1] if small else None)
    if found_region is None or (not small and found_region.runs_off):
        return None  # a crop lies inside A's frame: a fit that puts B's picture past its edge found no crop
    region = found_region.box
    whole = min(region[2] / s_size[0], region[3] / s_size[1]) >= WHOLE_SHARE
    # the part of the probe side's picture that shows the region: all of it, unless the region runs off the
    # searched side's frame (a picture-in-picture partly outside the canvas, a crop reaching past A's edge)
    shown = found_region.to_b(region, p_area)
    # a whole picture turned or keystoned inside the other (a re-filmed screen): hashed straightened, all of it
    corners = _corners_inside(found_region, s_size) if small else None
    # all of A inside B: hashed where nothing covers it (a lower third, an app's buttons), both sides alike
    clear = clear_area(region, *wide, a_size=s_size, b_size=p_size, b_area=shown) if small else region
    if whole and clear == region and corners is None:
        # all of the picture, uncovered: hashing it adds nothing (running off the frame too, it is the other
        # search's case: all of a crop's picture inside a larger one is an inset, and the other way round)
        return None
    unsure = replace(m, confidence=min(m.confidence, calibrated("unrelated", 0.0))) if m.verdict == "unrelated" else m
    opts = {k: v for k, v in kwargs.items() if k in ("jobs", "fast")}
    # check cheaply first: does the other side look like this side's keyframes seen through that region? A
    # picture found turned or keystoned is looked at straightened too (all of it, through its corners), and the
    # view whose keyframes lie closer is kept (the corners of an upright duet's half fitted askew: 7% off)
    views: list[tuple[dict[str, Any], Fingerprint]] = [
        ({"region": clear}, fingerprint(media_p, region=found_region.to_b(clear, p_area), **opts)
         if clear != region or found_region.runs_off else fp)]  # the same part of the probe side's picture
    if corners is not None:
        views.append(({"corners": corners}, fp))
    looks = [(view, _keyframes_near(fingerprint(media_s, keyframes=True, **view[0], **opts), view[1]))
             for view in views]
    straight, whole_fp = corners, fp  # the straightened view, kept for a screen filmed by hand (below)
    # the straightened view only when its keyframes pass and lie clearly closer (or the upright box's fail)
    (area, fp), near = looks[-1] if len(looks) > 1 and looks[-1][1][0] and (
        not looks[0][1][0] or looks[-1][1][1] >= looks[0][1][1] + STRAIGHT_CLOSER_BITS) else looks[0]
    if not near[0]:
        return unsure
    corners = area.get("corners")
    if corners is not None:  # straightened: the picture lies in the box that holds its corners
        region = corners_box(corners)
    found = fingerprint(media_s, **area, **opts)
    m2 = match_fingerprints(fp, found) if inset else match_fingerprints(found, fp)
    framing: list[tuple[int, int, int, int]] = []
    bits = mean_bits(m2.segments)
    if mode == "crop" and not whole and (m2.coverage.get("b", 0.0) < REFRAMED_BELOW or
                                         (bits or 0.0) >= RESCUE_FAR_BITS):
        # the framing may change over B (a slow zoom, a pan): the crop is found again in stretches of B
        reframed = _reframed(m2, (region, found), fp, media_s, *wide, sizes, p_area, opts)
        if reframed is not None and reframed[0].segments and _better(reframed[0], m2, bits):
            m2, framing = reframed
    elif straight is not None and (m2.coverage.get("b" if inset else "a", 0.0) < REFRAMED_BELOW or
                                   (bits or 0.0) >= RESCUE_FAR_BITS):
        # a screen filmed by hand: its corners drift, and neither view matches all of it. The straightened one,
        # whole (when the upright box's was kept), and found again in stretches, stands when it matches better
        first = (straight, found if corners is not None else fingerprint(media_s, corners=straight, **opts))
        tries: list[Match | None] = [] if corners is not None else [
            match_fingerprints(whole_fp, first[1]) if inset else match_fingerprints(first[1], whole_fp)]
        tries.append(_straightened_again(first, whole_fp, media_s, *wide, (s_size, p_size), p_area, opts, inset))
        for t in tries:
            if t is not None and t.segments and _better(t, m2, mean_bits(m2.segments)):
                m2, corners, region = t, straight, corners_box(straight)
    if m2.verdict == "unrelated":
        return unsure
    segs = tuple(replace(s, channel="b-region" if inset else "a-region") for s in m2.segments)
    span = (segs[0].a_start, max(s.a_end for s in segs), segs[0].b_start, max(s.b_end for s in segs))
    edits_b: tuple[Edit, ...] = ()
    if whole:
        edit = None
    elif inset:
        edit = pad_edit(*span, region, sizes[1], surround="canvas")
        # how much of A's picture in the region was hashed and matched (the rest was covered, or differs: a 1:1
        # re-post's own fill where a duet has bars)
        edit = replace(edit, detail={**edit.detail, "matched_share": 1.0 if corners is not None else round(
            clear[2] * clear[3] / max(1, region[2] * region[3]), 3)})
    elif small:
        edit = canvas_crop_edit(*span, region, sizes[0])
        part = found_region.to_b(clear, p_area)
        if found_region.runs_off and part[2] * part[3] <= CANVAS_PART_SHARE * p_area[2] * p_area[3]:
            # B's frame runs far past A's: only a small part of B shows the footage (two canvases of one clip,
            # each showing it in a region: a 9:16 fill and a picture-in-picture), so B is a canvas too, whose
            # frame is not the footage's picture (an inset that trims a few percent off B's edges is no canvas)
            edits_b = (pad_edit(*span, part, sizes[1], surround="canvas"),)
    else:
        edit = Edit("crop", *span, {"region": list(region), "of": "a", "kind": "region found by feature matching",
                                    "kept_area": round(region[2] * region[3] / (s_size[0] * s_size[1]), 3)}
                    | ({"framing": "changes over time", "regions": [list(r) for r in framing]} if framing else {}))
    if edit is not None and corners is not None:  # where the picture's corners lie, turned or keystoned
        edit = replace(edit, detail={**edit.detail, "corners": [[round(x), round(y)] for x, y in
                                                                zip(corners[::2], corners[1::2], strict=True)]})
    edits = tuple(e for e in m2.edits if e.type not in ("crop", "scale", "pad")) + ((edit,) if edit else ()) + edits_b
    audio = compare_sound(fa, fb, list(segs))  # the sound of the files themselves over the region's match
    return replace(m2, a=m.a, b=m.b, segments=segs, edits=edits + tuple(sound_edits(audio, list(segs), fb, fa)),
                   audio=audio)


def _keyframes_near(keys: Fingerprint, other: Fingerprint) -> tuple[bool, float]:
    """Whether ``keys`` (a region's keyframes) look like ``other`` (the picture looked for: two of its frames, or
    its only one, within the seed distance of one of ``other``'s), and how closely (less the mean distance); an
    empty side tells nothing (it passes, farthest)."""
    if not (len(keys) and len(other)):
        return True, -float(align_mod.SEED_THRESHOLD_BITS)
    d = hamming(other.hashes[:, None], keys.hashes[None, :]).min(axis=0)
    return bool((d <= align_mod.SEED_THRESHOLD_BITS).sum() >= min(2, len(keys))), -float(d.mean())


REFRAMED_BELOW = 0.9  # a crop's match covering less of B is looked for again in stretches of B ...
REFRAMED_WINDOWS = 4  # ... this many


def _reframed(m: Match, found: tuple[tuple[int, int, int, int], Fingerprint], fb: Fingerprint, media_a: str,
              imgs_a: list[np.ndarray],
              imgs_b: list[np.ndarray], sizes: tuple[tuple[int, int], tuple[int, int]],
              b_area: tuple[int, int, int, int], opts: dict[str, Any]
              ) -> tuple[Match, list[tuple[int, int, int, int]]] | None:
    """B shows a crop of A whose framing changes over time (a slow zoom, a pan: Ken Burns): one region of A matches
    B only where B's framing is near it. The region is found again for each of REFRAMED_WINDOWS stretches of B
    (``imgs_b``: B's frames spread over it, at INSET_WIDTH: zoomed in, A's picture at 320 pixels wide shows too
    little of the part B shows to be found), A is hashed on each (``found``: the region first found, and A hashed
    there), and each of A's frames takes the hashes of the
    region of the stretch of B it falls in (by the line ``m`` found, else at the same time). The match, and the
    regions in B's order; None when the stretches do not show different regions."""
    windows = [w for w in np.array_split(np.arange(len(imgs_b)), REFRAMED_WINDOWS) if len(w)]
    boxes: list[tuple[int, int, int, int] | None] = []
    for w in windows:
        r = find_region(imgs_a, [imgs_b[k] for k in w], a_size=sizes[0], b_size=sizes[1], b_region=b_area,
                        min_inliers=RESCUE_MIN_INLIERS, min_share=RESCUE_MIN_SHARE)
        boxes.append(r.box if r is not None and not r.runs_off else None)
    known = [k for k, b in enumerate(boxes) if b is not None]
    if len(known) < 2 or len({boxes[k] for k in known}) < 2:
        return None
    filled = [cast(tuple[int, int, int, int], boxes[min(known, key=lambda j: abs(j - k))]) for k in range(len(boxes))]
    # A's frames fall in B's stretches by the line ``m`` found
    main = max(m.segments, key=lambda s: s.b_end - s.b_start, default=None)
    composite = _window_spliced(windows, filled, found, fb, len(imgs_b),
                                lambda b: fingerprint(media_a, region=b, **opts),
                                shift=(main.b_start - main.a_start) if main is not None else 0.0)
    if composite is None:
        return None
    return match_fingerprints(composite, fb), filled


def _straightened_again(first: tuple[tuple[float, ...], Fingerprint], probe: Fingerprint, media_s: str,
                        imgs_s: list[np.ndarray], imgs_p: list[np.ndarray],
                        sizes: tuple[tuple[int, int], tuple[int, int]], p_area: tuple[int, int, int, int],
                        opts: dict[str, Any], inset: bool) -> Match | None:
    """A re-filmed screen held by hand: the picture's corners (``first``: those first found, and the searched
    side hashed through them) drift, and the straightened picture matches the probe side only near the moment
    they were fitted at. The corners are found again for each of REFRAMED_WINDOWS stretches of the searched side
    (``imgs_s``: its frames spread evenly over it; ``imgs_p``: the probe side's; a stretch where they are not
    found keeps the first), the searched side is hashed through each, and each of its frames takes the hashes of
    its own stretch's corners. The match (A first: ``inset``, B is the searched side); None when every stretch
    keeps the first corners. ``sizes``: the searched and the probe side's."""
    windows = [w for w in np.array_split(np.arange(len(imgs_s)), REFRAMED_WINDOWS) if len(w)]
    probes = [imgs_p[k] for k in np.unique(np.linspace(0, len(imgs_p) - 1, RESCUE_PROBE_FRAMES + 2)[1:-1]
                                           .round().astype(int))]
    chosen: list[tuple[float, ...]] = []
    for w in windows:
        r = find_region([imgs_s[k] for k in w], probes, a_size=sizes[0], b_size=sizes[1], b_region=p_area,
                        min_inliers=RESCUE_MIN_INLIERS, min_share=INSET_MIN_SHARE, moving_only=True, moments=imgs_p)
        chosen.append(_corners_inside(r, sizes[0]) or first[0])
    composite = _window_spliced(windows, chosen, first, first[1], len(imgs_s),
                                lambda c: fingerprint(media_s, corners=c, **opts))
    if composite is None:
        return None
    return match_fingerprints(probe, composite) if inset else match_fingerprints(composite, probe)


def _corners_inside(r: FoundRegion | None, size: tuple[int, int]) -> tuple[float, ...] | None:
    """The corners of a found picture when there are some, all inside the searched frame (``size``), and the
    picture does not run off it."""
    if r is None or r.corners is None or r.runs_off:
        return None
    return r.corners if all(0 <= v <= size[k % 2] for k, v in enumerate(r.corners)) else None


def _window_spliced(windows: list[np.ndarray], chosen: Sequence[tuple[float, ...]],
                    first: tuple[tuple[float, ...], Fingerprint],
                    timeline: Fingerprint, spread: int, make: Callable[[Any], Fingerprint],
                    shift: float = 0.0) -> Fingerprint | None:
    """One fingerprint of a file hashed stretch by stretch: ``chosen[k]`` (a region, or corners) for the frames in
    stretch k of ``timeline`` (its ``spread`` frames were grabbed evenly over it and split into ``windows``); a
    frame at time t falls at t + ``shift`` on that timeline. ``first``: a choice and the file already hashed by
    it; the others are hashed by ``make``. None when every stretch chose the same."""
    distinct = sorted(set(chosen))
    if len(distinct) < 2:
        return None
    parts = [first[1] if c == first[0] else make(c) for c in distinct]
    t0, t1 = float(timeline.times[0]), float(timeline.times[-1])
    step = (t1 - t0) / max(1, spread - 1)
    ends = np.array([t0 + step * (w[-1] + 0.5) for w in windows[:-1]])
    owner = np.array([distinct.index(chosen[k]) for k in np.searchsorted(ends, parts[0].times + shift)])
    return spliced(parts, owner)


def _narrowed(img: np.ndarray, width: int) -> np.ndarray:
    """``img`` scaled down to ``width`` pixels wide (area-averaged), or as it is when it is no wider."""
    import cv2

    h, w = img.shape[:2]
    return img if w <= width else cv2.resize(img, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def compare(
    a: str | os.PathLike[str] | Fingerprint,
    b: str | os.PathLike[str] | Fingerprint,
    *,
    pictures: bool = True,
    findings: bool = True,
    policy: Any = None,
    **kwargs: Any,
) -> Match:
    """Compare two media files (or fingerprint files, or Fingerprints). ``kwargs`` go to ``fingerprint()``.

    With ``pictures`` (and the media at hand), a few matched frame pairs are decoded in colour to add picture
    edits (crop geometry, rotation, overlays, colour changes). With ``findings`` (and the media at hand), both
    files are probed and the metadata and timeline findings of each file and of the pair are added
    (``timeline.Policy`` in ``policy``)."""
    fa = a if isinstance(a, Fingerprint) else load_or_compute(a, **kwargs)
    fb = b if isinstance(b, Fingerprint) else load_or_compute(b, **kwargs)
    m = match_fingerprints(fa, fb)
    media_a, media_b = _media_path(a, fa), _media_path(b, fb)
    if pictures and media_a and media_b and _worth_rescuing(m) and len(fa) > 1 and len(fb) > 1:
        m = _rescue_region(m, fa, fb, media_a, media_b, kwargs)
    if pictures and m.segments and m.verdict != "identical" and media_a and media_b:
        # one job: one decoding thread (scan's workers run it in parallel already)
        threads = 1 if kwargs.get("jobs") == 1 else None
        m = replace(m, edits=_with_picture_edits(m, fa, fb, media_a, media_b, threads))
    # paths as the caller gave them (a fingerprint file stands for its media)
    m = replace(
        m,
        a=replace(m.a, path=m.a.path if isinstance(a, Fingerprint) else os.fspath(a)),
        b=replace(m.b, path=m.b.path if isinstance(b, Fingerprint) else os.fspath(b)),
    )
    if findings and media_a and media_b:
        shas = (_read_sha(a, fa), _read_sha(b, fb))
        spans = (shown_span(fa) if shas[0] else None, shown_span(fb) if shas[1] else None)
        infos = [replace(probe(media_a, sha256=shas[0], shown=spans[0], strict=False), path=m.a.path),
                 replace(probe(media_b, sha256=shas[1], shown=spans[1], strict=False), path=m.b.path)]
        m = replace(m, a=replace(m.a, credentials=infos[0].credentials),
                    b=replace(m.b, credentials=infos[1].credentials), findings=tuple(_findings(m, infos, policy)))
    return m


def _read_sha(given: Any, fp: Fingerprint) -> str | None:
    """The SHA-256 of the media that was read with its fingerprint (a media file fingerprinted now, or a Fingerprint
    handed in), so that probe does not read the file again; None for a ``.vvfp`` file, whose media may have
    changed since it was made."""
    return fp.sha256 if isinstance(given, Fingerprint) or not fpfile.is_fingerprint_file(given) else None


def _findings(m: Match, infos: list[MediaInfo], policy: Any) -> list[Any]:
    """File findings of both sides and, when they share footage, the pair's timeline and edit findings; the
    content credential findings of the two."""
    out = [f for i in infos for f in timeline.file_findings(i, policy)]
    if m.verdict != "unrelated":
        out += timeline.group_findings(infos, [m], policy)
    out += credentials.findings(infos, [m])
    return codes.sort_findings(out)


def compare_page(m: Match, path: str) -> None:
    """Write the HTML report of a comparison to ``path``: both files probed, thumbnails grabbed (a fingerprint file
    stands for its media when that is still there), rendered and written atomically."""
    media: dict[str, str] = {}
    origins: dict[str, float] = {}
    read = {m.a.path: m.a.sha256, m.b.path: m.b.sha256}  # the media given was hashed by compare already
    for p in (m.a.path, m.b.path):
        if fpfile.is_fingerprint_file(p):
            fp = fpfile.load(p)
            if fp.path and os.path.isfile(fp.path):
                media[p], origins[p] = fp.path, fp.time_origin
        else:
            media[p] = p
    info: dict[str, MediaInfo] = {p: probe(f, sha256=read[p] if f == p else None, strict=False)
                                  for p, f in media.items()}
    thumbs = thumbnails(html.thumbnail_requests(m), media=media, origins=origins)
    page = html.render_compare(m, info_a=info.get(m.a.path), info_b=info.get(m.b.path), thumbs=thumbs)
    html.write_html(path, page)  # OutputError (exit 6) when it cannot be written


__all__ = ["compare", "compare_page", "covers_more"]
