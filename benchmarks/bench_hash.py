"""Speed, drift and memory of ``vidverify hash`` against a bare ffmpeg decode of the same file, same binary, same run.

    python benchmarks/bench_hash.py [--seconds 60] [--repeat 3] [--out benchmarks/out]

1. Builds (once, cached in --out) a phone-like 1920x1080 30 fps H.264 clip with the bundled ffmpeg: textured
   moving background (perlin), an overlaid moving picture, light sensor-like grain, 16 Mb/s, 1 s GOP, AAC audio.
2. Times, interleaved and repeated (median): ``ffmpeg -v error -i clip -f null -`` (the baseline), then
   ``vidverify hash clip`` (dense) and ``vidverify hash --keyframes clip``, each as a fresh process, and the
   floor under dense mode: the two halves that hash decodes, by two bare single-threaded ffmpeg processes with
   the deblocking filter skipped, one per core, doing nothing else.
3. Drift: per-frame Hamming distance between the fast fingerprint (deblocking skipped) and a full-quality one.
4. Memory: peak resident memory of the whole process tree (vidverify + its ffmpeg children, polled from /proc)
   for the clip and for a 10x longer stream copy of it, to show it does not grow with length.
Writes ``bench_hash.json`` in --out and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from vidverify.media.ffmpeg import ffmpeg_exe, ffmpeg_version
from vidverify.pipeline.ingest import fingerprint
from vidverify.signals.hashing import hamming


def make_clip(out: Path, seconds: float) -> Path:
    if out.exists():
        return out
    tmp = out.with_suffix(".tmp.mp4")
    graph = (
        "[0]scale=2400:1350,format=yuv420p,crop=1920:1080:x='240+200*sin(t/3)':y='135+100*cos(t/4)'[bg];"
        "[1]scale=640:360[fg];[bg][fg]overlay=x='100+t*20':y='200+50*sin(t)',noise=alls=3:allf=t[v]"
    )
    cmd = [
        ffmpeg_exe(), "-v", "error", "-y",
        "-f", "lavfi", "-i", "perlin=size=960x540:rate=30:octaves=5:persistence=0.6:xscale=2:yscale=2:tscale=0.5",
        "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30",
        "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.1:sample_rate=48000",
        "-filter_complex", graph, "-map", "[v]", "-map", "2:a", "-t", str(seconds),
        "-c:v", "libx264", "-preset", "fast", "-profile:v", "high", "-b:v", "16M", "-maxrate", "20M",
        "-bufsize", "32M", "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(tmp),
    ]
    print(f"building {out.name} ({seconds:.0f} s of 1080p30; a few minutes) ...", file=sys.stderr)
    subprocess.run(cmd, check=True)
    tmp.rename(out)
    return out


def make_long(clip: Path, times: int) -> Path:
    out = clip.with_name(f"{clip.stem}-x{times}.mp4")
    if out.exists():
        return out
    listing = clip.with_suffix(".concat.txt")
    listing.write_text("".join(f"file '{clip.resolve()}'\n" for _ in range(times)))
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
                    "-c", "copy", str(out)], check=True)
    listing.unlink()
    return out


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
        stack.extend(children.get(p, []))
    return total


def timed(cmd: list[str], *, sample_memory: bool = False) -> tuple[float, int]:
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    if sample_memory:
        poller.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    stop.set()
    if proc.returncode != 0:
        raise SystemExit(f"failed: {cmd}: {err.decode(errors='replace')[-400:]}")
    return elapsed, peak


def bare_parallel_decode(ff: str, clip: Path) -> float:
    """The floor under `vidverify hash`: the same two halves that hash decodes (cut where decode plans it), each
    by a bare single-threaded ffmpeg with the deblocking filter skipped, one per core, nothing else done."""
    from vidverify.media import decode

    plan = decode._plan_segments(decode.read_layout(clip, bars=False), 2)
    cut = plan[0][1] if len(plan) == 2 else None
    common = ["-v", "error", "-threads", "1", "-skip_loop_filter", "all"]
    halves = [[*common, "-i", str(clip)]] if cut is None else [
        [*common, "-t", f"{cut:.6f}", "-i", str(clip)], [*common, "-ss", f"{cut:.6f}", "-i", str(clip)]]
    cores = sorted(os.sched_getaffinity(0))
    start = time.perf_counter()
    procs = []
    for i, args in enumerate(halves):
        os.sched_setaffinity(0, {cores[i % len(cores)]})  # the child inherits this thread's core
        procs.append(subprocess.Popen([ff, *args, "-map", "0:v", "-f", "null", "-"]))
    os.sched_setaffinity(0, set(cores))
    for p in procs:
        p.wait()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--long-factor", type=int, default=10, help="memory check on a clip this many times longer")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    clip = make_clip(args.out / f"phone1080p30-{args.seconds:.0f}s.mp4", args.seconds)
    ff = ffmpeg_exe()
    vv = [sys.executable, "-m", "vidverify"]
    runs: dict[str, list[float]] = {"baseline": [], "dense": [], "keyframes": [], "bare_parallel": []}
    for _ in range(args.repeat):
        runs["baseline"].append(timed([ff, "-v", "error", "-i", str(clip), "-f", "null", "-"])[0])
        runs["dense"].append(timed([*vv, "hash", str(clip)])[0])
        runs["keyframes"].append(timed([*vv, "hash", "--keyframes", str(clip)])[0])
        runs["bare_parallel"].append(bare_parallel_decode(ff, clip))
    med = {k: statistics.median(v) for k, v in runs.items()}
    # ratio per repetition (each pair measured back to back), then the median
    ratio_dense = statistics.median(d / b for d, b in zip(runs["dense"], runs["baseline"], strict=True))
    ratio_key = statistics.median(k / b for k, b in zip(runs["keyframes"], runs["baseline"], strict=True))
    ratio_bare = statistics.median(k / b for k, b in zip(runs["bare_parallel"], runs["baseline"], strict=True))

    fast = fingerprint(clip, fast=True)
    full = fingerprint(clip, fast=False)
    assert np.array_equal(fast.times, full.times)
    drift = hamming(fast.hashes, full.hashes)

    long_clip = make_long(clip, args.long_factor)
    _, mem_short = timed([*vv, "hash", str(clip)], sample_memory=True)
    _, mem_long = timed([*vv, "hash", str(long_clip)], sample_memory=True)

    result = {
        "clip": {"path": str(clip), "seconds": args.seconds, "size": "1920x1080", "fps": 30,
                 "bytes": clip.stat().st_size, "frames": len(fast)},
        "ffmpeg": ffmpeg_version(),
        "cpus": os.cpu_count(),
        "wall_seconds": {k: [round(x, 3) for x in v] for k, v in runs.items()},
        "median_seconds": {k: round(v, 3) for k, v in med.items()},
        "ratio_dense": round(ratio_dense, 3),
        "ratio_keyframes": round(ratio_key, 3),
        "ratio_bare_parallel_decode": round(ratio_bare, 3),
        "drift_bits": {"mean": round(float(drift.mean()), 3), "p95": float(np.percentile(drift, 95)),
                       "max": int(drift.max())},
        "peak_rss_mb": {f"{args.seconds:.0f}s": round(mem_short / 1024, 1),
                        f"{args.seconds * args.long_factor:.0f}s": round(mem_long / 1024, 1)},
    }
    (args.out / "bench_hash.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"\nvidverify hash / ffmpeg decode: dense {ratio_dense:.3f} (target <= 0.80; a bare decode of the two "
          f"halves, deblocking skipped, one core each: {ratio_bare:.3f}), "
          f"keyframes {ratio_key:.3f} (target <= 0.15); drift mean {drift.mean():.2f} bits, "
          f"p95 {np.percentile(drift, 95):.0f}; peak RSS {mem_short / 1024:.0f} MB -> {mem_long / 1024:.0f} MB "
          f"for a {args.long_factor}x longer clip")


if __name__ == "__main__":
    main()
