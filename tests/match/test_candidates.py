"""match/candidates.py: the one candidate sampler (``sample``, ``gather``) on hand-built fingerprints, the index's
sparse signature, the temporal votes, and candidate pairs (all-pairs and banded) on generated clips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.fingerprints import synth_fp
from vidverify.match import candidates
from vidverify.match.candidates import (
    Bands,
    Probes,
    candidate_pairs,
    gather,
    line_votes,
    sample,
    signature_group,
    sparse_signature,
)
from vidverify.signals.fingerprint import ALL_HALVES_FLAT, FLAT_LUMA_STD, HALVES, Fingerprint

FPS = 8.0  # frame times i / 8 are exact in binary: no slot boundary is a rounding question
STEP = 0.5  # four frames per slot


def hand_fp(n: int, *, flat: range = range(0), static: range = range(0),
            half_flat: dict[int, int] | None = None) -> Fingerprint:
    """``n`` frames at FPS: frames in ``flat`` are flat (luma std 0), frames in ``static`` share one hash (a
    static shot); every other frame has its own hash, many bits from its neighbours'. ``half_flat``: frame ->
    its flat-half bits."""
    hashes = np.array([(0x5555_5555 << (i % 2)) ^ (i * 0x9E37_79B9_7F4A_7C15 & 0xFFFF_FFFF_0000_0000)
                       for i in range(n)], dtype=np.uint64)
    for i in static:
        hashes[i] = hashes[static[0]]
    std = np.full(n, 20.0, np.float32)
    std[list(flat)] = 0.0
    hf = np.zeros(n, np.uint8)
    for i, bits in (half_flat or {}).items():
        hf[i] = bits
    halves = {name: hashes ^ np.uint64(k + 1) for k, name in enumerate(HALVES)}
    return Fingerprint(path="hand.mp4", sha256=None, size=None, mode="dense", times=np.arange(n) / FPS,
                       hashes=hashes, mirrored=~hashes, crop_hashes=hashes ^ np.uint64(0xFF),
                       crop_mirrored=~hashes ^ np.uint64(0xFF), rot90=hashes, rot180=hashes, rot270=hashes,
                       luma_mean=np.full(n, 100.0, np.float32), luma_std=std, half_flat=hf, **halves)


# ------------------------------------------------------------------------------------------ sample, gather


def test_sample_takes_the_first_frame_of_every_step() -> None:
    fp = hand_fp(30)
    got = sample(fp, STEP)
    assert list(got) == [0, 4, 8, 12, 16, 20, 24, 28]
    slots = np.floor(fp.times[got] / STEP)
    assert len(set(slots)) == len(got) == int(np.ceil(fp.times[-1] / STEP + 1e-9))  # one per step, every step
    assert list(sample(fp, 1.0)) == [0, 8, 16, 24]


def test_sample_skips_flat_frames_and_counts_steps_from_the_first_frame_sampled() -> None:
    fp = hand_fp(30, flat=range(0, 6))  # a black opening: 0 - 0.625 s
    assert fp.luma_std[5] < FLAT_LUMA_STD <= fp.luma_std[6]
    assert list(sample(fp, STEP))[:2] == [0, 4]  # without skip_flat, flat frames are sampled like any other
    got = sample(fp, STEP, skip_flat=True)
    assert list(got) == [6, 10, 14, 18, 22, 26]  # steps from 0.75 s, the first informative frame
    flat_in_middle = hand_fp(30, flat=range(8, 13))
    got = sample(flat_in_middle, STEP, skip_flat=True)
    assert not set(got) & set(range(8, 13)) and list(got) == [0, 4, 13, 16, 20, 24, 28]
    assert len(sample(hand_fp(10, flat=range(10)), STEP, skip_flat=True)) == 0  # all flat: nothing


def test_sample_thins_a_static_shot() -> None:
    fp = hand_fp(40, static=range(8, 28))  # 1 - 3.5 s: one picture
    assert list(sample(fp, STEP)) == [0, 4, 8, 12, 16, 20, 24, 28, 32, 36]
    got = sample(fp, STEP, same_bits=2)
    assert list(got) == [0, 4, 8, 28, 32, 36]  # the shot is sampled once, where it starts
    moved = np.bitwise_count(fp.hashes[got][1:] ^ fp.hashes[got][:-1])
    assert (moved > 2).all()
    both = sample(hand_fp(40, flat=range(0, 3), static=range(8, 28)), STEP, skip_flat=True, same_bits=2)
    assert list(both) == [3, 7, 11, 31, 35, 39]  # steps from 0.375 s; 11 starts the shot, 27 is in it


def test_gather_reads_channels_in_order_and_leaves_out_flat_halves() -> None:
    fp = hand_fp(4, half_flat={1: 0b0001, 2: 0b1000, 3: ALL_HALVES_FLAT})  # top of 1, right of 2, all of 3
    frames = np.array([0, 1, 2, 3])
    full = gather(fp, frames, ["hashes"])
    assert full.dtype == np.uint64 and list(full) == list(fp.hashes)
    got = gather(fp, frames, ["hashes", "half_top", "half_right", "crop_hashes"])
    want = [*fp.hashes, *fp.half_top[[0, 2]], *fp.half_right[[0, 1]], *fp.crop_hashes]
    assert list(got) == want
    assert list(gather(fp, np.array([3]), list(HALVES))) == []  # every half of frame 3 is flat
    assert len(gather(fp, frames, [])) == 0
    # the samplers read the channels the CHANNELS table marks: halves are candidates, signatures and probes
    # (a copy with half its picture covered is found by search from either side)
    assert set(HALVES) <= set(candidates.SPARSE_CHANNELS)
    assert set(HALVES) <= set(candidates.SIGNATURE_CHANNELS) and set(HALVES) <= set(candidates.PROBE_CHANNELS)


def test_sparse_signature_is_sparse() -> None:
    fp = synth_fp(4, seconds=30)
    hashes, times, groups = sparse_signature(fp)
    assert len(hashes) == len(times) == len(groups) and 0 < len(hashes) <= 2 * (30 / 0.5 + 1)  # full + crop, 2/s
    assert len(hashes) < len(fp) / 5 and set(groups) == {0}  # no half pictures (synth_fp's halves are flat)
    flat = hand_fp(16, flat=range(16))
    assert [len(a) for a in sparse_signature(flat)] == [0, 0, 0]


# ------------------------------------------------------------------------------------------ votes


def test_candidate_votes_need_hits_on_one_line() -> None:
    rng = np.random.default_rng(3)
    frames = np.arange(20)
    t_query = frames / 8.0
    lined = t_query + 30.0  # file 0: every hit 30 s later in the indexed clip
    scattered = rng.uniform(0, 100, 20)  # file 1: look-alike pictures anywhere
    files, votes = line_votes(np.repeat([0, 1], 20), np.tile(frames, 2), np.ones(40),
                              np.concatenate([lined, scattered]), np.tile(t_query, 2), 20)
    assert list(files) == [0, 1]
    assert votes[0] == 20 and votes[1] <= 3
    half = line_votes(np.zeros(20, int), frames, np.full(20, 0.5), lined, t_query, 20)[1]
    assert half[0] == 10  # far hits weigh less


def test_a_probe_meets_only_hashes_of_its_own_group() -> None:
    """Half pictures are filed apart from whole pictures (and each half apart from the others): a query's top
    half votes for a clip indexed under that top half, not for a clip whose whole picture happens to hash alike,
    and a whole-picture probe does not read the halves' buckets."""
    rng = np.random.default_rng(5)
    walk = rng.integers(0, 2**63, 40, dtype=np.uint64)
    times = np.arange(40, dtype=np.float32) / 2
    # clip 0 indexed under `walk` as its whole picture, clip 1 under the same hashes as its top half (group 1)
    bands = Bands(np.array([10, 11], np.int64), np.array([0, 40, 80], np.int64), np.concatenate([walk, walk]),
                  np.concatenate([times, times]), np.repeat(np.array([0, 1], np.uint8), 40))
    frames = np.arange(40)
    for group, want in ((0, 10), (1, 11), (2, None)):
        ids, votes = bands.votes(Probes(walk, frames, times.astype(np.float64), np.full(40, group, np.uint8)))
        assert list(ids) == ([want] if want is not None else []) and (want is None or votes[0] == 40)
    assert signature_group("hashes") == signature_group("region1") == 0
    assert [signature_group(h) for h in HALVES] == [1, 2, 3, 4]
    # files that lack a group, and a file whose whole and half entries alternate: each hit goes to its own file
    w = rng.integers(0, 2**63, (5, 20), dtype=np.uint64)
    t = np.arange(20, dtype=np.float32)
    mixed = np.empty(40, np.uint64)
    mixed[0::2], mixed[1::2] = w[2], w[3]
    bands = Bands(np.array([10, 11, 12, 13], np.int64), np.array([0, 20, 40, 80, 100], np.int64),
                  np.concatenate([w[0], w[1], mixed, w[4]]), np.concatenate([t, t, np.repeat(t, 2), t]),
                  np.array([0] * 20 + [1] * 20 + [0, 1] * 20 + [0] * 20, np.uint8))
    for k, group, want in ((0, 0, 10), (1, 1, 11), (2, 0, 12), (3, 1, 12), (4, 0, 13), (1, 0, None)):
        ids, votes = bands.votes(Probes(w[k], np.arange(20), t.astype(np.float64), np.full(20, group, np.uint8)))
        assert list(ids) == ([want] if want is not None else []) and (want is None or votes[0] == 20)


# ------------------------------------------------------------------------------------------ pairs on media


@pytest.fixture(scope="module")
def small_fps(small: dict[str, Path]) -> list[Fingerprint]:
    from vidverify.pipeline.ingest import fingerprint

    return [fingerprint(small[k]) for k in ("x", "y", "z", "x_small", "comp")]


def test_candidate_pairs_all_pairs_and_banded(small_fps: list[Fingerprint], monkeypatch: pytest.MonkeyPatch) -> None:
    """x, y, z, x re-encoded, the compilation of x and y: the all-pairs test, and the banded index that large scans
    use, find the same pairs."""
    assert candidate_pairs(small_fps) == [(0, 3), (0, 4), (1, 4), (3, 4)]
    monkeypatch.setattr(candidates, "ALL_PAIRS_MAX", 0)
    assert candidate_pairs(small_fps) == [(0, 3), (0, 4), (1, 4), (3, 4)]


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_candidate_pairs_find_a_turned_copy(small: dict[str, Path], tmp_path: Path, quarter_turns: int,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15.2: compare matches a copy turned a quarter or half turn (rotate-90/180/270), so scan's candidate
    stages must pass it: the all-pairs test and the banded index probe the turned pictures of one side against the
    other's upright ones (they missed 4 of the compare benchmark's 6 rotated copies, and the banded stage all 6)."""
    from vidverify.pipeline.ingest import fingerprint
    from vidverify.testing import synth

    turned = synth.turn(small["x"], tmp_path / "turned.mp4", quarter_turns)
    fps = [fingerprint(small[k]) for k in ("x", "y", "z")] + [fingerprint(turned)]
    assert candidate_pairs(fps) == [(0, 3)]
    monkeypatch.setattr(candidates, "ALL_PAIRS_MAX", 0)
    assert candidate_pairs(fps) == [(0, 3)]


def test_sample_keeps_a_slow_drift() -> None:
    """A slow zoom or pan moves the hash a bit or two per step: each sampled frame is close to the one before it,
    but not to the last one kept. Thinning measures from the last frame kept, so the drift is sampled each time it
    has moved more than ``same_bits`` (it used to drop the whole drift after its first frame: the index signed a
    slow Ken Burns clip with one hash)."""
    n = 80
    bits = np.cumsum(np.arange(n) % 4 == 0)  # one more bit every 4 frames (every step of 0.5 s)
    hashes = np.array([(1 << int(b)) - 1 for b in bits], dtype=np.uint64)
    fp = replace(hand_fp(n), hashes=hashes)
    got = sample(fp, STEP, same_bits=2)
    assert list(got) == list(range(0, n, 12))  # every third step: 3 bits moved since the last kept
    static = sample(hand_fp(40, static=range(8, 28)), STEP, same_bits=2)
    assert list(static) == [0, 4, 8, 28, 32, 36]  # a static shot is still sampled once
