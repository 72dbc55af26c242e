#!/usr/bin/env python3
"""Build vidverify's bundled demo case, "a viral clip", from generated footage (no downloaded media).

    python examples/make_case.py OUTDIR [--quick] [--force]

OUTDIR receives an original phone clip with capture metadata (IMG_4521.MOV), six re-uploads of it with
yt-dlp ``.info.json`` sidecars (re-encoded, 9:16 crop with caption, mirrored, trimmed, cut, spliced), two
unrelated clips (one from the "same phone" the same morning: a hard negative), and ``case.json``, the ground
truth: every file's role, source, edits with their times on both sides, and the findings a checker should
raise. A second run is instant when ``case.json`` matches this generator's version (``--force`` rebuilds).
``--quick`` makes short 320x180 clips for tests. See examples/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

try:
    from vidverify.errors import VidverifyError
except ImportError:  # running from a source checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from vidverify.errors import VidverifyError

from vidverify.media.ffmpeg import ffmpeg_version
from vidverify.testing import synth

GENERATOR_VERSION = 5  # bump when the case changes (5: x264 cpu-independent); with SYNTH_VERSION it decides rebuilds
SCHEMA = "vidverify/example-case@1"
ORIGINAL = "IMG_4521.MOV"

# The capture: Liberty Island, New York, on a Saturday morning (EDT, UTC-4, since DST began on 8 March 2026).
CAPTURE = {
    "creation_time": "2026-03-14T13:26:53Z",
    "local_offset": "-04:00",
    "make": "Apple",
    "model": "iPhone 15 Pro",
    "software": "17.4",
    "location": "+40.6892-074.0445+010.000/",
}
# The hard negative: the same phone, 14 minutes later, a few hundred metres away, different footage.
SAME_PHONE_LATER = {
    **CAPTURE,
    "creation_time": "2026-03-14T13:41:10Z",
    "location": "+40.6903-074.0468+004.000/",
}

FULL: dict[str, Any] = {
    "size": (1280, 720),
    "fps": 30,
    "seconds": 12.0,
    "negative_seconds": 10.0,
    "unrelated_seconds": 8.0,
    "broll_seconds": 5.0,
    "small": (854, 480),
    "vertical": (720, 1280),
    "trim": (2.0, 10.0),
    "cut": (5.0, 7.0),
    "splice_at": 6.0,
    "insert": (1.0, 4.0),
}
QUICK: dict[str, Any] = {
    "size": (320, 180),
    "fps": 30,
    "seconds": 6.0,
    "negative_seconds": 4.0,
    "unrelated_seconds": 4.0,
    "broll_seconds": 3.0,
    "small": (256, 144),
    "vertical": (180, 320),
    "trim": (1.0, 5.0),
    "cut": (2.5, 3.5),
    "splice_at": 3.0,
    "insert": (0.5, 2.0),
}

SEEDS = {"original": 4521, "negative": 4522, "unrelated": 777, "broll": 9001}
LISBON = "38.7223,-9.1393"  # the place the vertical re-upload claims (Lisbon), as the user types it in claims.yaml
CLAIMS_FILE = "claims.yaml"
CAPTION = "BREAKING: Ferry fire off the harbour, filmed yesterday in Lisbon"


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def _upload(
    when: str, uploader: str, title: str, description: str, extractor: str = "youtube"
) -> dict[str, Any]:
    """Sidecar claims of one upload; ``when`` is the upload instant in UTC."""
    return {
        "upload_time": when,
        "upload_date": when[:10].replace("-", ""),
        "timestamp": _epoch(when),
        "uploader": uploader,
        "title": title,
        "description": description,
        "extractor": extractor,
    }


def _seg(a0: float, a1: float, b0: float, b1: float, *, mirrored: bool = False) -> dict[str, Any]:
    return {"a_start": a0, "a_end": a1, "b_start": b0, "b_end": b1, "speed": 1.0, "mirrored": mirrored}


def _edit(
    kind: str, a0: float | None, a1: float | None, b0: float | None, b1: float | None, **detail: Any
) -> dict:
    return {"type": kind, "a_start": a0, "a_end": a1, "b_start": b0, "b_end": b1, "detail": detail}


def plan(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """The case's files: name, role, how each is made, and its ground truth relative to the original."""
    n = cfg["seconds"]
    w, h = cfg["size"]
    t0, t1 = cfg["trim"]
    c0, c1 = cfg["cut"]
    at = cfg["splice_at"]
    i0, i1 = cfg["insert"]
    ins = i1 - i0
    vw, vh = cfg["vertical"]
    crop_w = int(h * 9 / 16 / 2) * 2
    band_y, band_h = int(vh * 0.12), int(vh * 0.16)
    whole = [_seg(0.0, n, 0.0, n)]
    reencoded = _edit("reencode", None, None, None, None, crf=23)  # the whole file: no times
    return [
        {
            "path": ORIGINAL,
            "role": "original",
            "source": None,
            "seed": SEEDS["original"],
            "edit": {
                "function": "make_scene + add_capture_metadata",
                "params": {"seconds": n, "size": [w, h]},
            },
            "capture": CAPTURE,
            "segments": whole,
            "edits": [],
            "upload": None,
            "note": "the witness's phone file: the most complete and earliest version, with capture metadata",
        },
        {
            "path": "reupload_reencoded.mp4",
            "role": "reupload",
            "source": ORIGINAL,
            "edit": {"function": "reencode", "params": {"crf": 32, "size": list(cfg["small"])}},
            "segments": whole,
            "edits": [_edit("reencode", None, None, None, None, crf=32, size=list(cfg["small"]))],
            "upload": _upload(
                "2026-03-14T15:02:11Z",
                "NYC Harbor Watch",
                "Smoke over the harbour near Liberty Island RIGHT NOW",
                "Sent to us by a viewer on the ferry this morning. #NYC #breaking",
            ),
            "creation_time": "2026-03-14T15:02:11Z",
            "note": "same pictures at lower quality and size; the platform stamped its own creation_time",
        },
        {
            "path": "reupload_vertical_caption.mp4",
            "role": "reupload",
            "source": ORIGINAL,
            "edit": {"function": "crop_vertical_caption", "params": {"caption": CAPTION, "size": [vw, vh]}},
            "segments": whole,
            "edits": [
                _edit("crop", 0.0, n, 0.0, n, x=(w - crop_w) // 2, y=0, w=crop_w, h=h),
                _edit("overlay", 0.0, n, 0.0, n, what="caption", x=0, y=band_y, w=vw, h=band_h, text=CAPTION),
                reencoded,
            ],
            "upload": _upload(
                "2026-03-20T08:15:00Z",
                "worldnews.clips",
                CAPTION,
                "Filmed yesterday in Lisbon by a passenger. Share before it gets deleted!",
                extractor="tiktok",
            ),
            "claims": {"claimed_time": "2026-03-19", "claimed_place": LISBON},
            "note": "claims another place and time: filmed 'yesterday in Lisbon' (19 March), but the "
            "footage was captured on 14 March in New York",
        },
        {
            "path": "reupload_mirrored.mp4",
            "role": "reupload",
            "source": ORIGINAL,
            "edit": {"function": "mirror", "params": {}},
            "segments": [_seg(0.0, n, 0.0, n, mirrored=True)],
            "edits": [_edit("mirror", 0.0, n, 0.0, n), reencoded],
            "upload": _upload(
                "2026-03-10T18:40:00Z",
                "throwback_vids",
                "Harbour scenes",
                "Old clip from my archive.",
            ),
            "note": "CONTRADICTION: its sidecar says it was uploaded on 10 March, four days before the "
            "footage was captured (14 March)",
        },
        {
            "path": "reupload_trimmed.mp4",
            "role": "reupload",
            "source": ORIGINAL,
            "edit": {"function": "trim", "params": {"start": t0, "end": t1}},
            "segments": [_seg(t0, t1, 0.0, t1 - t0)],
            "edits": [
                _edit("trim", 0.0, t0, 0.0, 0.0),
                _edit("trim", t1, n, t1 - t0, t1 - t0),
                reencoded,
            ],
            "upload": _upload(
                "2026-03-15T11:20:00Z",
                "Daily Viral",
                "Chaos at the Statue of Liberty (full video)",
                "Crazy scenes yesterday at Liberty Island.",
            ),
            "note": f"start ({t0:g} s) and end ({n - t1:g} s) removed",
        },
        {
            "path": "reupload_cut.mp4",
            "role": "reupload",
            "source": ORIGINAL,
            "edit": {"function": "cut", "params": {"cut_start": c0, "cut_end": c1}},
            "segments": [_seg(0.0, c0, 0.0, c0), _seg(c1, n, c0, n - (c1 - c0))],
            "edits": [_edit("cut", c0, c1, c0, c0), reencoded],
            "upload": _upload(
                "2026-03-16T21:05:00Z",
                "Harbor Updates",
                "Liberty Island incident",
                "What really happened.",
            ),
            "note": f"{c1 - c0:g} s removed from the middle ({c0:g}-{c1:g} s of the original)",
        },
        {
            "path": "reupload_spliced.mp4",
            "role": "reupload",
            "source": ORIGINAL,
            "edit": {
                "function": "splice",
                "params": {
                    "at": at,
                    "insert_seconds": ins,
                    "insert_start": i0,
                    "insert_seed": SEEDS["broll"],
                },
            },
            "segments": [_seg(0.0, at, 0.0, at), _seg(at, n, at + ins, n + ins)],
            "edits": [
                _edit(
                    "insert",
                    at,
                    at,
                    at,
                    at + ins,
                    source=f"make_scene(seed={SEEDS['broll']})",
                    source_start=i0,
                    source_end=i1,
                    in_case=False,
                ),
                reencoded,
            ],
            "upload": _upload(
                "2026-03-17T09:30:00Z",
                "TruthSeeker88",
                "They don't want you to see this part",
                "Watch until the end.",
            ),
            "note": f"{ins:g} s of unrelated footage inserted at {at:g} s",
        },
        {
            "path": "IMG_4522.MOV",
            "role": "unrelated",
            "source": None,
            "seed": SEEDS["negative"],
            "edit": {
                "function": "make_scene + add_capture_metadata",
                "params": {"seconds": cfg["negative_seconds"]},
            },
            "capture": SAME_PHONE_LATER,
            "segments": [],
            "edits": [],
            "upload": None,
            "note": "hard negative: same phone, same morning, nearby place, but different footage",
        },
        {
            "path": "unrelated_upload.mp4",
            "role": "unrelated",
            "source": None,
            "seed": SEEDS["unrelated"],
            "edit": {
                "function": "make_scene + strip_metadata",
                "params": {"seconds": cfg["unrelated_seconds"]},
            },
            "segments": [],
            "edits": [],
            "upload": _upload(
                "2026-03-14T16:45:00Z",
                "NYC Harbor Watch",
                "Another angle of the harbour this morning?",
                "Not sure if this is the same event.",
            ),
            "note": "different footage uploaded with a similar title the same day",
        },
    ]


def expected(files: list[dict[str, Any]]) -> dict[str, Any]:
    """What a correct scan of the case reports."""
    reuploads = [f["path"] for f in files if f["role"] == "reupload"]
    edited = [f["path"] for f in files if f["role"] == "reupload" and f["path"] != "reupload_reencoded.mp4"]
    return {
        "groups": [{"reference": ORIGINAL, "members": [ORIGINAL, *reuploads]}],
        "ungrouped": [f["path"] for f in files if f["role"] == "unrelated"],
        "findings": [
            {
                "code": "capture-after-upload",
                "severity": "error",
                "paths": [ORIGINAL, "reupload_mirrored.mp4"],
                "why": "uploaded 2026-03-10, the footage was captured 2026-03-14T09:26:53-04:00",
            },
            {
                "code": "recycled-footage",
                "severity": "error",
                "paths": [ORIGINAL, "reupload_vertical_caption.mp4"],
                "why": "claims 'filmed yesterday in Lisbon' (2026-03-19), captured 2026-03-14 in New York",
            },
            {
                "code": "place-mismatch",
                "severity": "warning",
                "paths": ["reupload_vertical_caption.mp4", ORIGINAL],
                "why": "claimed Lisbon; the footage's GPS (in the original) is Liberty Island, 5,400 km away",
            },
            {
                "code": "metadata-stripped",
                "severity": "info",
                "paths": reuploads,
                "why": "no capture time, device or GPS left in the re-uploads",
            },
            {
                "code": "reencoded",
                "severity": "info",
                "paths": reuploads,
                "why": "every re-upload was re-encoded",
            },
            {
                "code": "edited",
                "severity": "warning",
                "paths": edited,
                "why": "crop+caption, mirror, trim, cut and insert (see each file's edits)",
            },
        ],
    }


def make_reupload(f: dict[str, Any], outdir: Path, orig: Path, broll: Path) -> Path:
    """Apply the edit that ``f`` (an entry of :func:`plan`) describes to the original."""
    out, p, fn = outdir / f["path"], f["edit"]["params"], f["edit"]["function"]
    if fn == "reencode":
        return synth.reencode(
            orig, out, crf=p["crf"], size=tuple(p["size"]), creation_time=f.get("creation_time")
        )
    if fn == "crop_vertical_caption":
        return synth.crop_vertical_caption(orig, out, caption=p["caption"], size=tuple(p["size"]))
    if fn == "mirror":
        return synth.mirror(orig, out)
    if fn == "trim":
        return synth.trim(orig, out, p["start"], p["end"])
    if fn == "cut":
        return synth.cut(orig, out, p["cut_start"], p["cut_end"])
    if fn == "splice":
        return synth.splice(orig, broll, out, p["at"], p["insert_seconds"], insert_start=p["insert_start"])
    raise ValueError(f"unknown edit {fn!r}")


def _case_is_current(outdir: Path, quick: bool) -> dict[str, Any] | None:
    manifest = outdir / "case.json"
    try:
        case = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    current = (
        case.get("generator_version") == GENERATOR_VERSION
        and case.get("synth_version") == synth.SYNTH_VERSION
        and case.get("quick") == quick
        and all((outdir / f["path"]).is_file() for f in case.get("files", []))
        and all((outdir / f["sidecar"]).is_file() for f in case.get("files", []) if f.get("sidecar"))
    )
    return case if current else None


def build(outdir: Path, *, quick: bool = False, force: bool = False, workers: int = 2) -> dict[str, Any]:
    """Generate the case in ``outdir`` (unless it is current) and return the manifest."""
    outdir.mkdir(parents=True, exist_ok=True)
    if not force and (case := _case_is_current(outdir, quick)):
        case["reused"] = True
        return case
    (outdir / "case.json").unlink(missing_ok=True)
    cfg = QUICK if quick else FULL
    files = plan(cfg)
    work = outdir / ".work"
    work.mkdir(exist_ok=True)
    started = time.perf_counter()
    raw = {
        "original": work / "original.mp4",
        "negative": work / "negative.mp4",
        "unrelated": work / "unrelated.mp4",
        "broll": work / "broll.mp4",
    }
    seconds = {
        "original": cfg["seconds"],
        "negative": cfg["negative_seconds"],
        "unrelated": cfg["unrelated_seconds"],
        "broll": cfg["broll_seconds"],
    }
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Path]) -> Path:
        t = time.perf_counter()
        path = fn()
        timings[name] = round(time.perf_counter() - t, 2)
        return path

    def scene(key: str) -> Path:
        return synth.make_scene(
            raw[key], seconds=seconds[key], size=cfg["size"], fps=cfg["fps"], gop=cfg["fps"], seed=SEEDS[key]
        )

    orig = outdir / ORIGINAL
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for fut in [pool.submit(timed, f"scene:{key}", partial(scene, key)) for key in raw]:
            fut.result()
        synth.add_capture_metadata(raw["original"], orig, **CAPTURE)
        synth.add_capture_metadata(raw["negative"], outdir / "IMG_4522.MOV", **SAME_PHONE_LATER)
        synth.strip_metadata(raw["unrelated"], outdir / "unrelated_upload.mp4")
        # Longest jobs first, so that the workers finish together.
        order = ["splice", "crop_vertical_caption", "mirror", "reencode", "cut", "trim"]
        reuploads = sorted(
            (f for f in files if f["role"] == "reupload"), key=lambda f: order.index(f["edit"]["function"])
        )
        jobs = [
            pool.submit(timed, f["edit"]["function"], partial(make_reupload, f, outdir, orig, raw["broll"]))
            for f in reuploads
        ]
        for fut in jobs:
            fut.result()
    for f in files:
        up = f.get("upload")
        if up:
            fields = {k: v for k, v in up.items() if k != "upload_time"}
            sidecar = synth.write_info_json(outdir / f["path"], **fields)
            f["sidecar"] = sidecar.name
        else:
            f["sidecar"] = None
        f.setdefault("claims", {})
        info = synth.stream_facts(outdir / f["path"])
        f.update(
            duration=round(info.duration, 3), width=info.width, height=info.height, fps=round(info.fps, 3)
        )
    write_claims(outdir, files)
    for path in raw.values():
        path.unlink(missing_ok=True)
    work.rmdir()
    case = {
        "schema": SCHEMA,
        "generator": "examples/make_case.py",
        "generator_version": GENERATOR_VERSION,
        "synth_version": synth.SYNTH_VERSION,
        "ffmpeg": ffmpeg_version(),
        "quick": quick,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generation_seconds": round(time.perf_counter() - started, 2),
        "step_seconds": timings,
        "story": (
            "A phone clip filmed at Liberty Island, New York, on the morning of 14 March 2026 goes viral. "
            "Six re-uploads circulate, edited in different ways; one claims to show Lisbon 'yesterday', "
            "one is dated before the footage existed. Two other clips look like candidates but show other "
            "footage."
        ),
        "original": ORIGINAL,
        "capture": {
            "time_utc": CAPTURE["creation_time"],
            "time_local": synth.local_creationdate(CAPTURE["creation_time"], CAPTURE["local_offset"]),
            "timezone": CAPTURE["local_offset"],
            "make": CAPTURE["make"],
            "model": CAPTURE["model"],
            "software": CAPTURE["software"],
            "gps": {"lat": 40.6892, "lon": -74.0445, "alt": 10.0, "iso6709": CAPTURE["location"]},
            "place": "Liberty Island, New York, USA",
        },
        "files": files,
        "expected": expected(files),
    }
    (outdir / "case.json").write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    case["reused"] = False
    return case


def write_claims(outdir: Path, files: list[dict[str, Any]]) -> Path:
    """claims.yaml: what the uploads claim beyond their sidecars, as a fact-checker notes it down."""
    lines = ["# What the uploads claim (vidverify scan --claims claims.yaml); names are relative to this file.",
             "files:"]
    for f in files:
        c = f.get("claims") or {}
        if c:
            lines.append(f"  {f['path']}:")
            lines += [f"    {k}: \"{v}\"" for k, v in c.items()]
    path = outdir / CLAIMS_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def summary(case: dict[str, Any], outdir: Path) -> str:
    how = "up to date, reused" if case.get("reused") else f"generated in {case['generation_seconds']:.1f} s"
    lines = [f"vidverify example case in {outdir} ({how}{', quick' if case['quick'] else ''})"]
    for f in case["files"]:
        size = f"{f['width']}x{f['height']}"
        if f.get("upload"):
            date = f"uploaded {f['upload']['upload_time']}"
        else:
            date = "captured " + synth.local_creationdate(
                f["capture"]["creation_time"], f["capture"]["local_offset"]
            )
        lines.append(f"  {f['path']:<32} {f['role']:<9} {f['duration']:>6.2f} s {size:>9}  {date}")
        lines.append(f"  {'':<32} {f['note']}")
    lines.append(f"  ground truth: {outdir / 'case.json'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate vidverify's demo case: an original phone clip, six edited re-uploads with "
        "yt-dlp sidecars, two unrelated clips, and case.json with the ground truth.",
        epilog="example: python examples/make_case.py demo-case",
    )
    parser.add_argument("outdir", type=Path, help="directory to write the case into (created if missing)")
    parser.add_argument("--quick", action="store_true", help="short 320x180 clips (for tests)")
    parser.add_argument("--force", action="store_true", help="regenerate even when case.json is current")
    args = parser.parse_args(argv)
    synth.PORTABLE = True  # the same bytes on any x86-64 CPU: the example manifest's hashes hold after ./run demo
    try:
        case = build(args.outdir, quick=args.quick, force=args.force)
    except VidverifyError as exc:
        print(f"make_case: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(summary(case, args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
