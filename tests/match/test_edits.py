"""Timeline edits from segments (pure)."""

from __future__ import annotations

import numpy as np

from vidverify.match.edits import timeline_edits
from vidverify.models import Segment


def seg(a0: float, a1: float, b0: float, b1: float, **kw: object) -> Segment:
    return Segment(a0, a1, b0, b1, **kw)  # type: ignore[arg-type]


def kinds(edits: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(e.type for e in edits)


def test_pure_reencode_has_no_timeline_edits_but_reencode() -> None:
    assert kinds(timeline_edits([seg(0, 10, 0, 10)], a_duration=10, b_duration=10)) == ["reencode"]


def test_identical_bytes_have_no_edits() -> None:
    assert timeline_edits([seg(0, 10, 0, 10)], a_duration=10, b_duration=10, same_bytes=True) == []


def test_trim_cut_insert_reorder() -> None:
    segs = [seg(2, 4, 0, 2), seg(6, 8, 2, 4), seg(0, 1, 7, 8)]
    e = timeline_edits(segs, a_duration=10, b_duration=8)
    assert kinds(e) == ["cut", "insert", "reencode", "reorder", "trim"]
    (cut,) = [x for x in e if x.type == "cut"]
    assert (cut.a_start, cut.a_end, cut.b_start, cut.b_end) == (4, 6, 2, 2)
    (ins,) = [x for x in e if x.type == "insert"]
    assert (ins.b_start, ins.b_end) == (4, 7)
    (trim,) = [x for x in e if x.type == "trim"]
    assert trim.detail["where"] == "end" and (trim.a_start, trim.a_end) == (8, 10)


def test_speed_mirror_frame_rate() -> None:
    e = timeline_edits([seg(0, 10, 0, 5, speed=0.5, mirrored=True)], a_duration=10, b_duration=5, a_fps=30,
                       b_fps=25)
    assert kinds(e) == ["frame-rate", "mirror", "reencode", "speed"]


def test_small_differences_are_tolerated() -> None:
    e = timeline_edits([seg(0.1, 9.9, 0, 9.8)], a_duration=10, b_duration=9.9)
    assert kinds(e) == ["reencode"]


def test_a_trim_at_a_fast_lines_end_is_measured_in_bs_time() -> None:
    """A 4x time-lapse whose line starts 0.3 s into A (a frame of B: the line is known to a frame of B, four of
    A) trims nothing; 2 s of A (half a second of B) missing is a trim."""
    short = timeline_edits([seg(0.3, 19.7, 0, 4.85, speed=0.25)], a_duration=20, b_duration=5)
    assert "trim" not in kinds(short)
    long = timeline_edits([seg(2.0, 20, 0, 4.5, speed=0.25)], a_duration=20, b_duration=4.5)
    assert [e.detail["where"] for e in long if e.type == "trim"] == ["start"]
    # at normal speed the same 0.3 s is a trim, as before
    assert "trim" in kinds(timeline_edits([seg(0.3, 20, 0, 19.7)], a_duration=20, b_duration=19.7))


def test_an_inset_found_between_two_moments_is_moved_to_where_its_moment_shows_it() -> None:
    """Features match a frame of A with B's frames at other moments: the fit places A's picture off by the
    camera's motion between them. Correlated with each of B's frames around that place, A's picture sits exactly
    in the frame that shows its moment: the fit's shift moves there. A turned fit (a re-filmed screen) is left as
    found: an upright template does not fit it."""
    import cv2

    from vidverify.match.inset import _moment_placed

    rng = np.random.default_rng(7)
    probe = cv2.resize(rng.integers(0, 256, (18, 32, 3), dtype=np.uint8), (320, 180), interpolation=cv2.INTER_LINEAR)
    searched = [cv2.GaussianBlur(rng.integers(0, 256, (360, 640, 3), dtype=np.uint8), (0, 0), 3) for _ in range(5)]
    searched[3][200:290, 400:560] = cv2.resize(probe, (160, 90), interpolation=cv2.INTER_AREA)
    off = np.array([[0.5, 0.0, 390.0], [0.0, 0.5, 212.0]])
    moved = _moment_placed(off, probe, searched, (0.0, 0.0, 320.0, 180.0))
    assert np.allclose(moved[:, :2], off[:, :2]) and np.allclose(moved[:, 2], [400, 200], atol=1), moved
    turn = np.radians(3.0)
    c, s = 0.5 * np.cos(turn), 0.5 * np.sin(turn)
    turned = np.array([[c, -s, 390.0], [s, c, 212.0]])
    assert np.array_equal(_moment_placed(turned, probe, searched, (0.0, 0.0, 320.0, 180.0)), turned)


def _smooth_rgb(seed: int, h: int = 120, w: int = 160) -> np.ndarray:
    """A smooth grey picture with no corners for features to hold on to (a dark, soft phone clip)."""
    rng = np.random.default_rng(seed)
    spectrum = rng.normal(size=(h, w)) + 1j * rng.normal(size=(h, w))
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    field = np.real(np.fft.ifft2(spectrum / (1 + (np.hypot(fx, fy) * 24) ** 2) ** 1.5))
    grey = 40 + (field - field.min()) / np.ptp(field) * 160
    return np.repeat(grey[:, :, None], 3, axis=2).astype(np.uint8)


def test_a_colour_change_is_measured_only_on_pictures_that_line_up() -> None:
    """B darker than A (gain 0.7) in the same place: a brightness/contrast change. B zoomed 1.3x into A (a slow
    zoom's frame), placed by the fingerprints' boxes because the soft picture has no features: the pixels compared
    are of different places, their fitted gain fell well under 1, and that was reported as a colour change."""
    import cv2

    from vidverify.match.edits import picture_edits

    size = (160, 120)
    frames = [_smooth_rgb(seed) for seed in range(4)]
    darker = [np.clip(f.astype(np.float32) * 0.7 + 10, 0, 255).astype(np.uint8) for f in frames]
    zoomed = [cv2.resize(f[14:106, 18:142], size, interpolation=cv2.INTER_AREA) for f in frames]
    kwargs = {"a_size": size, "b_size": size, "a_region": (0, 0, *size), "b_region": (0, 0, *size),
              "span": (0.0, 4.0, 0.0, 4.0)}
    for copy, colour in ((darker, True), (zoomed, False)):
        edits = picture_edits([(a, b, False, "full") for a, b in zip(frames, copy, strict=True)], **kwargs)
        found = [e.detail for e in edits if e.type == "color"]
        assert bool(found) is colour, (colour, found)
        if colour:
            assert found[0]["kind"] == "brightness/contrast" and abs(found[0]["gain"] - 0.7) < 0.05


def test_a_mirrored_copys_overlay_is_placed_in_bs_own_frame() -> None:
    """B is a duet: another picture on the left, A mirrored on the right with a white box over its top left (as B
    shows it). The pairs are compared with B flipped to face A's way; the region where A lies in B, and the
    overlay found, must be B's own (right half, box near its left edge there), not the flipped frame's."""
    import cv2

    from vidverify.match.edits import picture_edits

    rng = np.random.default_rng(7)
    size_a, size_b = (160, 120), (320, 120)
    pairs = []
    for _ in range(4):
        a = cv2.resize(rng.integers(0, 255, (30, 40, 3), dtype=np.uint8), size_a, interpolation=cv2.INTER_CUBIC)
        b = np.zeros((120, 320, 3), np.uint8)
        b[:, :160] = cv2.resize(rng.integers(0, 255, (30, 40, 3), dtype=np.uint8), size_a,
                                interpolation=cv2.INTER_CUBIC)
        b[:, 160:] = a[:, ::-1]
        b[10:40, 170:230] = 255  # the overlay, over the top left of A's picture as B shows it
        pairs.append((a, b, True, "full"))
    edits = picture_edits(pairs, a_size=size_a, b_size=size_b, a_region=(0, 0, *size_a),
                          b_region=(160, 0, 160, 120), span=(0.0, 4.0, 0.0, 4.0))
    boxes = [e.detail["box"] for e in edits if e.type == "overlay"]
    assert len(boxes) == 1, edits
    x, y, w, h = boxes[0]
    assert abs(x - 170) <= 6 and abs(y - 10) <= 6 and abs(w - 60) <= 8 and abs(h - 30) <= 8, boxes
    assert not [e for e in edits if e.type in ("crop", "rotate")], edits


def _soft_grey(seed: int, w: int = 384, h: int = 216) -> np.ndarray:
    """A soft grey picture (RGB): smooth shading with no corner for ORB features, enough for pixels to register."""
    import cv2

    rng = np.random.default_rng(seed)
    g = cv2.GaussianBlur(cv2.resize(rng.uniform(0, 1, (12, 20)), (w, h), interpolation=cv2.INTER_CUBIC), (0, 0), 6)
    grey = (60 + (g - g.min()) / np.ptp(g) * 170).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def test_a_re_filmed_picture_registered_a_few_pixels_off_has_no_overlay_along_its_edge() -> None:
    """B films A's soft picture (no features to fit: a dark re-film) on a screen at an angle, inside a dark
    surround; the corners known for it were fitted at another moment of a hand-held re-film, 5-7 pixels off,
    outwards. Seen through them, the surround lies where A's picture should and differs like an overlay along
    its edges (three were reported; a sliver along doorknob's re-film's edge); registered on the pixels, none.
    A white box over the picture is an overlay all the same."""
    import cv2

    from vidverify.match.edits import picture_edits

    size = (384, 216)
    quad = np.float32([[70, 30], [330, 42], [58, 190], [318, 176]])  # TL, TR, BL, BR in B
    off = quad + np.float32([[-6, -5], [7, -4], [-5, 6], [6, 5]])
    hom = cv2.getPerspectiveTransform(np.float32([[0, 0], [383, 0], [0, 215], [383, 215]]), quad)
    box = cv2.boundingRect(quad.reshape(-1, 1, 2))
    for covered in (False, True):
        pairs = []
        for seed in range(4):
            a = _soft_grey(seed)
            b = cv2.warpPerspective(a, hom, size, borderValue=(20, 20, 20))
            if covered:
                b[90:130, 150:230] = 255
            pairs.append((a, b, False, "b-region"))
        edits = picture_edits(pairs, a_size=size, b_size=size, a_region=(0, 0, *size), b_region=box,
                              span=(0.0, 4.0, 0.0, 4.0), b_corners=[float(v) for v in off.ravel()])
        boxes = [e.detail["box"] for e in edits if e.type == "overlay"]
        if not covered:
            assert not boxes, boxes
        else:
            assert len(boxes) == 1, boxes
            x, y, w, h = boxes[0]
            assert abs(x - 150) <= 8 and abs(y - 90) <= 8 and abs(w - 80) <= 10 and abs(h - 40) <= 10, boxes
