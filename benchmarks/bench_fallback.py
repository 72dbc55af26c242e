"""Which library should read what libavformat cannot open (issue 17)? Measured, not guessed.

    python benchmarks/bench_fallback.py [--out benchmarks/out] [--libs /path/with/hachoir/and/pymediainfo]

The set (generated with the project's ffmpeg, nothing downloaded): one short clip per container the issue names
(ASF/WMV, Matroska, MXF, RealMedia, DV, WAV with a BWF ``bext`` chunk, AVI, MP4 with its moov last), each with a
known creation time, size and duration, then cut three ways: whole, the first 30% (a stopped download), the first
8 KB (a header-only stub). For every file and reader: does it give the date, the frame size, the duration (within
5% of the whole file's; for a cut file the header's own figure counts)? Readers: PyAV (libavformat, what probe
uses), ``vidverify probe`` itself, hachoir (``hachoir.metadata``) and pymediainfo (bundled libmediainfo).
Prints one table and the totals; ``--json`` writes every answer.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from vidverify.evidence import dates  # noqa: E402
from vidverify.media.ffmpeg import run  # noqa: E402

CREATED = "2021-05-06T07:08:09Z"
W, H, SECONDS = 320, 240, 4.0
FORMATS: dict[str, tuple[str, ...]] = {
    "wmv.asf": ("-c:v", "wmv2", "-c:a", "wmav2", "-f", "asf"),
    "mkv.mkv": ("-c:v", "libx264", "-c:a", "aac"),
    "mxf.mxf": ("-c:v", "mpeg2video", "-c:a", "pcm_s16le", "-ar", "48000", "-r", "25"),
    "rm.rm": ("-c:v", "rv10", "-c:a", "ac3", "-f", "rm"),
    "dv.dv": ("-c:v", "dvvideo", "-s", "720x576", "-r", "25", "-pix_fmt", "yuv420p", "-an", "-f", "dv"),
    "avi.avi": ("-c:v", "mjpeg", "-c:a", "pcm_s16le"),
    "mov.mov": ("-c:v", "libx264", "-c:a", "aac"),
    "bwf.wav": ("-vn", "-c:a", "pcm_s16le", "-write_bext", "1"),
}


def build(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, args in FORMATS.items():
        whole = folder / name
        if not whole.exists():
            run(["-f", "lavfi", "-i", f"testsrc=size={W}x{H}:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                 "-t", str(SECONDS), *args, "-metadata", f"creation_time={CREATED}",
                 "-metadata", "date=2021-05-06T07:08:09", "-y", str(whole)])
        data = whole.read_bytes()
        size = (720, 576) if name.startswith("dv") else None if name.endswith(".wav") else (W, H)
        truth = {"date": CREATED, "size": size, "duration": SECONDS}
        out.append((whole, truth))
        for label, n in (("cut30", len(data) * 3 // 10), ("head8k", 8192)):
            cut = folder / f"{label}-{name}"
            cut.write_bytes(data[:n])
            out.append((cut, truth))
    return out


def _same_instant(got: Any) -> bool:
    if not got:
        return False
    text = str(got).replace("UTC ", "").replace(" UTC", "").strip()
    for candidate in (text, text.replace(" ", "T"), text + "Z", text.replace(" ", "T") + "Z"):
        u = dates.to_utc(candidate)
        if u is not None:
            return abs((u - dates.to_utc(CREATED)).total_seconds()) < 2  # type: ignore[operator]
    return False


def _score(answer: dict[str, Any], truth: dict[str, Any]) -> dict[str, bool]:
    d = answer.get("duration")
    return {"date": any(_same_instant(x) for x in answer.get("dates", [])),
            "size": truth["size"] is None or tuple(answer.get("size") or ()) == truth["size"],
            "duration": d is not None and abs(float(d) - truth["duration"]) <= 0.05 * truth["duration"]}


def read_pyav(path: Path) -> dict[str, Any]:
    import av

    out: dict[str, Any] = {"dates": []}
    with av.open(str(path)) as c:
        out["dates"] += [v for k, v in c.metadata.items() if "time" in k or "date" in k]
        out["duration"] = c.duration / 1e6 if c.duration else None
        if c.streams.video:
            cc = c.streams.video[0].codec_context
            out["size"] = (cc.width, cc.height)
    return out


def read_vidverify(path: Path) -> dict[str, Any]:
    from vidverify.media.probe import probe

    info = probe(path, strict=False)
    d = info.declared_duration if info.truncated else info.duration
    return {"dates": [t.value for t in info.timestamps], "duration": d,
            "size": (info.coded_width, info.coded_height) if info.coded_width else None}


def read_hachoir(path: Path) -> dict[str, Any]:
    from hachoir.metadata import extractMetadata
    from hachoir.parser import createParser

    parser = createParser(str(path))
    if parser is None:
        return {"dates": []}
    with parser:
        meta = extractMetadata(parser)
    if meta is None:
        return {"dates": []}
    out: dict[str, Any] = {"dates": [str(v) for k in ("creation_date", "last_modification") for v in meta.getValues(k)]}
    dur = meta.get("duration", None)
    out["duration"] = dur.total_seconds() if dur is not None else None
    w, h = meta.get("width", None), meta.get("height", None)
    if w is None:  # video stream groups
        for group in getattr(meta, "iterGroups", lambda: [])():
            w, h = group.get("width", None), group.get("height", None)
            if w is not None:
                break
    out["size"] = (w, h) if w is not None else None
    return out


def read_mediainfo(path: Path) -> dict[str, Any]:
    from pymediainfo import MediaInfo

    mi = MediaInfo.parse(str(path))
    out: dict[str, Any] = {"dates": []}
    for t in mi.tracks:
        d = t.to_data()
        for k in ("encoded_date", "tagged_date", "recorded_date", "comapplequicktimecreationdate"):
            if d.get(k):
                out["dates"].append(d[k])
        if t.track_type == "General" and d.get("duration"):
            out["duration"] = float(d["duration"]) / 1000
        if t.track_type == "Video" and d.get("width"):
            out["size"] = (int(d["width"]), int(d["height"]))
    return out


READERS = {"pyav": read_pyav, "vidverify": read_vidverify, "hachoir": read_hachoir, "pymediainfo": read_mediainfo}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    ap.add_argument("--libs", help="a folder with hachoir and pymediainfo (pip install --target)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.libs:
        sys.path.insert(0, args.libs)
    for name, module in (("hachoir", "hachoir"), ("pymediainfo", "pymediainfo")):
        try:
            __import__(module)
        except ImportError:
            print(f"{name} is not installed: its column scores nothing (pip install --target DIR {name}; --libs DIR)")
    files = build(args.out / "fallback")
    rows: list[dict[str, Any]] = []
    totals = {r: {"date": 0, "size": 0, "duration": 0, "opened": 0, "seconds": 0.0} for r in READERS}
    for path, truth in files:
        row: dict[str, Any] = {"file": path.name}
        for name, reader in READERS.items():
            started = time.perf_counter()
            try:
                answer = reader(path)
                got = _score(answer, truth)
                totals[name]["opened"] += 1
            except Exception as exc:  # noqa: BLE001 - a reader that cannot open the file scores nothing
                answer, got = {"error": f"{type(exc).__name__}: {exc}"[:120]}, {"date": False, "size": False,
                                                                               "duration": False}
            totals[name]["seconds"] += time.perf_counter() - started
            for k, v in got.items():
                totals[name][k] += int(v)
            row[name] = {"score": got, "answer": {k: str(v)[:80] for k, v in answer.items()}}
        rows.append(row)
        keys = ("date", "size", "duration")
        marks = "  ".join(f"{n}:{''.join('DSL'[i] if row[n]['score'][k] else '.' for i, k in enumerate(keys))}"
                          for n in READERS)
        print(f"{path.name:22} {marks}")
    print(f"\n{len(files)} files; facts per reader (date, size, duration; each out of {len(files)}):")
    for name, t in totals.items():
        print(f"  {name:12} date {t['date']:3}  size {t['size']:3}  duration {t['duration']:3}  "
              f"opened {t['opened']:3}  {t['seconds']:.2f} s")
    if args.json:
        args.json.write_text(json.dumps({"totals": totals, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
