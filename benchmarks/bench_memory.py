"""Peak memory of ``vidverify probe``, ``hash`` and ``scan`` on hostile input (issue 17's "must show"): whole
process tree (the CLI, its worker processes and their ffmpeg children), time, exit code, crashes and hangs.

    python benchmarks/bench_memory.py [--out benchmarks/out] [--no-big] [--timeout 300] [--commands probe,hash,scan]

The set (``--out/memory/set``, generated, nothing downloaded): tests/fixtures/hostile.py's files (truncations, byte
flips, box sizes, nesting, 1000 tracks, absurd times, metadata bytes, polyglots, not media; the FIFOs, symlinks and
other specials are left out of per-file runs, kept for scan) plus tests/fixtures/bombs.py's: sample tables declaring
two billion samples or 300 million entries, 1000 and 5000 tracks, PNG headers declaring 16384x16384, and (unless
``--no-big``) real H.264, MJPEG and PNG streams of 16384x16000 frames.

Memory is sampled every 20 ms from /proc: the resident set (VmRSS) of every process descended from the command,
summed (peak of the sum = "tree"), and the largest single process. A crash is an exit code outside the documented
ones (0-6) or a traceback on stderr; a hang is a command still running after ``--timeout`` seconds (then killed).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DOCUMENTED_EXIT = set(range(0, 7))
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def measure(argv: list[str], timeout: float, env: dict[str, str]) -> dict[str, object]:
    """Run ``argv``; peak RSS of its process tree (sum and largest process), seconds, exit code."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)
    peak_tree = peak_one = 0
    hung = False
    err = b""
    import threading

    def drain() -> None:
        nonlocal err
        assert proc.stderr is not None
        err = proc.stderr.read()

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    while proc.poll() is None:
        if time.monotonic() - start > timeout:
            hung = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            break
        kids = _children_map()
        tree, todo = [], [proc.pid]
        while todo:
            p = todo.pop()
            tree.append(p)
            todo += kids.get(p, [])
        sizes = [_rss(p) for p in tree]
        peak_tree, peak_one = max(peak_tree, sum(sizes)), max(peak_one, max(sizes, default=0))
        time.sleep(0.02)
    t.join(5)
    text = err.decode("utf-8", "replace")
    crashed = not hung and (proc.returncode not in DOCUMENTED_EXIT or "Traceback" in text)
    return {"seconds": round(time.monotonic() - start, 2), "rc": proc.returncode, "hung": hung,
            "crashed": crashed, "peak_tree_mb": round(peak_tree / 2**20, 1), "peak_one_mb": round(peak_one / 2**20, 1),
            "stderr_tail": text.strip().splitlines()[-1][:200] if text.strip() else ""}


def build_set(folder: Path, big: bool) -> list[Path]:
    from tests.fixtures import bombs, hostile

    marker = folder / ".built"
    if not marker.exists():
        src = hostile.make_sources(folder.parent / "sources")
        hostile.build(folder / "hostile", src)
        bombs.build(folder / "bombs", big=big, sources=src)
        marker.write_text("ok")
    elif big:
        bombs.big_frames(folder / "bombs")
    files = sorted(p for p in (folder / "bombs").iterdir() if p.is_file())
    files += sorted(p for p in (folder / "hostile").iterdir() if p.is_file() and not p.is_symlink())
    return files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    ap.add_argument("--no-big", action="store_true", help="leave out the real 16384x16000 streams")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds before a command counts as a hang")
    ap.add_argument("--commands", default="probe,hash,scan")
    ap.add_argument("--only", default="", help="comma-separated substrings: per-file runs only on matching names")
    args = ap.parse_args()
    folder = args.out / "memory" / "set"
    files = build_set(folder, not args.no_big)
    exe = [sys.executable, "-m", "vidverify"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    results: dict[str, object] = {}
    cmds = args.commands.split(",")
    only = [s for s in args.only.split(",") if s]
    per_file = [p for p in files if not only or any(s in p.name for s in only)]
    for cmd in ("probe", "hash"):
        if cmd not in cmds:
            continue
        rows = []
        extra = ["--json"] if cmd == "probe" else ["-o", str(args.out / "memory" / "fp.vvfp")]
        for p in per_file:
            r = measure([*exe, cmd, str(p), *extra], args.timeout, env)
            rows.append({"file": p.name, **r})
            print(f"{cmd:5} {r['peak_tree_mb']:8.1f} MB {r['seconds']:6.2f} s rc={r['rc']} "
                  f"{'HANG ' if r['hung'] else ''}{'CRASH ' if r['crashed'] else ''}{p.name}", flush=True)
        results[cmd] = rows
    if "scan" in cmds:
        r = measure([*exe, "scan", str(folder), "--json", "--jobs", "2"], args.timeout * 4, env)
        results["scan"] = r
        print(f"scan  {r['peak_tree_mb']:8.1f} MB {r['seconds']:6.2f} s rc={r['rc']} (tree of {folder})", flush=True)
    summary = {}
    for cmd in ("probe", "hash"):
        rows = results.get(cmd)
        if isinstance(rows, list) and rows:
            worst = max(rows, key=lambda x: x["peak_tree_mb"])
            summary[cmd] = {"files": len(rows), "peak_tree_mb": worst["peak_tree_mb"], "worst_file": worst["file"],
                            "total_seconds": round(sum(x["seconds"] for x in rows), 1),
                            "slowest_seconds": max(x["seconds"] for x in rows),
                            "crashes": [x["file"] for x in rows if x["crashed"]],
                            "hangs": [x["file"] for x in rows if x["hung"]]}
    if isinstance(results.get("scan"), dict):
        summary["scan"] = results["scan"]
    print(json.dumps(summary, indent=1))
    out = args.out / "bench_memory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
