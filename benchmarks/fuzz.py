"""Longer fuzz runs for the parsers vidverify owns (tests/robustness/test_fuzz.py runs a few hundred cases).

    python benchmarks/fuzz.py --seconds 60 --target isobmff
    python benchmarks/fuzz.py --seconds 60 --target all --json benchmarks/out/fuzz.json

Targets: isobmff (box walker), dates (dates.parse_time and friends), iso6709 (probe.parse_iso6709), mdpm (AVCHD
MDPM parser), vvfp (fingerprint file loader, then compare on what loads), probe (probe() of a mutated MP4: PyAV,
exifread and the box walker together; slower per case).

A simple mutation loop over seeds (real ffmpeg output and well-formed values): byte flips, interesting values
(0, 1, 0x7F, 0x80, 0xFF, 0xFFFFFFFF) at random or 4-byte aligned offsets, truncation, splices of a chunk
elsewhere, and random generation. Each case runs under an alarm (HANG_SECONDS): a case that takes longer is a
hang. A crash is an exception other than the parser's documented one, or a result that breaks its contract
(a date that does not parse back, an infinite coordinate, a result that is not JSON). Reproducers are written to
benchmarks/out/fuzz/. Prints iterations, crashes and hangs per target.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import math
import random
import signal
import struct
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from vidverify.errors import FingerprintFileError  # noqa: E402
from vidverify.evidence import dates  # noqa: E402
from vidverify.evidence.place import parse_iso6709  # noqa: E402
from vidverify.media.collector import _Collector, _parse_mdpm  # noqa: E402
from vidverify.media.fingerprint_file import load as load_fingerprint  # noqa: E402
from vidverify.media.fingerprint_file import save as save_fingerprint  # noqa: E402
from vidverify.media.formats import isobmff  # noqa: E402
from vidverify.media.probe import probe  # noqa: E402
from vidverify.signals.fingerprint import Fingerprint  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "fuzz"
HANG_SECONDS = 5.0  # one case taking longer than this is a hang
INTERESTING = (0, 1, 0x7F, 0x80, 0xFF)


class Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Hang(f"no result after {HANG_SECONDS} s")


# ------------------------------------------------------------------------------------------ mutation


def mutate(data: bytes, rng: random.Random, seeds: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 8, 16))):
        if not buf:
            buf = bytearray(rng.randbytes(rng.randrange(1, 64)))
        op = rng.randrange(7)
        pos = rng.randrange(len(buf))
        if op == 0:
            buf[pos] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[pos] = rng.choice(INTERESTING)
        elif op == 2 and len(buf) >= 4:  # a 32-bit field (box sizes, counts, times)
            at = min(pos - pos % 4, len(buf) - 4)
            struct.pack_into(">I", buf, at, rng.choice((0, 1, 7, 8, 0x7FFFFFFF, 0xFFFFFFFF, rng.getrandbits(32))))
        elif op == 3:
            buf = buf[: rng.randrange(len(buf) + 1)]
        elif op == 4:  # splice a chunk of this or another seed in
            other = rng.choice(seeds) or data
            a = rng.randrange(len(other))
            chunk = other[a: a + rng.randrange(1, 64)]
            buf[pos:pos] = chunk
        elif op == 5:
            del buf[pos: pos + rng.randrange(1, 16)]
        else:
            buf[pos:pos] = rng.randbytes(rng.randrange(1, 16))
    return bytes(buf)


def mutate_text(text: str, rng: random.Random, alphabet: str) -> str:
    chars = list(text)
    for _ in range(rng.choice((1, 2, 3))):
        op = rng.randrange(4)
        pos = rng.randrange(len(chars) + 1)
        if op == 0 and chars:
            chars[min(pos, len(chars) - 1)] = rng.choice(alphabet)
        elif op == 1:
            chars.insert(pos, rng.choice(alphabet))
        elif op == 2 and chars:
            del chars[min(pos, len(chars) - 1)]
        else:
            chars.insert(pos, rng.choice(("\x00", "\u0661", "\uff11", "9" * 30, "+99:99", "\ud800", "Z", " ")))
    return "".join(chars)


# ------------------------------------------------------------------------------------------ targets


def _media_seeds(work: Path) -> list[bytes]:
    from tests.fixtures.make_fixtures import clip

    seeds = []
    for name, extra in (("a.mp4", ()), ("b.mp4", ("-movflags", "+faststart")),
                        ("c.mov", ("-metadata", "title=caf\u00e9", "-metadata", "location=+12.34-056.78/"))):
        seeds.append(clip(work / name, seconds=0.5, size="64x48", extra_out=extra).read_bytes())
    return seeds


class Target:
    name = ""

    def setup(self, work: Path) -> None: ...

    def case(self, rng: random.Random) -> Any: ...

    def run(self, case: Any) -> None: ...

    def save(self, case: Any, path: Path) -> None:
        path.write_bytes(case if isinstance(case, bytes) else repr(case).encode("utf-8", "backslashreplace"))


class IsoBmff(Target):
    name = "isobmff"

    def setup(self, work: Path) -> None:
        raw = _media_seeds(work)
        # the box structure without most of the mdat payload: mutations land where the walker reads
        self.seeds = []
        for data in raw:
            moov = data.find(b"moov") - 4
            mdat = data.find(b"mdat") - 4
            self.seeds.append(data[:mdat + 64] + data[moov:] if moov > mdat else data[:moov] + data[moov:mdat + 64])

    def case(self, rng: random.Random) -> bytes:
        return mutate(rng.choice(self.seeds), rng, self.seeds)

    def run(self, case: bytes) -> None:
        for limits in ({}, {"max_payload": 512}):
            try:
                info = isobmff.parse_bytes(case, **limits)
            except isobmff.IsoBmffError:
                continue
            json.dumps(info.to_dict(), allow_nan=False)


class Dates(Target):
    name = "dates"
    SEEDS = ("2021-05-04T03:02:01Z", "2026:03:14 09:26:53", "2026-03-14T04:26:53-0500", "1904-01-01 00:00:00",
             "2010-06-01T12:00:00.123456789+05:30", "2024/02/29 23:59", "0000:00:00 00:00:00", "UTC 2020-01-01")
    ALPHABET = "0123456789-:/.T Z+_,UTCGMzt\t"

    def case(self, rng: random.Random) -> str:
        return mutate_text(rng.choice(self.SEEDS), rng, self.ALPHABET)

    def run(self, case: str) -> None:
        parsed = dates.parse_time(case)
        if parsed is None:
            return
        iso, tz = parsed
        if dates.local_naive(iso) is None:
            raise AssertionError(f"parse_time gave {iso!r}, which does not parse back")
        if tz is not None and (dates.to_utc(iso) is None or dates.tzinfo_of(tz) is None):
            raise AssertionError(f"zone {tz!r} of {iso!r} is not usable")
        dates.is_placeholder(iso)
        if dates.parse_time(iso) != parsed:
            raise AssertionError(f"{iso!r} does not parse to itself")


class Iso6709(Target):
    name = "iso6709"
    SEEDS = ("+40.6892-074.0445+010.000/", "+48.8577+002.295/", "-33.8688+151.2093CRSWGS_84/", "+00+000/")
    ALPHABET = "0123456789+-./CRSWG_ "

    def case(self, rng: random.Random) -> str:
        return mutate_text(rng.choice(self.SEEDS), rng, self.ALPHABET)

    def run(self, case: str) -> None:
        got = parse_iso6709(case)
        if got is None:
            return
        lat, lon, alt = got
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (alt is not None and not math.isfinite(alt)):
            raise AssertionError(f"out of range: {got}")
        json.dumps(got, allow_nan=False)


class Mdpm(Target):
    name = "mdpm"
    SEED = bytes([4, 0x18, 0x12, 0x20, 0x21, 0x05, 0x19, 0x04, 0x03, 0x02, 0x01, 0xE0, 0x01, 0x08, 0, 0,
                  0x70, 1, 2, 3, 4])

    def case(self, rng: random.Random) -> bytes:
        if rng.random() < 0.2:
            return rng.randbytes(rng.randrange(0, 200))
        return mutate(self.SEED, rng, [self.SEED])

    def run(self, case: bytes) -> None:
        c = _Collector("fuzz.mts")
        _parse_mdpm(c, case)
        for t in c.timestamps:
            if dates.parse_time(t.value) is None:
                raise AssertionError(f"MDPM time {t.value!r} does not parse")
        json.dumps([t.to_dict() for t in c.timestamps], allow_nan=False)


class Vvfp(Target):
    name = "vvfp"

    def setup(self, work: Path) -> None:
        import numpy as np

        n = 20
        rng = np.random.default_rng(1)
        arrays: dict[str, Any] = {}
        for f in dataclasses.fields(Fingerprint):  # every per-frame array, whatever the format version adds
            if "ndarray" not in str(f.type):
                continue
            if f.name == "times":
                arrays[f.name] = np.arange(n) / 30.0
            elif f.name.startswith("luma"):
                arrays[f.name] = (rng.random(n) * 50).astype(np.float32)
            elif "flat" in f.name:
                arrays[f.name] = np.zeros(n, np.uint8)
            else:
                arrays[f.name] = rng.integers(0, 2**63, n, dtype=np.uint64)
        self.good = Fingerprint(path="clip.mp4", sha256="0" * 64, size=1, mode="dense", duration=n / 30, fps=30.0,
                                width=64, height=48, **arrays)
        save_fingerprint(self.good, work / "good.vvfp")
        buf = io.BytesIO()
        np.savez(buf, meta=np.array(json.dumps(self.good.meta())), **arrays)
        self.seeds = [(work / "good.vvfp").read_bytes(), buf.getvalue()]
        self.path = work / "case.vvfp"

    def case(self, rng: random.Random) -> bytes:
        return mutate(rng.choice(self.seeds), rng, self.seeds)

    def run(self, case: bytes) -> None:
        from vidverify.pipeline.comparison import match_fingerprints

        self.path.write_bytes(case)
        try:
            fp = load_fingerprint(self.path)
        except FingerprintFileError:
            return
        json.dumps(fp.meta())
        match_fingerprints(fp, self.good)


class Probe(Target):
    name = "probe"

    def setup(self, work: Path) -> None:
        self.seeds = _media_seeds(work)
        self.path = work / "case.mp4"

    def case(self, rng: random.Random) -> bytes:
        data = rng.choice(self.seeds)
        moov = data.find(b"moov")
        if rng.random() < 0.7 and moov > 0:  # mutate inside the header boxes, keep the rest
            head, tail = (data[:moov - 4], data[moov - 4:]) if rng.random() < 0.5 else (data, b"")
            return head + mutate(tail, rng, self.seeds) if tail else mutate(head, rng, self.seeds)
        return mutate(data, rng, self.seeds)

    def run(self, case: bytes) -> None:
        self.path.write_bytes(case)
        info = probe(self.path)
        json.dumps(info.to_dict(), allow_nan=False)


TARGETS: dict[str, Callable[[], Target]] = {t.name: t for t in (IsoBmff, Dates, Iso6709, Mdpm, Vvfp, Probe)}


# ------------------------------------------------------------------------------------------ the loop


def fuzz(target: Target, seconds: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    OUT.mkdir(parents=True, exist_ok=True)
    signatures: dict[str, int] = {}
    crashes: list[dict[str, str]] = []
    hangs = 0
    iterations = 0
    slowest = 0.0
    deadline = time.monotonic() + seconds
    signal.signal(signal.SIGALRM, _alarm)
    while time.monotonic() < deadline:
        case = target.case(rng)
        iterations += 1
        started = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
        try:
            target.run(case)
        except Hang:
            hangs += 1
            sig = "hang"
            if sig not in signatures:
                signatures[sig] = 1
                path = OUT / f"{target.name}-hang-{hangs}.bin"
                target.save(case, path)
                crashes.append({"signature": sig, "reproducer": str(path.relative_to(ROOT))})
        except Exception as exc:
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            sig = f"{type(exc).__name__} at {Path(tb.filename).name}:{tb.lineno}"
            signatures[sig] = signatures.get(sig, 0) + 1
            if signatures[sig] == 1:
                path = OUT / f"{target.name}-{len(signatures)}.bin"
                target.save(case, path)
                crashes.append({"signature": sig, "message": str(exc)[:200],
                                "reproducer": str(path.relative_to(ROOT))})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        slowest = max(slowest, time.perf_counter() - started)
    return {"target": target.name, "seconds": seconds, "iterations": iterations,
            "crashes": sum(n for s, n in signatures.items() if s != "hang"), "hangs": hangs,
            "distinct": crashes, "slowest_case_s": round(slowest, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0, help="run time per target (default 60)")
    ap.add_argument("--target", default="all", choices=[*TARGETS, "all"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", metavar="OUT", help="also write the results here")
    args = ap.parse_args(argv)
    names = list(TARGETS) if args.target == "all" else [args.target]
    results = []
    with tempfile.TemporaryDirectory(prefix="vidverify-fuzz-") as d:
        for name in names:
            target = TARGETS[name]()
            work = Path(d) / name
            work.mkdir()
            target.setup(work)
            r = fuzz(target, args.seconds, args.seed)
            results.append(r)
            print(f"{name:8} {r['iterations']:>9,} iterations  {r['crashes']:>4} crashes  {r['hangs']:>3} hangs  "
                  f"slowest case {r['slowest_case_s']:.3f} s", flush=True)
            for c in r["distinct"]:
                print(f"         {c['signature']}: {c.get('message', '')}  ({c['reproducer']})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if any(r["crashes"] or r["hangs"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
