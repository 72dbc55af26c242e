"""Regions where footage plays inside a canvas (``signals/regions.py``), on 64x64 grey frames made with numpy:
smooth textures that pan (one video), placed on still chrome, over a blurred copy of themselves, side by side with
another video, in a 2x2 grid; and the frames that must give no region (ordinary footage, a still picture). Then
the region channels in the fingerprint's forms (format and blob version 6; version-5 ones still load)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import cast

import numpy as np

from vidverify.media import fingerprint_file as fpfile
from vidverify.signals.fingerprint import (
    BLOB_VERSION,
    CHANNELS,
    FORMAT_VERSION,
    Fingerprint,
    FrameBatch,
    _shuffle,
    blob_is_current,
    hash_batch,
    join_batches,
    pack,
    unpack,
)
from vidverify.signals.hashing import hamming, phash_batch
from vidverify.signals.picture import inner_pictures, pack_box, unpack_boxes
from vidverify.signals.regions import REGION_SLOTS, place, region_boxes, window_regions

K = 32  # one stretch


def _smooth(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth random field, 0..255 (low frequencies only, like footage scaled down)."""
    spectrum = rng.normal(size=(size, size)) + 1j * rng.normal(size=(size, size))
    fy, fx = np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij")
    field = np.real(np.fft.ifft2(spectrum / (1 + (np.hypot(fx, fy) * 32) ** 2) ** 1.5))
    return (field - field.min()) / np.ptp(field) * 255


def video(seed: int, h: int, w: int, k: int = K) -> np.ndarray:
    """(k, h, w) float frames of one video: a smooth scene that pans steadily, with a little sensor noise."""
    rng = np.random.default_rng(seed)
    scene = _smooth(rng, 256)
    vy, vx = rng.uniform(0.6, 1.2, 2) * rng.choice([-1, 1], 2)
    frames = np.empty((k, h, w))
    for t in range(k):
        y, x = int(64 + vy * t), int(64 + vx * t)
        frames[t] = scene[np.ix_((y + np.arange(h)) % 256, (x + np.arange(w)) % 256)]
    return frames + rng.normal(0, 1.0, frames.shape)


def _u8(frames: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(frames), 0, 255).astype(np.uint8)


def _chrome(k: int = K) -> np.ndarray:
    """A phone app's still screen: dark canvas, a light status bar, white caption blocks, buttons."""
    c = np.full((k, 64, 64), 24.0)
    c[:, 0:4] = 240
    c[:, 6:9, 2:40] = 255
    c[:, 10:13, 2:30] = 255
    c[:, 44:48, 50:56] = 200
    c[:, 50:54, 50:56] = 120
    c[:, 58:60, 2:40] = 210
    return c


def _near(box: tuple[int, int, int, int], want: tuple[int, int, int, int], tol: int = 2) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(box, want, strict=True))


def test_a_clip_on_still_chrome_is_found() -> None:
    """A screen recording: the clip plays at about half the canvas between still chrome."""
    frames = _chrome()
    frames[:, 20:42] = video(1, 22, 64)
    [box] = window_regions(_u8(frames))
    assert _near(box, (0, 20, 64, 42))


def test_a_clip_whose_top_is_still_sky_is_found_whole() -> None:
    """A landscape clip in a screen recording whose top is still sky above a sharp horizon: the moving box stops
    at the horizon (an edge in every frame), so the whole clip is found as the band between the two straight
    edges across the canvas, and as the moving box grown past its own edges. Its hash is the clip's only when
    its box is exact to the line (at 64 pixels one line more is a tenth of its height)."""
    clip = video(14, 22, 64)
    clip[:, :9] = 0.4 * clip[:1, :9] + 150  # a bright, still, faintly textured sky over the moving sea
    frames = _chrome()
    frames[:, 20:42] = clip
    regions = window_regions(_u8(frames))
    assert (0, 20, 64, 42) in regions


def _downscaled(frames: np.ndarray, by: int = 4) -> np.ndarray:
    """(k, h, w) frames scaled down ``by`` times each way by area, as the detail picture is made."""
    k, h, w = frames.shape
    return cast(np.ndarray, frames.reshape(k, h // by, by, w // by, by).mean(axis=(2, 4)))


def test_a_box_side_lies_on_the_line_that_is_mostly_clip() -> None:
    """At 64 pixels a clip's edge rarely falls between two lines: the line it crosses blends the clip with the
    chrome. The box takes that line when it is mostly clip and leaves it when it is mostly chrome (one line off,
    the region's hash lay 6-12 bits from the clip's and a grid's cell was missed in the re-post benchmark)."""
    big = np.repeat(_chrome(), 4, axis=1).repeat(4, axis=2)  # 256 x 256
    clip = np.repeat(video(15, 24, 64), 4, axis=1).repeat(4, axis=2)
    big[:, 81:165] = clip[:, :84]  # rows 20.25 .. 41.25 of 64: line 20 is 3/4 clip, line 41 a quarter
    regions = window_regions(_u8(_downscaled(big)))
    assert (0, 20, 64, 41) in regions, regions


def test_a_stacked_pair_in_a_screen_recording_is_split_at_its_own_middle() -> None:
    """Two clips stacked in the middle of a phone canvas. The canvas's own middle is a seam too, and its halves
    (each clip with the chrome above or below it) took two slots and hashed like neither clip; the moving box's
    middle splits the pair."""
    frames = _chrome()
    frames[:, 20:31] = video(16, 11, 64)
    frames[:, 31:42] = video(17, 11, 64)
    regions = window_regions(_u8(frames))
    assert all(y0 >= 18 and y1 <= 44 for _, y0, _, y1 in regions), regions
    assert any(_near(b, (0, 20, 64, 31), tol=1) for b in regions) and \
        any(_near(b, (0, 31, 64, 42), tol=1) for b in regions), regions


def test_a_region_keeps_its_slot_when_the_regions_beside_it_change() -> None:
    """A slot is a channel the aligner follows: a clip whose slot changed between stretches (a grid's cell
    beside one not found) broke its match into pieces. ``place`` keeps the slot whose last box it overlaps, and
    new boxes take slots that never held one; ``join_batches`` does the same across the decoder's batches."""
    a, b, c = (0, 0, 32, 32), (32, 0, 64, 32), (0, 32, 32, 64)
    assert place([b], [a, b, None, None]) == [1]
    assert place([c, a], [a, b, None, None]) == [2, 0]
    assert place([(33, 0, 64, 33)], [a, None, b, None]) == [2]  # one line larger: the same region
    # across batches: the first shows a clip on chrome; in the second a clip above it is found first
    first = _chrome()
    first[:, 20:42] = video(18, 22, 64)
    second = first.copy()
    second[:, 4:18] = video(19, 14, 64)
    parts = []
    for frames in (first, second):
        detail = _u8(frames)
        small = detail.reshape(K, 32, 2, 32, 2).mean(axis=(2, 4)).astype(np.uint8)
        parts.append(hash_batch(FrameBatch(np.arange(K) / 30, small, small, None, detail)))
    clip = pack_box(0, 20, 64, 42)
    assert (parts[0]["region1_box"] == clip).all() and (parts[1]["region1_box"] != clip).all()
    joined = join_batches(parts)
    assert (joined["region1_box"] == clip).all()
    assert (joined["region1"][K:] == parts[1][next(f"region{k}" for k in range(1, 5)
                                                   if (parts[1][f"region{k}_box"] == clip).all())]).all()


def test_a_blurred_fill_of_the_same_picture_is_left_out() -> None:
    """A 9:16 re-post: the sharp clip in the middle, above and below it a blurred, enlarged copy of the same
    picture under still caption blocks. Only the sharp clip is the region."""
    clip = video(2, 22, 64)
    big = np.repeat(np.repeat(clip[:, ::2, ::2], 4, axis=1), 2, axis=2)[:, :64]  # enlarged copy, 44 rows
    kernel = np.ones(9) / 9
    blurred = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="same"), 2, big)
    blurred = np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="same"), 1, blurred)
    frames = np.concatenate([blurred[:, :21], clip, blurred[:, 23:44]], axis=1)
    frames[:, 4:10, 4:60] = 255  # big captions over the fill
    frames[:, 50:56, 4:60] = 240
    [box] = window_regions(_u8(frames))
    assert _near(box, (0, 21, 64, 43))


def test_a_duet_is_two_regions_and_a_grid_four() -> None:
    duet = np.concatenate([video(3, 64, 32), video(4, 64, 32)], axis=2)
    assert [_near(b, w) for b, w in zip(window_regions(_u8(duet)), [(0, 0, 32, 64), (32, 0, 64, 64)],
                                         strict=True)] == [True, True]
    top = np.concatenate([video(5, 32, 32), video(6, 32, 32)], axis=2)
    bottom = np.concatenate([video(7, 32, 32), video(8, 32, 32)], axis=2)
    cells = window_regions(_u8(np.concatenate([top, bottom], axis=1)))
    want = [(0, 0, 32, 32), (32, 0, 64, 32), (0, 32, 32, 64), (32, 32, 64, 64)]
    assert len(cells) == 4 and all(_near(b, w) for b, w in zip(cells, want, strict=True))


def test_a_duets_videos_between_bars_are_found_without_their_bars() -> None:
    """A duet as apps make it: each video fitted into its half, a landscape clip between bars above and below, a
    portrait one between bars either side. Busy, fast footage (at 64 pixels its neighbouring pixels change
    independently, like a seam everywhere) hid the middle seam: the band of bars between the two splits them,
    and each region is its clip without the bars around it (whose hash is no longer the clip's)."""
    rng = np.random.default_rng(11)
    for clip in (lambda h, w: video(11, h, w), lambda h, w: rng.uniform(40, 220, (K, h, w))):
        frames = np.full((K, 64, 64), 16.0)
        frames[:, 16:48, 0:30] = clip(32, 30)
        frames[:, :, 38:58] = clip(64, 20)
        regions = sorted(window_regions(_u8(frames)), key=lambda b: (b[1], b[0]))
        assert len(regions) == 2
        assert _near(regions[0], (38, 0, 58, 64)) and _near(regions[1], (0, 16, 30, 48), tol=1)


def test_a_band_never_holds_two_stacked_clips() -> None:
    """Three clips stacked across a canvas: every pair of straight seams made a band, so bands of two clips (whose
    hash is neither's) took the slots, largest first, and two of the clips got none (found in review)."""
    frames = _chrome()
    for k, (y0, y1) in enumerate(((8, 24), (24, 40), (40, 56))):
        frames[:, y0:y1] = video(30 + k, y1 - y0, 64)
    regions = window_regions(_u8(frames))
    assert regions[0] == (0, 8, 64, 56)  # the moving box: all that moves (as before bands existed)
    for want in ((0, 8, 64, 24), (0, 24, 64, 40), (0, 40, 64, 56)):
        assert any(_near(b, want, tol=1) for b in regions[1:]), regions


def test_a_grid_cell_beside_a_wide_band_of_bars_keeps_its_own_width() -> None:
    """A 2x2 grid whose right column is a portrait clip between black bars above and a flat cell below: the
    blank columns right of the middle form a band wider than the gap between the pictures. The split was at the
    band's middle, so the left cells took five columns of the flat cell (their hashes were not the clip's); it is
    at the band's edge nearest the middle."""
    frames = np.empty((K, 64, 64))
    frames[:, :32, :32] = video(21, 32, 32)
    frames[:, :32, 32:] = 8.0
    frames[:, :32, 43:53] = video(22, 32, 10)  # a portrait clip fitted into its cell
    frames[:, 32:, :32] = video(23, 32, 32)
    frames[:, 32:, 32:] = 90.0  # a flat cell (a counter's green background)
    regions = window_regions(_u8(frames))
    assert (0, 32, 32, 64) in regions and (0, 0, 32, 32) in regions


def test_a_portrait_clip_in_a_grids_cell_is_a_region() -> None:
    """The lineage benchmark's 2x2 grid: a 9:16 clip fitted into a 16:9 cell between bars is 0.158 of the canvas's
    width, 10 of its 64 columns, under the 0.16 a region had to be: its cell was found and dropped, never hashed,
    and ``compare grid.mp4 clip.mp4`` said ``unrelated`` at confidence 0.99."""
    frames = np.empty((K, 64, 64))
    frames[:, :32, :32] = video(41, 32, 32)
    frames[:, :32, 32:] = video(42, 32, 32)
    frames[:, 32:, :32] = 8.0
    frames[:, 32:, 11:21] = video(43, 32, 10)  # the portrait clip between bars either side
    frames[:, 32:, 32:] = video(44, 32, 32)
    regions = window_regions(_u8(frames))
    assert any(_near(b, (11, 32, 21, 64), tol=1) for b in regions), regions


def test_a_grid_cell_whose_middle_line_shows_in_its_own_column_only_is_found() -> None:
    """A tall clip down the left half; on the right a landscape clip between bars above and below, over another
    clip. The line between the right-hand cells crosses only half the canvas (the tall clip runs on beside it),
    so no split across the whole width found it, and the right half was one region, the letterboxed clip with its
    bars and the clip below it (bikes' 2x2 grid matched 6.4 s of 10: the hash was neither clip's). Each column
    is now split on its own."""
    frames = np.empty((K, 64, 64))
    frames[:, :, :32] = video(24, 64, 32)
    frames[:, :32, 32:] = 16.0
    frames[:, 4:28, 32:] = video(25, 24, 32)  # a landscape clip fitted into its cell
    frames[:, 32:, 32:] = video(26, 32, 32)
    regions = window_regions(_u8(frames))
    assert any(_near(b, (32, 4, 64, 28), tol=1) for b in regions), regions
    assert not any(b[0] >= 31 and b[1] <= 5 and b[3] > 34 for b in regions), regions  # no right half whole


def test_ordinary_footage_and_still_pictures_have_no_region() -> None:
    assert window_regions(_u8(video(9, 64, 64))) == []
    assert window_regions(_u8(np.repeat(video(10, 64, 64)[:1], K, axis=0))) == []
    assert window_regions(_u8(_chrome())) == []


def test_regions_are_found_per_stretch() -> None:
    """A compilation: a screen recording for two stretches, then ordinary footage: each stretch its own answer,
    not one layout for the whole file."""
    frames = _chrome(3 * K)
    frames[:, 20:42] = video(11, 22, 64, 3 * K)
    frames[2 * K:] = video(12, 64, 64)
    boxes = region_boxes(_u8(frames))
    assert boxes.shape == (3 * K, REGION_SLOTS)
    assert (boxes[:2 * K, 0] != 0).all() and (boxes[:2 * K, 1:] == 0).all() and not boxes[2 * K:].any()
    assert _near(tuple(int(v) for v in unpack_boxes(boxes[:1, 0])[0]), (0, 20, 64, 42))


def test_a_region_hashes_like_the_clip_it_shows() -> None:
    """The hash of the found region, like the fingerprint's region channel, is within a few bits of the clip's
    own picture (the other side of a pair hashes its whole frame)."""
    clip = video(13, 22, 64)
    frames = _chrome()
    frames[:, 20:42] = clip
    detail = _u8(frames)
    [box] = window_regions(detail)
    packed = np.full(K, pack_box(*box), np.uint32)
    region = phash_batch(inner_pictures(detail, packed, 32))
    own = phash_batch(inner_pictures(_u8(clip), np.full(K, pack_box(0, 0, 64, 22), np.uint32), 32))
    assert int(np.median(hamming(region, own))) <= 6
    whole = phash_batch(inner_pictures(detail, np.full(K, pack_box(0, 0, 64, 64), np.uint32), 32))
    assert int(np.median(hamming(whole, own))) > 12  # the whole canvas says little about the clip
    # hash_batch hashes it as region1 (and region1_box holds its box)
    small = detail.reshape(K, 32, 2, 32, 2).mean(axis=(2, 4)).astype(np.uint8)
    cols = hash_batch(FrameBatch(np.arange(K) / 30, small, small, None, detail))
    assert (cols["region1_box"] == packed).all() and int(np.median(hamming(cols["region1"], own))) <= 6
    assert not cols["region2_box"].any() and not cols["region2"].any()


# ------------------------------------------------------------------ format 6: older fingerprints still load


def _with_regions() -> Fingerprint:
    from tests.fixtures.fingerprints import synth_fp

    fp = synth_fp(23, seconds=4)
    n = len(fp)
    box = np.full(n, pack_box(0, 20, 64, 42), np.uint32)
    return replace(fp, region1=np.arange(1, n + 1, dtype=np.uint64) * 0x9E3779B97F4A7C15, region1_box=box)


def test_format_6_round_trips_and_older_files_and_blobs_load_without_regions(tmp_path: Path) -> None:
    """Version 6 added the region channels; a version-5 ``.vvfp`` file, index blob or JSON document (no region
    arrays) loads with no region in any frame (their hashes 0: they never match), not as an error."""
    fp = _with_regions()
    assert FORMAT_VERSION == 6 and BLOB_VERSION == 6
    assert unpack(pack(fp)) == fp and Fingerprint.from_dict(fp.to_dict()) == fp
    fpfile.save(fp, tmp_path / "new.vvfp")
    assert fpfile.load(tmp_path / "new.vvfp") == fp
    regions = {c.name for c in CHANNELS if c.since == 6}
    assert regions == {f"region{k}{s}" for k in range(1, REGION_SLOTS + 1) for s in ("", "_box")}
    bare = replace(fp, **{name: None for name in regions})
    # a version-5 file: no region members, format_version 5
    old = tmp_path / "old.vvfp"
    with zipfile.ZipFile(tmp_path / "new.vvfp") as z, zipfile.ZipFile(old, "w") as out:
        for name in z.namelist():
            if name.removesuffix(".npy") in regions:
                continue
            data = z.read(name)
            if name == "meta.npy":
                meta = json.loads(str(np.load(io.BytesIO(data))))
                buf = io.BytesIO()
                np.save(buf, np.array(json.dumps(meta | {"format_version": 5})))
                data = buf.getvalue()
            out.writestr(name, data)
    assert fpfile.load(old) == bare
    # a version-5 blob: the arrays of version 5 only, in CHANNELS order
    meta_bytes = json.dumps(fp.meta(), separators=(",", ":")).encode()
    parts = []
    for c in CHANNELS:
        if c.since > 5:
            continue
        arr = np.ascontiguousarray(getattr(fp, c.name), dtype=c.dtype)
        if c.delta and len(arr) > 1:
            arr = np.concatenate([arr[:1], np.bitwise_xor(arr[1:], arr[:-1])])
        parts.append(_shuffle(arr.tobytes(), arr.itemsize))
    blob = b"VVFB" + struct.pack("<BII", 5, len(fp), len(meta_bytes)) + meta_bytes + zlib.compress(b"".join(parts))
    assert unpack(blob) == bare and not blob_is_current(blob[4:5])
    # a JSON document of version 5: no region keys in its frames
    d = fp.to_dict()
    for row in d["frames"]:
        for name in regions:
            row.pop(name)
    assert Fingerprint.from_dict(d) == bare


def test_a_flat_region_is_no_region() -> None:
    """A clip that fades to black inside an app's chrome: its black frames' region says nothing (a flat picture's
    hash matches any other flat picture), so those frames have no region, like flat frames have no hash that
    counts."""
    frames = _chrome()
    frames[:, 20:42] = video(14, 22, 64)
    frames[16:, 20:42] = 8.0  # black from frame 16 (the stretch still finds the clip's box from its first half)
    detail = _u8(frames)
    small = detail.reshape(K, 32, 2, 32, 2).mean(axis=(2, 4)).astype(np.uint8)
    cols = hash_batch(FrameBatch(np.arange(K) / 30, small, small, None, detail))
    assert (cols["region1_box"][:14] != 0).all() and not cols["region1_box"][17:].any()
    assert not cols["region1"][17:].any()
