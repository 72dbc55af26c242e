"""Content credentials (C2PA): what probe reports against what is expected, the credential findings of scans,
the time reading credentials adds to probe, and hostile manifest stores.

    python benchmarks/bench_c2pa.py [--out benchmarks/out] [--public DIR] [--flips 60] [--truncations 20]

1. Generated cases (tests/fixtures/credentials.py: clips and stills signed under a throwaway CA, edits with
   ingredients, AI labels, changed and tampered copies, stripped re-encodes; plus a signer with no organisation and
   an AI edit made here): state, signer, source type and ``ai_generated`` against the expected values, without
   trust anchors and with the CA's root as the anchor.
2. Public samples (``--public DIR``: the signed fixtures of the c2pa-rs and c2pa-python repositories, fetched by
   you and never committed; files named ``rs_*``/``py_*``): the same facts against what their names say (``X``:
   changed after signing, ``E-sig``: bad signature, ``no_manifest``...) where they say it, and against the SDK's
   own verdict (``validation_state``: Invalid / Valid / Trusted) for every file; unsigned samples
   (``sample1.*``) are signed here under the throwaway CA, which covers HEIC and AVIF.
3. Scans that mix signed, stripped, edited, AI-labelled and unrelated clips: recall of the expected credential
   findings and the false ones.
4. Time added to probe per file: probe with credentials read against probe with the reader switched off.
5. Hostile stores: byte flips and truncations of signed MP4/JPEG/PNG/WebP files and crafted stores, plus the
   project's hostile corpus (tests/fixtures/hostile.py): crashes (an exception from probe) and hangs (no answer
   within the reader's deadline + 15 s).

Writes ``--out/bench_c2pa.json`` and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.fixtures import credentials as fixtures  # noqa: E402
from tests.fixtures import hostile  # noqa: E402

from vidverify.evidence import codes  # noqa: E402
from vidverify.media.formats import c2pa  # noqa: E402
from vidverify.media.probe import probe  # noqa: E402
from vidverify.pipeline.scanning import ScanOptions, scan  # noqa: E402
from vidverify.testing import credentials as cr  # noqa: E402
from vidverify.testing import synth  # noqa: E402

SIGNER = fixtures.SIGNER
HANG_SECONDS = c2pa.TIMEOUT_FLOOR_S + 15.0
CRED_CODES = (codes.CREDENTIALS_INVALID, codes.AI_GENERATED, codes.CREDENTIALS_STRIPPED)

# name -> (state without anchors, signer, digital source type, ai_generated); None: no credentials
U, X = "untrusted", "invalid"
GENERATED: dict[str, tuple[str, str | None, str | None, bool] | None] = {
    "cam.mp4": (U, SIGNER, "digitalCapture", False),
    "cam.mov": (U, SIGNER, "digitalCapture", False),
    "ai.mp4": (U, SIGNER, "trainedAlgorithmicMedia", True),
    "edit.mp4": (U, SIGNER, "digitalCapture", False),
    "ai_edit.mp4": (U, SIGNER, "trainedAlgorithmicMedia", True),
    "solo.mp4": (U, "Solo Signer", "digitalCapture", False),
    "changed.mp4": (X, SIGNER, "digitalCapture", False),
    "tampered.mp4": (X, SIGNER, "digitalCapture", False),
    "signed.jpg": (U, SIGNER, "digitalCapture", False),
    "signed.png": (U, SIGNER, "digitalCapture", False),
    "signed.webp": (U, SIGNER, "digitalCapture", False),
    "changed.jpg": (X, SIGNER, "digitalCapture", False),
    "changed.png": (X, SIGNER, "digitalCapture", False),
    "changed.webp": (X, SIGNER, "digitalCapture", False),
    "tampered.jpg": (X, SIGNER, "digitalCapture", False),
    "tampered.png": (X, SIGNER, "digitalCapture", False),
    "tampered.webp": (X, SIGNER, "digitalCapture", False),
    "src.mp4": None, "unrelated.mp4": None, "stripped.mp4": None, "stripped_trim.mp4": None, "ai_copy.mp4": None,
    "still.jpg": None, "still.png": None, "still.webp": None,
}
# public samples: what the file name says (state without anchors), where it says it
PUBLIC_NAMED = {
    "rs_C.jpg": U, "rs_CA.jpg": U, "rs_CACA.jpg": U, "rs_XCA.jpg": X, "rs_E-sig-CA.jpg": X,
    "rs_adobe-20220124-E-clm-CAICAI.jpg": X, "rs_no_manifest.jpg": None, "py_video1.mp4": U, "rs_legacy.mp4": U,
    "rs_cloud.jpg": None,  # a remote manifest: named in tags, never fetched
}
SDK_STATE = {"Invalid": X, "Valid": U, "Trusted": "valid"}


class Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Hang()


def facts(path: Path) -> tuple[str, str | None, str | None, bool] | None:
    c = probe(path, strict=False).credentials
    return None if c is None else (c.state, c.signer, c.digital_source_type, c.ai_generated)


def with_anchors(expected: tuple[str, str | None, str | None, bool] | None) -> Any:
    return expected if expected is None or expected[0] != U else ("valid", *expected[1:])


def generated(out: Path, public: Path | None) -> tuple[dict[str, Path], Path, list[dict[str, Any]]]:
    media = fixtures.build(out / "gen")
    ca = cr.make_ca("Bench Root", organization=SIGNER)  # the fixtures' CA is not kept: sign the extras with it too
    ca.write_root(out / "gen" / "bench_root.pem")
    trim = synth.trim(media["ai.mp4"], out / "gen" / "ai_trim.mp4", 0.5, 2.5)
    media["ai_edit.mp4"] = cr.sign(trim, out / "gen" / "ai_edit.mp4", ca, source_type=None,
                                   actions=("c2pa.opened", "c2pa.edited"), ingredient=media["ai.mp4"])
    solo = cr.make_ca("Solo Root", organization=None, common_name="Solo Signer")
    media["solo.mp4"] = cr.sign(media["src.mp4"], out / "gen" / "solo.mp4", solo)
    extra = {}
    if public is not None:  # unsigned public samples, signed here: HEIC, AVIF and more formats
        for name in ("rs_sample1.heic", "rs_sample1.avif", "rs_sample1.png", "rs_sample1.webp"):
            if (public / name).is_file():
                target = out / "gen" / ("signed_" + name.removeprefix("rs_"))
                try:
                    media[target.name] = cr.sign(public / name, target, ca)
                    extra[target.name] = (U, SIGNER, "digitalCapture", False)
                except Exception as exc:  # a format this c2pa-python cannot sign: say so
                    print(f"  cannot sign {name}: {exc}")
    GENERATED.update(extra)
    solo.write_root(out / "gen" / "solo_root.pem")
    anchor_of = {name: out / "gen" / "bench_root.pem" for name in (*extra, "ai_edit.mp4")}
    anchor_of["solo.mp4"] = out / "gen" / "solo_root.pem"
    rows = []
    for name, want in GENERATED.items():
        if name not in media:
            continue
        os.environ.pop(c2pa.TRUST_ENV, None)
        got = facts(media[name])
        os.environ[c2pa.TRUST_ENV] = str(anchor_of.get(name, media["root.pem"]))
        got_anchored = facts(media[name])
        os.environ.pop(c2pa.TRUST_ENV, None)
        rows.append({"case": name, "expected": want, "got": got, "ok": got == want,
                     "expected_anchored": with_anchors(want), "got_anchored": got_anchored,
                     "ok_anchored": got_anchored == with_anchors(want)})
    return media, out / "gen", rows


def public_samples(public: Path) -> list[dict[str, Any]]:
    rows = []
    for f in sorted(public.iterdir()):
        if not f.is_file() or not f.name.startswith(("rs_", "py_")):
            continue
        started = time.perf_counter()
        info = probe(f, strict=False)
        took = time.perf_counter() - started
        c = info.credentials
        sdk = SDK_STATE.get((c.manifest_store or {}).get("validation_state", "")) if c else None
        got = c.state if c else None
        named = PUBLIC_NAMED.get(f.name, "?")
        rows.append({"file": f.name, "state": got, "signer": c.signer if c else None,
                     "source": c.digital_source_type if c else None, "ai": c.ai_generated if c else None,
                     "failures": list(c.failures) if c else [], "named": named,
                     "ok_named": None if named == "?" else named == got, "sdk": sdk,
                     "ok_sdk": None if c is None or sdk is None else sdk == got,
                     "remote": info.tags.get(c2pa.PROVENANCE_TAG), "seconds": round(took, 3)})
    return rows


def scans(media: dict[str, Path]) -> list[dict[str, Any]]:
    scenarios = {
        "mixed": (["cam.mp4", "stripped.mp4", "stripped_trim.mp4", "edit.mp4", "ai.mp4", "ai_copy.mp4",
                   "unrelated.mp4", "changed.mp4", "tampered.mp4"],
                  {(codes.CREDENTIALS_INVALID, ("changed.mp4",)), (codes.CREDENTIALS_INVALID, ("tampered.mp4",)),
                   (codes.AI_GENERATED, ("ai.mp4", "ai_copy.mp4")),
                   (codes.CREDENTIALS_STRIPPED, ("ai_copy.mp4", "ai.mp4")),
                   (codes.CREDENTIALS_STRIPPED, ("stripped.mp4", "cam.mp4")),
                   (codes.CREDENTIALS_STRIPPED, ("stripped_trim.mp4", "cam.mp4"))}),
        "signed-edit-only": (["cam.mp4", "edit.mp4", "unrelated.mp4"], set()),
        "ai-edit": (["ai.mp4", "ai_edit.mp4", "ai_copy.mp4", "src.mp4"],
                    {(codes.AI_GENERATED, ("ai.mp4", "ai_copy.mp4", "ai_edit.mp4")),
                     (codes.AI_GENERATED, ("ai_edit.mp4", "ai.mp4", "ai_copy.mp4")),
                     (codes.CREDENTIALS_STRIPPED, ("ai_copy.mp4", "ai.mp4"))}),
        "unsigned-only": (["src.mp4", "stripped.mp4", "unrelated.mp4"], set()),
    }
    rows = []
    for name, (files, expected) in scenarios.items():
        result = scan([str(media[f]) for f in files], options=ScanOptions(jobs=2, pictures=False))
        got = {(f.code, tuple(sorted(Path(p).name for p in f.paths[:1])) + tuple(sorted(Path(p).name
                                                                              for p in f.paths[1:])))
               for f in result.findings if f.code in CRED_CODES}
        norm = {(c, (p[0], *sorted(p[1:]))) for c, p in expected}
        rows.append({"scenario": name, "expected": len(norm), "found": len(norm & got), "false": sorted(got - norm),
                     "missed": sorted(norm - got)})
    return rows


def reader_start(media: dict[str, Path], repeat: int = 3) -> float:
    """Seconds the first signed file of a process costs: starting the reading child and loading the library."""
    took = []
    for _ in range(repeat):
        c2pa._READER.stop()
        t = time.perf_counter()
        c2pa.read(str(media["cam.mp4"]))
        took.append(time.perf_counter() - t)
    return round(statistics.median(took), 3)


def probe_time(media: dict[str, Path], repeat: int = 5) -> list[dict[str, Any]]:
    rows = []
    real = c2pa.read
    for name in ("src.mp4", "cam.mp4", "still.jpg", "signed.jpg", "edit.mp4"):
        on, off = [], []
        for _ in range(repeat):
            t = time.perf_counter()
            probe(media[name])
            on.append(time.perf_counter() - t)
            c2pa.read = lambda path, **_: (None, [])  # type: ignore[assignment]
            try:
                t = time.perf_counter()
                probe(media[name])
                off.append(time.perf_counter() - t)
            finally:
                c2pa.read = real  # type: ignore[assignment]
        rows.append({"file": name, "signed": GENERATED.get(name) is not None,
                     "probe_ms": round(statistics.median(on) * 1000, 1),
                     "without_credentials_ms": round(statistics.median(off) * 1000, 1),
                     "added_ms": round((statistics.median(on) - statistics.median(off)) * 1000, 1)})
    return rows


def run_hostile(media: dict[str, Path], out: Path, flips: int, truncations: int) -> dict[str, Any]:
    cases = fixtures.hostile_manifests(media, out / "hostile-c2pa", flips=flips, truncations=truncations)
    corpus = [(out / "hostile" / h.name, "hostile corpus: " + h.what) for h in hostile.build(out / "hostile")
              if h.regular]
    crashes, hangs, states, slowest, slowest_case = [], [], Counter(), 0.0, ""
    signal.signal(signal.SIGALRM, _alarm)
    for path, what in cases + corpus:
        started = time.perf_counter()
        signal.alarm(int(HANG_SECONDS))
        try:
            info = probe(path, strict=False)
            states[(what.split(":")[0] if what.startswith("hostile corpus") else what,
                    info.credentials.state if info.credentials else None)] += 1
        except Hang:
            hangs.append(f"{path.name}: {what}")
        except Exception:
            crashes.append(f"{path.name}: {what}: {traceback.format_exc(limit=2)}")
        finally:
            signal.alarm(0)
        took = time.perf_counter() - started
        if took > slowest:
            slowest, slowest_case = took, f"{path.name}: {what}"
    return {"cases": len(cases), "corpus_files": len(corpus), "crashes": crashes, "hangs": hangs,
            "slowest_s": round(slowest, 2), "slowest_case": slowest_case,
            "states": [{"what": w, "state": s, "n": n} for (w, s), n in sorted(states.items(), key=str)]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    ap.add_argument("--public", help="folder of public signed samples (rs_*/py_* files); not committed")
    ap.add_argument("--flips", type=int, default=60, help="byte-flip cases per signed format")
    ap.add_argument("--truncations", type=int, default=20, help="truncations per signed format")
    args = ap.parse_args()
    out = Path(args.out) / "c2pa"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.pop(c2pa.TRUST_ENV, None)
    public = Path(args.public) if args.public else None
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        work = Path(tmp)
        media, _gen, gen_rows = generated(work, public)
        print("\n1. generated cases: state, signer, source type, ai_generated (without anchors / with the CA root)")
        for r in gen_rows:
            print(f"  {r['case']:22} {str(r['got']):70} {'ok' if r['ok'] else 'WRONG'}  anchored: "
                  f"{r['got_anchored'][0] if r['got_anchored'] else None} {'ok' if r['ok_anchored'] else 'WRONG'}")
        pub_rows = public_samples(public) if public else []
        if pub_rows:
            print("\n2. public samples (named: what the file name says; sdk: the C2PA SDK's own validation_state)")
            for r in pub_rows:
                print(f"  {r['file']:38} {str(r['state']):9} named={r['named']!s:9} ok={r['ok_named']!s:5} "
                      f"sdk={r['sdk']!s:9} ok={r['ok_sdk']!s:5} signer={r['signer']!s:24} source={r['source']} "
                      f"ai={r['ai']} {r['seconds']:.2f}s" + (f" remote={r['remote']}" if r["remote"] else ""))
        scan_rows = scans(media)
        print("\n3. scans: expected credential findings found, false ones")
        for r in scan_rows:
            print(f"  {r['scenario']:18} {r['found']}/{r['expected']} found, {len(r['false'])} false"
                  + (f"  missed={r['missed']} false={r['false']}" if r["missed"] or r["false"] else ""))
        time_rows = probe_time(media)
        start_s = reader_start(media)
        print(f"\n4. time added to probe per file (median of 5; the first signed file of a process also starts "
              f"the reader: {start_s} s)")
        for r in time_rows:
            print(f"  {r['file']:12} signed={r['signed']!s:5} probe {r['probe_ms']:7.1f} ms, without credentials "
                  f"{r['without_credentials_ms']:7.1f} ms: +{r['added_ms']:.1f} ms")
        hostile_result = run_hostile(media, work, args.flips, args.truncations)
        print(f"\n5. hostile: {hostile_result['cases']} damaged or crafted stores + {hostile_result['corpus_files']}"
              f" hostile corpus files: {len(hostile_result['crashes'])} crashes, {len(hostile_result['hangs'])} "
              f"hangs, slowest {hostile_result['slowest_s']} s ({hostile_result['slowest_case']})")
        for s in hostile_result["states"]:
            print(f"  {s['what']:50} {s['state']!s:10} {s['n']}")
        for c in hostile_result["crashes"][:5] + hostile_result["hangs"][:5]:
            print("  !", c)
    summary = {
        "generated": {"cases": len(gen_rows), "right": sum(r["ok"] for r in gen_rows),
                      "right_anchored": sum(r["ok_anchored"] for r in gen_rows)},
        "public": {"files": len(pub_rows), "named": sum(r["ok_named"] is not None for r in pub_rows),
                   "named_right": sum(bool(r["ok_named"]) for r in pub_rows),
                   "sdk_compared": sum(r["ok_sdk"] is not None for r in pub_rows),
                   "sdk_agree": sum(bool(r["ok_sdk"]) for r in pub_rows)},
        "scans": {"expected": sum(r["expected"] for r in scan_rows), "found": sum(r["found"] for r in scan_rows),
                  "false": sum(len(r["false"]) for r in scan_rows)},
        "hostile": {k: (len(v) if isinstance(v, list) and k in ("crashes", "hangs") else v)
                    for k, v in hostile_result.items() if k != "states"},
    }
    print("\nsummary:", json.dumps(summary))
    summary["reader_start_s"] = start_s
    doc = {"summary": summary, "generated": gen_rows, "public": pub_rows, "scans": scan_rows, "probe_time": time_rows,
           "hostile": hostile_result}
    (Path(args.out) / "bench_c2pa.json").write_text(json.dumps(doc, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
