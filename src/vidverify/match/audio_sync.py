"""Sound against sound: which stretches of B's sound are A's, whether B's sound was replaced, removed or moved
against its picture. Pure: two fingerprints' sound channels (``signals/sound.py``) and the picture match in, an
``AudioMatch`` and edits out.

How: each 10 ms step's 32 bits become +-1 (steps too quiet to say anything are 0). The agreement of A's and B's bits
at every lag (B time minus A time) comes from one FFT cross-correlation; the best lag is followed step by step, and
where a 1 s window agrees on at least AGREE of its bits B's sound is A's. Those stretches are set aside and the
next best lag is looked for (a cut, a re-ordered sound), up to MAX_SEGMENTS times. The offset of B's sound against
B's picture is read over the first matched picture segment: the lag near the picture's own lag (within
MAX_OFFSET), refined to a fraction of a step on the agreement curve's peak.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..models import AudioMatch, AudioSegment, Edit, Match, Segment
from ..signals.fingerprint import Fingerprint
from ..signals.sound import SILENT_DB, STEP, loud_steps

AGREE = 0.66  # share of equal bits over a window for B's sound to be A's (unrelated sound: 0.5 +- 0.03)
WINDOW_STEPS = 100  # 1 s
MIN_VALID = 40  # steps in a window that must carry sound (not quiet on either side)
MIN_SEGMENT = 0.8  # seconds: shorter agreeing stretches are chance
PEAK_Z = 7.0  # a lag's summed agreement must stand this many (robust) deviations above the others
MAX_SEGMENTS = 6
MERGE_GAP = 1.5  # seconds between two stretches at one lag that are taken as one
MAX_OFFSET = 3.0  # seconds: the sound-to-picture offset searched around the picture's own lag
OFFSET_EDIT = 0.1  # |offset| from which an audio-offset edit is reported (docs/contract.md)
SAME_SHARE = 0.9  # "same": B's sound is A's for this share of the shorter sound
REPLACED_MIN = 2.0  # seconds of matched picture with sound on both sides and none of it shared: audio-replaced
REMOVED_ABOVE = 10.0  # dB over SILENT_DB that A's sound must have for a silent B to be "audio-removed"
SPEED_TOLERANCE = 0.02  # the offset is read on picture segments played at normal speed only


def state(fp: Fingerprint) -> str | None:
    """``sound``, ``silent`` (RMS below SILENT_DB over the file), ``absent`` (no track) or ``failed`` (the track
    did not decode); None when unknown (a fingerprint made before sound was printed)."""
    return fp.audio_state


def _signs(fp: Fingerprint) -> np.ndarray:
    bits = np.asarray(fp.audio_bits, np.uint32)
    s = ((bits[:, None] >> np.arange(32, dtype=np.uint32)) & 1).astype(np.float32) * 2 - 1
    s[~loud_steps(fp.audio_rms)] = 0.0
    return s


def _xcorr(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sum over steps and bits of a[i] * b[i + d], steps where both carry sound) for every lag d, as arrays
    indexed by d + len(a) - 1 (d from -(len(a) - 1) to len(b) - 1)."""
    n = len(a) + len(b) - 1
    size = 1 << max(1, (n - 1).bit_length())
    fa, fb = np.fft.rfft(a, size, axis=0), np.fft.rfft(b, size, axis=0)
    c = np.fft.irfft((np.conj(fa) * fb).sum(axis=1), size)
    ma, mb = np.abs(a).max(axis=1), np.abs(b).max(axis=1)
    o = np.fft.irfft(np.conj(np.fft.rfft(ma, size)) * np.fft.rfft(mb, size), size)
    order = np.r_[size - (len(a) - 1):size, 0:len(b)]
    return c[order], np.round(o[order])


def _agreement(a: np.ndarray, b: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Per B step at ``lag``: the bits' agreement (-32..32) and whether both steps carry sound."""
    idx = np.arange(len(b)) - lag
    ok = (idx >= 0) & (idx < len(a))
    agree = np.zeros(len(b), np.float32)
    valid = np.zeros(len(b), bool)
    agree[ok] = (a[idx[ok]] * b[ok]).sum(axis=1)
    valid[ok] = np.abs(a[idx[ok]]).max(axis=1) * np.abs(b[ok]).max(axis=1) > 0
    return agree, valid


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _matched_steps(a: np.ndarray, b: np.ndarray, lag: int) -> np.ndarray:
    agree, valid = _agreement(a, b, lag)
    kernel = np.ones(WINDOW_STEPS, np.float32)
    total = np.convolve(agree, kernel, "same")
    count = np.convolve(valid.astype(np.float32), kernel, "same")
    share = 0.5 + total / (64 * np.maximum(count, 1))
    return np.asarray((share >= AGREE) & (count >= MIN_VALID) & valid, bool)


def shared_sound(fa: Fingerprint, fb: Fingerprint) -> list[AudioSegment]:
    """The stretches where B's sound is A's, in B's order."""
    a, b = _signs(fa), _signs(fb)
    if not len(a) or not len(b) or not np.abs(a).any() or not np.abs(b).any():
        return []
    ta, tb = np.asarray(fa.audio_times), np.asarray(fb.audio_times)
    runs: list[tuple[int, int, int]] = []  # (B's first step, B's end step, lag)
    for _ in range(MAX_SEGMENTS):
        c, o = _xcorr(a, b)
        z = c / np.sqrt(32 * np.maximum(o, 1))
        spread = 1.4826 * float(np.median(np.abs(z - np.median(z)))) or 1.0
        best = int(np.argmax(z))
        if (z[best] - np.median(z)) / spread < PEAK_Z:
            break
        lag = best - (len(a) - 1)
        found = [(s, e, lag) for s, e in _runs(_matched_steps(a, b, lag))]
        if not any((e - s) * STEP >= MIN_SEGMENT for s, e, _ in found):
            break
        for s, e, _ in found:  # short runs too: a stretch between pauses, merged below
            b[s:e] = 0.0
        runs += found
    merged: list[tuple[int, int, int]] = []
    for s, e, lag in sorted(runs):  # one lag across a pause or a quiet stretch: one segment
        if merged and abs(merged[-1][2] - lag) <= 2 and s - merged[-1][1] <= MERGE_GAP / STEP:
            merged[-1] = (merged[-1][0], e, merged[-1][2])
        else:
            merged.append((s, e, lag))
    return [AudioSegment(round(float(ta[max(0, s - lag)]), 3), round(float(ta[min(len(ta), e - lag) - 1]) + STEP, 3),
                         round(float(tb[s]), 3), round(float(tb[e - 1]) + STEP, 3))
            for s, e, lag in merged if (e - s) * STEP >= MIN_SEGMENT]


def sound_offset(fa: Fingerprint, fb: Fingerprint, picture: Segment) -> float | None:
    """How many seconds later B's sound plays against B's picture than A's against A's, over ``picture`` (a
    matched picture segment at normal speed); None when no shared sound is found there."""
    a, b = _signs(fa), _signs(fb)
    ta, tb = np.asarray(fa.audio_times), np.asarray(fb.audio_times)
    if not len(a) or not len(b):
        return None
    a0, b0 = float(ta[0]), float(tb[0])
    ia = slice(max(0, int((picture.a_start - a0) / STEP)), max(0, int((picture.a_end - a0) / STEP)))
    ib = slice(max(0, int((picture.b_start - b0) / STEP)), max(0, int((picture.b_end - b0) / STEP)))
    sa, sb = a[ia], b[ib]
    if len(sa) < MIN_VALID or len(sb) < MIN_VALID:
        return None
    c, o = _xcorr(sa, sb)
    lags = np.arange(len(c)) - (len(sa) - 1)
    # the picture's own lag on these slices: B's step j shows A's step j - base
    base = ((picture.b_start - b0) / STEP - ib.start) - ((picture.a_start - a0) / STEP - ia.start)
    near = np.abs(lags - base) <= MAX_OFFSET / STEP
    score = np.where(near & (o >= MIN_VALID), c / (32 * np.maximum(o, 1)), -np.inf)
    best = int(np.argmax(score))
    if not np.isfinite(score[best]) or 0.5 + score[best] / 2 < AGREE - 0.04:
        return None
    frac = 0.0
    if 0 < best < len(score) - 1 and np.isfinite(score[best - 1]) and np.isfinite(score[best + 1]):
        y0, y1, y2 = score[best - 1], score[best], score[best + 1]
        den = y0 - 2 * y1 + y2
        frac = float(np.clip(0.5 * (y0 - y2) / den, -0.5, 0.5)) if den < 0 else 0.0
    return round(float(lags[best] + frac - base) * STEP, 3) + 0.0  # + 0.0: never -0.0 in the JSON


def _audible(fp: Fingerprint) -> float:
    return float(loud_steps(fp.audio_rms).sum()) * STEP


def compare_sound(fa: Fingerprint, fb: Fingerprint, picture: list[Segment]) -> AudioMatch | None:
    """The ``audio`` object of a compare (docs/contract.md): None when either side's sound is unknown."""
    sa, sb = state(fa), state(fb)
    if sa is None or sb is None or "failed" in (sa, sb):
        return None
    if sa != "sound" or sb != "sound":
        return AudioMatch("none", (), None, a_sound=sa, b_sound=sb)
    segments = shared_sound(fa, fb)
    tb, loud = np.asarray(fb.audio_times), loud_steps(fb.audio_rms)
    shared = sum(float((loud & (tb >= s.b_start) & (tb < s.b_end)).sum()) for s in segments) * STEP
    shorter = min(_audible(fa), _audible(fb))
    if not segments:
        verdict = "different"
    else:
        verdict = "same" if shorter and shared >= SAME_SHARE * shorter else "partial"
    normal = [s for s in picture if abs(s.speed - 1.0) <= SPEED_TOLERANCE]
    offset = sound_offset(fa, fb, normal[0]) if normal and segments else None
    return AudioMatch(verdict, tuple(segments), offset, a_sound=sa, b_sound=sb)


MIN_COMMON_WORDS = 4  # distinct 32-bit steps two sounds must share exactly to be aligned (scan's candidate test)


def sound_words(fp: Fingerprint) -> np.ndarray | None:
    """The distinct 32-bit steps of a file's audible sound, without the near-constant ones (few or most bits set);
    None when it has no sound."""
    if fp.audio_state != "sound":
        return None
    bits = np.asarray(fp.audio_bits, np.uint32)[loud_steps(fp.audio_rms)]
    ones = np.bitwise_count(bits)
    return np.unique(bits[(ones >= 3) & (ones <= 29)])


class SoundTest:
    """Scan's cheap test of a pair by sound alone: enough exactly equal steps (a shared sound keeps dozens through
    a re-encode; unrelated sounds share none or one)."""

    def __init__(self, fps: list[Fingerprint]) -> None:
        self.words = [sound_words(fp) for fp in fps]

    def __call__(self, i: int, j: int) -> bool:
        a, b = self.words[i], self.words[j]
        return a is not None and b is not None and \
            len(np.intersect1d(a, b, assume_unique=True)) >= MIN_COMMON_WORDS


SOUND_BUCKET_MAX = 64  # files under one step from which it links each file only to the next (a hum, a jingle)
SOUND_CANDIDATES = 20  # scan above ALL_PAIRS_MAX: each file's others that share most steps (as the picture's index)


def sound_pairs(fps: Sequence[Fingerprint]) -> list[tuple[int, int]]:
    """Pairs (i < j) of files that share MIN_COMMON_WORDS distinct steps (what :class:`SoundTest` asks), found
    without testing every pair, for scans too large for that: every file's steps go into one table sorted by
    step, and each run of equal steps counts one shared step for each pair of the files in it. A step in more
    than SOUND_BUCKET_MAX files counts only for each of them and the next (the files of a sound posted a thousand
    times stay linked, at a cost linear in them). Of each file's pairs the SOUND_CANDIDATES that share most
    are kept. The cost grows with the number of steps (a sort), not with the square of the files."""
    words = [sound_words(fp) for fp in fps]
    kept = [(i, w) for i, w in enumerate(words) if w is not None and len(w)]
    if len(kept) < 2:
        return []
    # one sort of (step, file) keys: the runs of equal steps, files ascending within each
    keys = np.concatenate([(w.astype(np.uint64) << np.uint64(32)) | np.uint64(i) for i, w in kept])
    keys.sort()
    steps, files = keys >> np.uint64(32), (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, steps[1:] != steps[:-1]])
    sizes = np.diff(np.r_[starts, len(steps)])
    n = np.int64(len(fps))
    codes: list[np.ndarray] = []
    for k in np.unique(sizes[(sizes >= 2) & (sizes <= SOUND_BUCKET_MAX)]):
        rows = files[starts[sizes == k][:, None] + np.arange(k)]
        first, second = np.triu_indices(int(k), 1)
        codes.append((rows[:, first] * n + rows[:, second]).ravel())
    big = np.zeros(len(steps), bool)
    for s0, k in zip(starts[sizes > SOUND_BUCKET_MAX], sizes[sizes > SOUND_BUCKET_MAX], strict=True):
        big[s0: s0 + k - 1] = True  # each entry of a large run, with the next one
    codes.append(files[:-1][big[:-1]] * n + files[1:][big[:-1]])
    pair_codes, shared = np.unique(np.concatenate(codes), return_counts=True)
    pair_codes, shared = pair_codes[shared >= MIN_COMMON_WORDS], shared[shared >= MIN_COMMON_WORDS]
    a, b = pair_codes // n, pair_codes % n
    best = np.zeros(len(a), bool)
    for side in (a, b):  # each file's SOUND_CANDIDATES best: sorted by file, then by shared steps, most first
        order = np.lexsort((-shared, side))
        first_of_file = np.r_[0, np.flatnonzero(side[order][1:] != side[order][:-1]) + 1]
        rank = np.arange(len(order)) - np.repeat(first_of_file, np.diff(np.r_[first_of_file, len(order)]))
        best[order[rank < SOUND_CANDIDATES]] = True
    return [(int(i), int(j)) for i, j in zip(a[best], b[best], strict=True)]


def sound_only(m: Match) -> bool:
    """No picture shared, but sound: the pair scan groups "by sound"."""
    return m.verdict == "unrelated" and m.audio is not None and m.audio.verdict in ("same", "partial")


def _covered(t0: float, t1: float, segments: tuple[AudioSegment, ...]) -> float:
    return sum(max(0.0, min(t1, s.b_end) - max(t0, s.b_start)) for s in segments)


def _loudness(fp: Fingerprint, spans: list[tuple[float, float]]) -> float:
    """The RMS loudness (dBFS) of ``fp``'s sound over the spans of its timeline."""
    t, rms = np.asarray(fp.audio_times), np.asarray(fp.audio_rms, np.float64)
    inside = np.zeros(len(t), bool)
    for t0, t1 in spans:
        inside |= (t >= t0) & (t < t1)
    return float(10 * np.log10(np.mean(10 ** (rms[inside] / 10)))) if inside.any() else -120.0


def sound_edits(audio: AudioMatch | None, picture: list[Segment], fb: Fingerprint,
                fa: Fingerprint | None = None) -> list[Edit]:
    """``audio-removed``, ``audio-replaced`` and ``audio-offset`` edits of B against A over the matched picture.
    B silent is ``audio-removed`` only where A's sound over the matched picture is clearly audible (REMOVED_ABOVE
    the silence line): a recording that is itself near silence may fall under the line with a quieter stretch."""
    if audio is None or not picture:
        return []
    edits: list[Edit] = []
    audible = fa is None or audio.b_sound == "absent" or \
        _loudness(fa, [(s.a_start, s.a_end) for s in picture]) >= SILENT_DB + REMOVED_ABOVE
    if audio.a_sound == "sound" and audio.b_sound in ("absent", "silent") and audible:
        first, last = picture[0], picture[-1]
        return [Edit("audio-removed", first.a_start, last.a_end, first.b_start, last.b_end,
                     {"b_sound": audio.b_sound})]
    if audio.verdict in ("none",):
        return []
    loud, tb = loud_steps(fb.audio_rms), np.asarray(fb.audio_times)
    for s in picture:
        if abs(s.speed - 1.0) > SPEED_TOLERANCE:  # a sound played faster or slower is not followed: no verdict
            continue
        length = s.b_end - s.b_start
        heard = float(((tb >= s.b_start) & (tb < s.b_end) & loud).sum()) * STEP
        if length >= REPLACED_MIN and heard >= 0.5 * length and _covered(s.b_start, s.b_end, audio.segments) \
                < 0.1 * length:
            edits.append(Edit("audio-replaced", s.a_start, s.a_end, s.b_start, s.b_end,
                              {"shared_sound": round(_covered(s.b_start, s.b_end, audio.segments), 3)}))
    if audio.offset is not None and abs(audio.offset) >= OFFSET_EDIT:
        s = picture[0]
        edits.append(Edit("audio-offset", s.a_start, s.a_end, s.b_start, s.b_end,
                          {"offset": audio.offset, "later": "b" if audio.offset > 0 else "a"}))
    return edits


__all__ = ["AGREE", "OFFSET_EDIT", "SILENT_DB", "SoundTest", "compare_sound", "shared_sound", "sound_edits",
           "sound_offset", "sound_only", "sound_pairs", "sound_words", "state"]
