"""``vidverify frames``: one file's shots, its keyframes written out for reverse image search, a contact sheet, and
the frame-level signs of tampering (``signals/continuity.py``).

The file is decoded once, into the small per-frame signals of ``continuity.frame_signals`` (the same segmented
decoder as the fingerprint); then only the frames written out are decoded again, at full size, each from the
keyframe before it (``media/stills.write_stills``).

    result = examine_frames("clip.mp4", "stills/")      # FramesResult: shots, keyframes, anomalies, sheet
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DependencyError, OutputError
from ..evidence import codes, timeline
from ..evidence.codes import make_finding
from ..media import claims as claims_mod
from ..media import decode, files, ocr, probe, stills
from ..models import Anomaly, Claims, Finding, FramesResult, Keyframe, Shot
from ..signals import continuity
from ..signals.continuity import Kind
from ..signals.fingerprint import Fingerprint
from . import workers

Progress = Callable[[str, int, int], None]
"""(stage, done, total): stages ``decoding`` (frames) and ``keyframes`` (images written)."""

MAX_KEYFRAMES = 400  # per file: a 10-hour recording gets at most this many images (one per shot first)
CODES = {Kind.DUPLICATED: codes.DUPLICATED_FRAMES, Kind.FROZEN: codes.FROZEN, Kind.DROPPED: codes.DROPPED_FRAMES}
STRIP_MAX = 8  # pictures per file in the HTML report's keyframe strip (160 px JPEGs: about 5 KB each)
CLOCK_OFF = {"enabled": False, "reason": "not asked for: --clock, with the [ocr] extra"}
CLOCK_STEP_S = 1.0  # a burnt-in clock is read once a second of playback ...
MAX_CLOCK_READS = 3600  # ... at most this many times per file (then spread evenly)
CLOCK_SEARCH_FRAMES = 5  # frames spread over the file in which the clock is looked for


def prepare_folder(out: str | os.PathLike[str]) -> None:
    """``out`` exists (made if missing) and can be written in, before any work (``OutputError``, exit 6)."""
    where = Path(out)
    if not where.exists():
        try:
            where.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(f"--out {out}: cannot create the folder: {exc.strerror or exc}") from exc
    files.check_writable_folder("--out", where)


def examine_frames(path: str | os.PathLike[str], out: str | os.PathLike[str], *, jobs: int | None = None,
                   progress: Progress | None = None, max_keyframes: int = MAX_KEYFRAMES,
                   names: set[str] | None = None, clock: bool = False, claims: Claims | None = None,
                   claims_table: Mapping[str, Claims] | None = None,
                   policy: timeline.Policy | None = None) -> FramesResult:
    """Shots, keyframes (full-size JPEGs written in ``out``, which is made if missing), a contact sheet and the
    anomalies of one video (or still image). ``names``: image names already taken in ``out`` by this run (two
    inputs with one name get ``clip.0001.jpg`` and ``clip-2.0001.jpg``). ``clock``: find a burnt-in clock and read
    it once a second (``DependencyError`` without the ``[ocr]`` extra); its skips and steps back are
    ``clock-jump`` anomalies; a clock that shows a date is compared with the file's capture time and its claimed
    time (a sidecar's, with the user's over it: ``claims`` for every file, then the file's entry of
    ``claims_table``, as ``scan`` takes them; tolerances from ``policy``): ``clock-mismatch``. Raises an
    ``InputError`` for unreadable input and ``OutputError`` when ``out`` cannot be written."""
    p = os.fspath(path)
    files.check_media_input(p)
    if clock and (reason := ocr.unavailable()):
        raise DependencyError(f"--clock: {reason}")
    prepare_folder(out)
    n_jobs = workers.decoder_jobs(jobs)
    warnings: list[str] = []
    layout = decode.read_layout(p, scan_keyframes=n_jobs > 1, bars=False)
    total = layout.expected_frames() or 0
    seen = [0]

    def on_frames(n: int) -> None:
        seen[0] += n
        if progress:
            progress("decoding", seen[0], max(total, seen[0]))

    layout, parts = decode.decode_batches(p, continuity.frame_signals, jobs=n_jobs, layout=layout,
                                          on_frames=on_frames, warnings=warnings)
    sig = continuity.join_signals(parts)
    shift = float(sig.times[0]) if len(sig) else 0.0
    times = sig.times - shift  # t = 0 is the first displayed frame, as in every vidverify time
    n = len(sig)
    duration = float(times[-1] + sig.step) if n else None
    bounds = continuity.find_shots(sig)
    ranges = continuity.shot_ranges(n, bounds)
    shots = tuple(Shot(_t(times[a]), _t(times[b]) if b < n else _t(duration or 0.0)) for a, b in ranges)
    picks = continuity.pick_keyframes(sig, ranges, max_keyframes)
    stem = _free_stem(Path(p).stem, names if names is not None else set())
    targets = [Path(out) / f"{stem}.{i + 1:04d}.jpg" for i in range(len(picks))]
    sheet = Path(out) / f"{stem}.sheet.jpg"
    pick_times = [float(times[f]) for f, _ in picks]

    def on_written(done: int) -> None:
        if progress:
            progress("keyframes", done, len(picks))

    written = stills.write_stills(p, pick_times, targets, origin=layout.origin + shift, sheet=sheet,
                                  on_written=on_written)
    if not all(written):
        warnings.append(f"{written.count(False)} of {len(picks)} keyframes could not be decoded")
    keyframes = tuple(Keyframe(_t(t), os.path.join(os.fspath(out), target.name), shot)
                      for (_, shot), t, target, ok in zip(picks, pick_times, targets, written, strict=True) if ok)
    found = continuity.find_anomalies(sig, bounds)
    anomalies = [Anomaly(CODES[a.kind], _t(times[a.start]), _t(times[a.end]), dict(a.detail)) for a in found]
    clock_doc: dict[str, Any] = dict(CLOCK_OFF)
    if clock and n:
        clock_doc, jumps = _read_clock(p, times, layout.origin + shift, progress)
        user = claims_mod.user_claims_for(dict(claims_table) if claims_table else None, p)
        jumps += _clock_against_times(p, clock_doc, claims_mod.merge_claims(claims, user), policy)
        anomalies = sorted(anomalies + jumps, key=lambda a: a.start)
    return FramesResult(path=p, shots=shots, keyframes=keyframes, anomalies=tuple(anomalies),
                        sheet=os.path.join(os.fspath(out), sheet.name) if any(written) else None,
                        duration=_t(duration) if duration is not None else None, frames=n, clock=clock_doc,
                        warnings=tuple(warnings))


def _read_clock(p: str, times: np.ndarray, origin: float, progress: Progress | None
                ) -> tuple[dict[str, Any], list[Anomaly]]:
    """The clock's box, its readings once a second, and its jumps, each narrowed to the exact frames by
    reading the frames between (a halving search)."""
    n = len(times)
    wanted = np.arange(0.0, float(times[-1]) + 1e-9, CLOCK_STEP_S)
    if len(wanted) > MAX_CLOCK_READS:
        wanted = np.linspace(0.0, float(times[-1]), MAX_CLOCK_READS)
    idx = sorted(set(np.minimum(np.searchsorted(times, wanted - 1e-6), n - 1).tolist()))
    spread = [idx[round(k * (len(idx) - 1) / max(1, CLOCK_SEARCH_FRAMES - 1))] for k in range(CLOCK_SEARCH_FRAMES)]
    search = [img for _, img in stills.each_frame(p, [float(times[i]) for i in sorted(set(spread))], width=None,
                                                  origin=origin)]
    box = ocr.find_clock(search) if search else None
    if box is None:
        return {"enabled": True, "found": False, "reason": "no clock or timecode seen"}, []
    texts: dict[int, str] = {}

    def read(frames: list[int]) -> None:
        todo = [i for i in frames if i not in texts]
        for k, img in stills.each_frame(p, [float(times[i]) for i in todo], width=None, origin=origin):
            texts[todo[k]] = ocr.read_box([img], box)[0]
            if progress:
                progress("clock", len(texts), len(idx))

    read(idx)

    def seconds(i: int) -> float | None:
        return ocr.clock_seconds(texts.get(i, ""))

    jumps: list[Anomaly] = []
    for a, b, moved in continuity.clock_jumps([float(times[i]) for i in idx], [seconds(i) for i in idx]):
        lo, hi = idx[a], idx[b]
        base = (seconds(lo) or 0.0) - float(times[lo])
        while hi - lo > 1:  # the last frame that still reads as before, the first that reads as after
            mid = (lo + hi) // 2
            read([mid])
            r = seconds(mid)
            if r is not None and abs(r - float(times[mid]) - base) <= continuity.CLOCK_TOLERANCE_S:
                lo = mid
            else:
                hi = mid
        jumps.append(Anomaly(codes.CLOCK_JUMP, _t(times[lo]), _t(times[hi]),
                             {"before": texts.get(lo, ""), "after": texts.get(hi, ""), "moved_seconds": moved}))
    readings = [{"time": _t(times[i]), "text": texts.get(i, ""), "seconds": seconds(i),
                 "datetime": ocr.clock_datetime(texts.get(i, ""))} for i in idx]
    return {"enabled": True, "found": True, "region": list(box), "readings": readings}, jumps


def _clock_against_times(p: str, doc: dict[str, Any], claims: Claims | None,
                         policy: timeline.Policy | None) -> list[Anomaly]:
    """``clock-mismatch``: the date and time the clock shows at the start of playback (the median, over the
    readings that show a date, of each less its playback time) against the file's capture and claimed times
    (``timeline.clock_findings``). ``start``/``end``: the first and last reading that show a date."""
    dated = [(float(r["time"]), datetime.fromisoformat(r["datetime"])) for r in doc.get("readings", ())
             if r.get("datetime")]
    if not dated:
        return []
    starts = sorted(at - timedelta(seconds=t) for t, at in dated)
    at_zero = timeline.when(f"burnt-in clock ({len(dated)} readings)", starts[len(starts) // 2].isoformat(
        timespec="milliseconds"), None, p)
    info = probe.probe(p, strict=False)
    info = replace(info, claims=claims_mod.merge_claims(info.claims, claims))
    return [Anomaly(f.code, _t(dated[0][0]), _t(dated[-1][0]), dict(f.evidence))
            for f in timeline.clock_findings(info, at_zero, policy)] if at_zero else []


def fingerprint_findings(fp: Fingerprint) -> list[Finding]:
    """``frozen`` findings from a dense fingerprint alone (``scan``: no second decode); the other anomalies need
    ``examine_frames``'s finer signals."""
    if fp.mode != "dense":
        return []
    t = np.asarray(fp.times)
    out = []
    for a in continuity.frozen_in_fingerprint(t, fp.hashes, fp.luma_mean, fp.luma_std):
        start, end = _t(t[a.start]), _t(t[a.end])
        out.append(make_finding(codes.FROZEN, "warning", [fp.path], f"the picture at {start:.2f} s is held for "
                                f"{a.detail['seconds']:.2f} s inside moving footage", start=start, end=end,
                                **a.detail))
    return out


def keyframe_strip(fp: Fingerprint, cap: int = STRIP_MAX) -> tuple[float, ...]:
    """The times of at most ``cap`` frames that show a file's shots (the HTML report's keyframe strip), from its
    fingerprint alone: hard cuts from a dense fingerprint's hashes and brightness (``continuity.fingerprint_shots``),
    each shot's middle; a keyframe-mode fingerprint's times spread evenly (its frames are too far apart to see
    cuts). Only the frames shown are decoded, by the report."""
    t = np.asarray(fp.times, np.float64)
    if not len(t) or cap < 1:
        return ()
    if fp.mode != "dense":
        picks = sorted({round(k * (len(t) - 1) / max(1, cap - 1)) for k in range(min(cap, len(t)))})
    else:
        picks = continuity.strip_frames(t, continuity.fingerprint_shots(t, fp.hashes, fp.luma_mean), fp.luma_std,
                                        cap)
    return tuple(_t(t[i]) for i in picks)


def _t(value: float) -> float:
    return round(float(value), 6)


def _free_stem(stem: str, taken: set[str]) -> str:
    """The file's name as an image-name stem (characters a file name may carry), unique within ``taken``."""
    base = re.sub(r"[^\w.-]+", "_", stem).strip("._") or "video"
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}-{k}"
    taken.add(name)
    return name


__all__ = ["MAX_KEYFRAMES", "STRIP_MAX", "examine_frames", "fingerprint_findings", "keyframe_strip", "prepare_folder"]
