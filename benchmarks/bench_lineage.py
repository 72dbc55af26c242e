"""Lineage: does ``scan`` name the file each upload was made from? Families of uploads made from corpus footage,
whose making is known, scanned as folders; each member's reported parent against the true one.

Per source (``compare_cases.SOURCES``, prepared as for the compare benchmark and cut to 10 s), three folders:

* ``camera``: the clip with an iPhone's capture metadata (``synth.add_capture_metadata``) and seven uploads: a
  half-size re-encode, a trim, a mirror, a 9:16 crop with a caption, a copy with a logo; a trim of the logo copy
  and a half-size re-encode of that trim (a chain of three generations).
* ``plain``: the clip without metadata, a re-encode of it at the same size (no clue can tell which came first: the
  right answer is to abstain, ``parent-not-in-set``), a trim and a greyscale copy.
* ``absent``: two overlapping trims of the clip without the clip itself (each made separately: one must be the
  root and the other ``parent-not-in-set``) and a copy of the first trim with a logo (its parent is that trim).
* ``composite``: the clip, three other corpus clips (``pattern``, ``rocket``, ``counter``: none made from another),
  a duet of the clip beside pattern, a picture-in-picture of it over rocket, a 2x2 grid of all four (the re-post
  benchmark's builders), a half-size copy of the duet and a 9:16 re-post of it (the whole duet across the middle
  of a blurred fill, captions, a moving watermark). A composite is right when its ``sources`` name every clip it
  combines; the four clips, when one is the root and the others say ``parent-not-in-set``; the copies, when they
  name the duet.

Scores, over every non-root member: **right** (the true parent, or ``parent-not-in-set`` where that is the truth),
**abstained** (``parent-not-in-set`` where a parent is in the set: honest, but no answer), **wrong** (another
member named). Precision = right / (right + wrong) of the committed answers; the root is scored apart; confidences
of right and wrong answers are compared. No other tool reports lineage, so there is no peer column.

    PYTHONPATH=src python benchmarks/bench_lineage.py [--quick] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import repost_cases  # noqa: E402
from compare_cases import QUICK_SOURCES, SOURCES, Source, prepare_source, probe_rate  # noqa: E402

from vidverify.pipeline.scanning import ScanOptions, scan  # noqa: E402
from vidverify.testing import synth  # noqa: E402

SECONDS = 10.0
NOT_IN_SET = "parent-not-in-set"
FAMILY_VERSION = 1  # bump when a recipe changes: cached folders are rebuilt
COMPOSITE_VERSION = 3  # ... and this for the composite folder


def _half(path: Path) -> tuple[int, int]:
    f = synth.stream_facts(path)
    return max(2, f.width // 4 * 2), max(2, f.height // 4 * 2)


def _built(root: Path, make: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """The truth of the folders under ``root``: as built before (``root/truth.json``), or made afresh by ``make``
    (what a broken build left cleared first)."""
    if (root / "truth.json").exists():
        return dict(json.loads((root / "truth.json").read_text()))
    if root.exists():
        shutil.rmtree(root)
    truth = make(root)
    (root / "truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def build(name: str, out: Path) -> dict[str, Any]:
    """The three folders of one source; returns folder -> {member file: true parent file, None for the root,
    NOT_IN_SET for a member made separately from a source not in the folder}."""
    return _built(out / "lineage" / f"v{FAMILY_VERSION}" / name, lambda root: _families(name, out, root))


def _families(name: str, out: Path, root: Path) -> dict[str, Any]:
    work = root / "work"
    work.mkdir(parents=True)
    src = prepare_source(name, out / "lineage")
    clip = synth.trim(src.path, work / "clip.mp4", 0.0, min(SECONDS, src.duration), crf=18)
    d = SECONDS if src.duration >= SECONDS else src.duration
    truth: dict[str, dict[str, str | None]] = {}

    cam = root / "camera"
    cam.mkdir()
    o = synth.add_capture_metadata(clip, cam / "IMG_0001.MOV")
    synth.reencode(o, cam / "reencoded.mp4", crf=30, size=_half(o))
    synth.trim(o, cam / "trimmed.mp4", 0.2 * d, 0.8 * d)
    synth.mirror(o, cam / "mirrored.mp4")
    synth.crop_vertical_caption(o, cam / "vertical.mp4")
    f = synth.stream_facts(o)
    logo = synth.overlay_logo(o, cam / "logo.mp4", box=(f.width // 2 // 2 * 2, f.height // 20 * 2,
                                                         f.width // 3 // 2 * 2, f.height // 5 // 2 * 2))
    lt = synth.trim(logo, cam / "logo_trimmed.mp4", 0.1 * d, 0.7 * d)
    synth.reencode(lt, cam / "logo_trimmed_small.mp4", crf=30, size=_half(lt))
    truth["camera"] = {"IMG_0001.MOV": None, "reencoded.mp4": "IMG_0001.MOV", "trimmed.mp4": "IMG_0001.MOV",
                       "mirrored.mp4": "IMG_0001.MOV", "vertical.mp4": "IMG_0001.MOV", "logo.mp4": "IMG_0001.MOV",
                       "logo_trimmed.mp4": "logo.mp4", "logo_trimmed_small.mp4": "logo_trimmed.mp4"}

    plain = root / "plain"
    plain.mkdir()
    p = synth.strip_metadata(clip, plain / "upload.mp4")
    synth.reencode(p, plain / "same_size.mp4", crf=23)
    synth.trim(p, plain / "trimmed.mp4", 0.25 * d, 0.75 * d)
    synth.grey(p, plain / "grey.mp4")
    # same_size: no clue can tell it from its source; the honest answer is parent-not-in-set (scored apart)
    truth["plain"] = {"upload.mp4": None, "same_size.mp4": "upload.mp4", "trimmed.mp4": "upload.mp4",
                      "grey.mp4": "upload.mp4"}

    absent = root / "absent"
    absent.mkdir()
    first = synth.trim(clip, absent / "first.mp4", 0.0, 0.6 * d)
    synth.trim(clip, absent / "second.mp4", 0.4 * d, d)
    synth.overlay_logo(first, absent / "first_logo.mp4")
    truth["absent"] = {"first.mp4": "*", "second.mp4": "*", "first_logo.mp4": "first.mp4"}
    shutil.rmtree(work)
    return truth


def build_composite(name: str, out: Path) -> dict[str, Any]:
    """The composite folder of one source; returns {member: true parent, "*" for a clip made from nothing in the
    folder, or the list of the members a composite combines}."""
    return _built(out / "lineage" / f"composite-v{COMPOSITE_VERSION}" / name,
                  lambda root: _composite(name, out, root))


def _composite(name: str, out: Path, root: Path) -> dict[str, Any]:
    folder = root / "composite"
    folder.mkdir(parents=True)
    src = prepare_source(name, root / "work", max_seconds=SECONDS)
    others = [prepare_source(n, out / "lineage" / "fillers", repost_cases.FILLERS[n][0], SECONDS)
              for n in ("pattern", "rocket", "counter")]
    for s in (src, *others):
        shutil.copyfile(s.path, folder / ("clip.mp4" if s is src else f"{s.name}.mp4"))
    i = repost_cases.SOURCES.index(name) if name in repost_cases.SOURCES else 0
    repost_cases.b_duet(src, others, i, folder / "duet.mp4")
    repost_cases.b_pip_corner(src, others, i, folder / "pip.mp4")
    repost_cases.b_grid(src, others, i, folder / "grid.mp4")
    synth.reencode(folder / "duet.mp4", folder / "duet_small.mp4", crf=30, size=_half(folder / "duet.mp4"))
    duet = folder / "duet.mp4"
    rate, frames, w, h = probe_rate(duet)
    repost_cases.b_blurfill(Source("duet", duet, rate, frames, w, h), others, i, folder / "duet_916.mp4")
    shutil.rmtree(root / "work")
    truth: dict[str, str | list[str] | None] = {
        "clip.mp4": "*", "pattern.mp4": "*", "rocket.mp4": "*", "duet.mp4": ["clip.mp4", "pattern.mp4"],
        "pip.mp4": ["clip.mp4", "rocket.mp4"], "duet_small.mp4": "duet.mp4", "counter.mp4": "*",
        "grid.mp4": ["clip.mp4", "counter.mp4", "pattern.mp4", "rocket.mp4"], "duet_916.mp4": "duet.mp4"}
    return truth


def score(folder: Path, truth: dict[str, Any], jobs: int) -> list[dict[str, Any]]:
    """One row per member: what scan reported against the truth."""
    result = scan([folder], options=ScanOptions(jobs=jobs))
    rows: list[dict[str, Any]] = []
    groups = [g for g in result.groups if set(map(os.path.basename, g.members)) & set(truth)]
    tree = {os.path.basename(e.path): e for g in groups for e in g.lineage}
    for member, want in truth.items():
        e = tree.get(member)
        got = None if e is None else (os.path.basename(e.parent) if e.parent else None)
        said_not_in_set = bool(e and e.evidence and e.evidence[0] == NOT_IN_SET)
        row: dict[str, Any] = {"folder": folder.name, "member": member, "truth": want, "parent": got,
                               "sources": sorted(os.path.basename(p) for p in e.sources) if e else [],
                               "confidence": e.confidence if e else None, "evidence": list(e.evidence) if e else []}
        if e is None:
            row["outcome"] = "ungrouped"
        elif isinstance(want, list):  # a composite: every member it combines named
            row["outcome"] = ("root-wrong" if got is None else "abstained" if said_not_in_set
                              else "right" if row["sources"] == sorted(want) else "wrong")
        elif want is None or (want == "*" and got is None):
            row["outcome"] = "root-right" if got is None else "root-wrong"
        elif want == "*":  # made separately from a source not in the folder
            row["outcome"] = "right" if said_not_in_set else "wrong"
        elif got is None:
            row["outcome"] = "root-wrong"
        elif said_not_in_set:
            row["outcome"] = "abstained"
        else:
            row["outcome"] = "right" if got == want else "wrong"
        rows.append(row)
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    members = [r for r in rows if r["outcome"] in ("right", "wrong", "abstained")]
    right = [r for r in members if r["outcome"] == "right"]
    wrong = [r for r in members if r["outcome"] == "wrong"]
    abstained = [r for r in members if r["outcome"] == "abstained"]
    roots = [r for r in rows if r["outcome"].startswith("root")]
    committed = len(right) + len(wrong)

    def conf(rs: list[dict[str, Any]]) -> float | None:
        return round(statistics.mean(r["confidence"] for r in rs), 3) if rs else None

    return {
        "members": len(members), "right": len(right), "wrong": len(wrong), "abstained": len(abstained),
        "precision": round(len(right) / committed, 3) if committed else None,
        "answered": round(committed / len(members), 3) if members else None,
        "roots_right": sum(r["outcome"] == "root-right" for r in roots), "roots": len(roots),
        "ungrouped": sum(r["outcome"] == "ungrouped" for r in rows),
        "mean_confidence_right": conf(right), "mean_confidence_wrong": conf(wrong),
        "wrong_rows": [{k: r[k] for k in ("folder", "member", "truth", "parent", "sources", "confidence")}
                       for r in wrong],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    ap.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK_SOURCES)}")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    names = list(QUICK_SOURCES) if args.quick else [n for n in SOURCES if n not in ("pattern", "rocket")]
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for name in names:
        truth = build(name, args.out)
        base = args.out / "lineage" / f"v{FAMILY_VERSION}" / name
        folders: list[tuple[Path, dict[str, Any]]] = [(base / f, want) for f, want in truth.items()]
        folders.append((args.out / "lineage" / f"composite-v{COMPOSITE_VERSION}" / name / "composite",
                        build_composite(name, args.out)))
        for path, want in folders:
            got = score(path, want, args.jobs)
            for r in got:
                r["source"] = name
            rows += got
            print(f"{name}/{path.name}: " + ", ".join(f"{r['member']}={r['outcome']}" for r in got), flush=True)
    by_folder = {f: summary([r for r in rows if r["folder"] == f])
                 for f in ("camera", "plain", "absent", "composite")}
    result = {"sources": names, "overall": summary(rows), "by_folder": by_folder, "rows": rows,
              "seconds": round(time.perf_counter() - t0, 1)}
    out = args.out / ("bench_lineage_quick.json" if args.quick else "bench_lineage.json")
    out.write_text(json.dumps(result, indent=1))
    print("\n| folder | members | right | wrong | abstained | precision | answered | roots right | "
          "conf. right | conf. wrong |\n|---|---|---|---|---|---|---|---|---|---|")
    for f, s in [*by_folder.items(), ("all", result["overall"])]:
        print(f"| {f} | {s['members']} | {s['right']} | {s['wrong']} | {s['abstained']} | {s['precision']} | "
              f"{s['answered']} | {s['roots_right']}/{s['roots']} | {s['mean_confidence_right']} | "
              f"{s['mean_confidence_wrong']} |")
    print(f"\n{out} ({result['seconds']} s)")


if __name__ == "__main__":
    main()
