"""The work the sound tap adds to ``hash``'s ffmpeg processes, counted in instructions (valgrind's cachegrind): a
measure that a shared, loaded machine does not blur, where CPU time cannot resolve a few per cent.

    python benchmarks/bench_audio_work.py [--clips rocket,pattern]     (needs valgrind; minutes per clip)

For each corpus clip with sound (``bench_audio.SOURCES``): the bare ``ffmpeg -i FILE -f null -`` (which decodes the
audio track too), ``hash``'s decoder processes (2 jobs: the segments its plan makes) without and with the tap, and
the track alone (decoded, and only demuxed: the difference is its decode). The processes write to /dev/null: the
reader's early stop of a segment past its end is not counted (it is the same with and without the tap). What the
print then costs in Python is ``bench_audio.py``'s (``cpu_all``). Writes ``bench_audio_work.json`` in --out.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
from pathlib import Path

from bench_audio import SOURCES, corpus

from vidverify.media import audio, decode, ffmpeg


def instructions(args: list[str]) -> int:
    """Instructions ffmpeg runs for ``args`` (all its threads)."""
    r = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                        ffmpeg.ffmpeg_exe(), "-nostdin", "-y", "-v", "error", *args], capture_output=True, text=True)
    m = re.search(r"I\s+refs:\s+([\d,]+)", r.stderr)
    if r.returncode != 0 or not m:
        raise SystemExit(f"valgrind failed: {r.stderr[-400:]}")
    return int(m.group(1).replace(",", ""))


def segment_args(path: str, layout: decode.StreamLayout, start: float | None, end: float | None,
                 sound: bool) -> list[str]:
    tap = audio.Tap(start, end, layout.origin, layout.duration, layout.audio_rate) if sound else None
    limit = None if end is None else end + decode.READ_MARGIN_SECONDS + \
        (decode.SEEK_MARGIN_FRAMES + 2) * layout.frame_seconds
    args = decode._argv(ffmpeg.input_url(path), keyframes=False, fast=True, threads=1, seek=start,
                        read_until=limit, stats_fd=9, area=layout.active, tap=tap)
    if tap is not None:
        tap.start_reading()  # closes the pipe's write end; nothing is written to it
        tap.finish()
    return ["/dev/null" if a.startswith("pipe:") else a for a in args[2:]]  # without "-v error"


def work(path: str) -> dict[str, float]:
    layout = decode.read_layout(path, scan_keyframes=True, bars=True)
    plan = decode._plan_segments(layout, 2, by_work=True)
    n = {
        "bare": instructions(["-i", path, "-f", "null", "-"]),
        "picture": sum(instructions(segment_args(path, layout, s, e, False)) for s, e in plan),
        "picture+sound": sum(instructions(segment_args(path, layout, s, e, True)) for s, e in plan),
        "track": instructions(["-i", path, "-map", "0:a:0", "-f", "null", "-"]),
        "track_demuxed": instructions(["-i", path, "-map", "0:a:0", "-c", "copy", "-f", "null", "-"]),
    }
    return {**n, "segments": len(plan),
            "sound_of_bare": round((n["picture+sound"] - n["picture"]) / n["bare"], 4),
            "track_decode_of_bare": round((n["track"] - n["track_demuxed"]) / n["bare"], 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "vidverify-bench-audio"))
    ap.add_argument("--clips", default=",".join(SOURCES))
    args = ap.parse_args()
    result = {}
    for name in args.clips.split(","):
        result[name] = work(str(corpus() / SOURCES[name]))
        print(name, json.dumps(result[name]), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_audio_work.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
