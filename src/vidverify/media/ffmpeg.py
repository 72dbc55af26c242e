"""Find the ffmpeg binary and run it safely.

Order: the ``VIDVERIFY_FFMPEG`` environment variable (or an explicit ``set_ffmpeg()``), then the ffmpeg bundled
with imageio-ffmpeg (pinned, so hashes do not drift between machines), then ``ffmpeg`` on PATH.

Every call uses an argument list (never a shell), reads inputs through the ``file:`` protocol with an absolute
path (so a name starting with ``-`` or containing ``:`` is never taken for an option or a URL), allows only the
``file`` and ``pipe`` protocols (a crafted playlist cannot make ffmpeg reach the network), runs with a timeout,
and is killed with its process group on error, interrupt or timeout.

Timeouts: every process has a deadline (``timeout_for``): ``$VIDVERIFY_TIMEOUT`` seconds when set, otherwise
proportional to the media's duration and size with a generous floor. A process still running at its deadline
is killed with its process group and the call raises ``InputError`` (exit 4).
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import DependencyError, InputError

log = logging.getLogger("vidverify")

ENV_VAR = "VIDVERIFY_FFMPEG"
DEFAULT_TIMEOUT_S = 600.0  # seconds; one ffmpeg call when nothing is known about the input
TIMEOUT_ENV = "VIDVERIFY_TIMEOUT"  # seconds per ffmpeg process; overrides the computed deadline
TIMEOUT_FLOOR_S = 120.0  # seconds; no ffmpeg process is given less (slow machines, cold caches)
TIMEOUT_PER_MEDIA_SECOND = 4.0  # seconds allowed per second of (claimed) media duration
TIMEOUT_MAX_MEDIA_SECONDS = 48 * 3600.0  # a claimed duration counts up to this (a hostile 2^64 does not)
TIMEOUT_PER_MB = 2.0  # seconds allowed per MB of input
SAFE_INPUT_OPTIONS = ("-protocol_whitelist", "file,pipe")
MAX_STREAMS = 64  # streams a container may declare (libavformat's max_streams): 1000 tracks made hash take 2.6 GB
MAX_PIXELS_ENV = "VIDVERIFY_MAX_PIXELS"  # pixels per decoded frame; overrides DEFAULT_MAX_PIXELS
DEFAULT_MAX_PIXELS = 8192 * 8192  # 8K UHD and 360-degree panoramas fit; one 16384x16000 frame is 400 MB decoded
LIMITS_MESSAGE = "the file exceeds a reading limit"
AV_TIMEOUT_S = 60.0  # seconds one libavformat open or read (PyAV) may block before it is interrupted

_override: str | None = None
# glibc's allocator otherwise grows the heap of a long decode in steps (dynamic mmap threshold, one arena per
# thread); fixing both keeps ffmpeg's memory flat however long the file (measured: benchmarks/bench_hash.py).
_CHILD_ENV = {"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "262144"}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for k, v in _CHILD_ENV.items():
        env.setdefault(k, v)
    return env


MMAP_THRESHOLD = 4 * 1024 * 1024  # buffers up to this size are reused from the heap, not re-faulted
TRIM_THRESHOLD = 32 * 1024 * 1024  # freed memory kept for reuse, at most


def tune_allocator() -> None:
    """glibc allocator settings for this process (the CLI calls it; a library user may).

    Two arenas at most, and a fixed mmap threshold (which also turns off glibc's dynamic threshold, whose growth
    lets a long run's memory creep): 4 MiB, keeping up to 32 MiB of freed memory for reuse. Every command's large
    buffers are a few MB and short-lived (a batch of frames and its hashes, a matrix of distances); with a
    256 KiB threshold each was mapped afresh and page-faulted in (a scan of 64 files: 6.7 million faults, 14 s
    of system time; a 60 s hash: 0.4 s). The benchmark checks that hash memory stays flat with file length."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
        libc.mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, TRIM_THRESHOLD)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def set_ffmpeg(path: str | None) -> None:
    """Use this ffmpeg binary for the rest of the process (the CLI's ``--ffmpeg``)."""
    global _override
    _override = path
    ffmpeg_exe.cache_clear()
    ffmpeg_version.cache_clear()


class _Once:
    """functools.cache for a lookup that threads may ask for at the same moment: one of them computes it, the
    others wait for that answer (instead of each starting the same ffmpeg process)."""

    def __init__(self, fn: Callable[[], str]) -> None:
        self._fn, self._lock = fn, threading.Lock()
        self._value: str | None = None
        functools.update_wrapper(self, fn)

    def __call__(self) -> str:
        with self._lock:
            if self._value is None:
                self._value = value = self._fn()
                return value
            return self._value

    def cache_clear(self) -> None:
        with self._lock:
            self._value = None


@_Once
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary to use; raises DependencyError when there is none."""
    chosen = _override or os.environ.get(ENV_VAR)
    if chosen:
        found = shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
        if not found:
            raise DependencyError(f"ffmpeg binary {chosen!r} (from {ENV_VAR} or --ffmpeg) not found")
        return found
    try:
        import imageio_ffmpeg

        exe: str = imageio_ffmpeg.get_ffmpeg_exe()
        if exe and Path(exe).is_file():
            return exe
    except Exception as exc:  # imageio-ffmpeg missing or without a binary for this platform
        log.debug("imageio-ffmpeg unavailable: %s", exc)
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    raise DependencyError(
        "no ffmpeg found: install vidverify's dependencies (pip install imageio-ffmpeg) "
        f"or set {ENV_VAR} to an ffmpeg binary"
    )


@_Once
def ffmpeg_version() -> str:
    """``ffmpeg -version``'s first line, short: e.g. ``n9.0.2-17-g2a571b6068-20260930``."""
    try:
        out = subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-version"], capture_output=True, text=True, timeout=30, check=False,
            stdin=subprocess.DEVNULL,
        ).stdout
    except (subprocess.TimeoutExpired, OSError) as exc:  # a binary that hangs or cannot start: no version
        log.warning("ffmpeg -version failed: %s", exc)
        return "unknown"
    m = re.match(r"ffmpeg version (\S+)", out)
    return m.group(1) if m else "unknown"


# Demuxers that open further files named inside the input (playlists, manifests, concat lists) or take a
# source description instead of a file: a crafted input could make them wait on a FIFO or device for ever, or
# read any local file. Evidence is one file, so they are never used.
REFERENCING_DEMUXERS = frozenset({"hls", "dash", "concat", "imf", "webm_dash_manifest", "sdp", "rtsp", "rtp",
                                  "lavfi"})


@functools.cache
def allowed_demuxers() -> str:
    """Comma-separated names of libavformat's demuxers minus REFERENCING_DEMUXERS (for ``format_whitelist``)."""
    import av
    from av.format import ContainerFormat

    names = []
    for name in sorted(av.formats_available):
        try:
            if ContainerFormat(name).is_input and name not in REFERENCING_DEMUXERS:
                names.append(name)
        except Exception:  # a name PyAV lists but cannot describe: leave it out
            continue
    return ",".join(names)


def max_pixels() -> int:
    """Pixels a decoded frame may have (``$VIDVERIFY_MAX_PIXELS`` when a positive integer, else DEFAULT_MAX_PIXELS):
    libavcodec refuses larger frames before allocating them (its ``max_pixels``), in PyAV and in ffmpeg."""
    env = os.environ.get(MAX_PIXELS_ENV)
    if env:
        try:
            if int(env) > 0:
                return int(env)
        except ValueError:
            pass
        log.warning("ignoring %s=%r: not a positive integer", MAX_PIXELS_ENV, env)
    return DEFAULT_MAX_PIXELS


def run_python(code: str, *args: str, timeout: float) -> bytes | None:
    """Run ``code`` in a fresh, isolated interpreter (this one's executable, ``-I``) with a deadline, for parsers
    that have none of their own (MediaInfo follows playlists and can block on what they name); its stdout, or
    None when it failed or was stopped at ``timeout`` seconds."""
    try:
        done = subprocess.run([sys.executable, "-I", "-c", code, *args], capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False, env=_env())
    except (subprocess.TimeoutExpired, OSError) as exc:
        log.debug("helper process stopped: %s", exc)
        return None
    return done.stdout if done.returncode == 0 else None


def limit_options() -> dict[str, int]:
    """ffmpeg input options that cap what a file can make it allocate: streams, and pixels per decoded frame."""
    return {"max_streams": MAX_STREAMS, "max_pixels": max_pixels()}


def too_big(codec_context: Any) -> str | None:
    """Why frames of this (opened) video decoder must not be decoded: larger than ``max_pixels()`` (else None)."""
    w, h, limit = codec_context.width or 0, codec_context.height or 0, max_pixels()
    return f"frames of {w}x{h} exceed the limit of {limit} pixels (${MAX_PIXELS_ENV})" if w * h > limit else None


def av_open_options() -> dict[str, str]:
    """Options for every ``av.open`` of an input: local files only, no demuxer that follows references, at most
    MAX_STREAMS streams, and frames of at most ``max_pixels()`` decoded while the streams are probed."""
    return {"protocol_whitelist": "file", "format_whitelist": allowed_demuxers(),
            "max_streams": str(MAX_STREAMS), "max_pixels": str(max_pixels())}


def av_open(path: str | os.PathLike[str]) -> Any:
    """``av.open`` of a local input with av_open_options, a timeout on each blocking open or read (AV_TIMEOUT_S),
    and the pixel cap on every video decoder opened later from its streams."""
    import av

    container = av.open(input_url(path), metadata_errors="ignore", options=av_open_options(),
                        timeout=(AV_TIMEOUT_S, AV_TIMEOUT_S))
    limit = str(max_pixels())
    for stream in container.streams.video:
        cc = stream.codec_context
        if cc is not None:
            cc.options = {**cc.options, "max_pixels": limit}
    return container


def reformat(frame: Any, **kwargs: Any) -> Any:
    """``frame.reformat(**kwargs)`` (PyAV) scaled on one thread. PyAV 18.1.1 keeps one scaler per thread for the
    process's life; left to choose, the scaler starts threads of its own, and a worker forked after that (scan's
    and check's, with --jobs 2) inherits the scaler without its threads: its next re-scale waits on them forever
    (a hang CI met). An older PyAV without the ``threads`` argument is called without it."""
    try:
        return frame.reformat(threads=1, **kwargs)
    except TypeError:
        return frame.reformat(**kwargs)


def perspective_corners(corners: Sequence[float], within: tuple[int, int, int, int], size: int) -> dict[str, str]:
    """The options of ffmpeg's ``perspective`` filter that straighten the picture whose four ``corners`` (x, y
    each: top-left, top-right, bottom-left, bottom-right) lie in the box ``within`` (x, y, w, h) of a frame,
    once the box is cropped and scaled to ``size`` x ``size``: the picture then fills it."""
    x, y, w, h = within
    at = [(v - (x, y)[k % 2]) * size / (w, h)[k % 2] for k, v in enumerate(corners)]
    return {**{f"{'xy'[k % 2]}{k // 2}": f"{v:.2f}" for k, v in enumerate(at)}, "sense": "source"}


def limits_error(exc: BaseException) -> str | None:
    """What a libavformat ENOMEM on open means here: a cap of ours was hit (else None)."""
    import av

    if isinstance(exc, av.error.MemoryError):
        return f"{LIMITS_MESSAGE} (more than {MAX_STREAMS} streams, or tables too large)"
    return None


def timeout_for(duration: float | None = None, size: int | None = None) -> float:
    """Deadline in seconds for one ffmpeg process on an input of this duration (seconds) and size (bytes).

    ``$VIDVERIFY_TIMEOUT`` wins when it is a positive number; without facts the default is DEFAULT_TIMEOUT_S."""
    env = os.environ.get(TIMEOUT_ENV)
    if env:
        try:
            value = float(env)
            if value > 0 and math.isfinite(value):
                return value
        except ValueError:
            pass
        log.warning("ignoring %s=%r: not a positive number of seconds", TIMEOUT_ENV, env)
    if duration is None and size is None:
        return DEFAULT_TIMEOUT_S
    d = duration if duration is not None and math.isfinite(duration) and duration > 0 else 0.0
    return max(TIMEOUT_FLOOR_S, TIMEOUT_PER_MEDIA_SECOND * min(d, TIMEOUT_MAX_MEDIA_SECONDS),
               TIMEOUT_PER_MB * (size or 0) / 1e6)


def _timeout_error(timeout: float) -> InputError:
    return InputError(f"ffmpeg did not finish within {timeout:.3g} s and was stopped "
                      f"(set {TIMEOUT_ENV} to allow longer)")


def input_url(path: str | os.PathLike[str]) -> str:
    """An ffmpeg input for a local file that no path can turn into an option or a URL."""
    return "file:" + os.path.abspath(os.fspath(path))


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


@contextmanager
def popen(args: Sequence[str], *, pass_fds: Sequence[int] = (),
          timeout: float | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Start ffmpeg (``args`` without the binary) with stdout/stderr piped, in its own process group.

    The process is killed with its children if the block exits early or raises (KeyboardInterrupt included),
    and when it is still running ``timeout`` seconds after the start (default: ``timeout_for()``); the block
    then sees its pipes close, and leaving it raises ``InputError``.
    """
    limit = timeout_for() if timeout is None else timeout
    argv = [ffmpeg_exe(), "-nostdin", "-hide_banner", *args]
    log.debug("run %s", argv)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=tuple(pass_fds),
            env=_env(),
        )
    except OSError as exc:
        raise DependencyError(f"cannot run ffmpeg ({argv[0]}): {exc}") from exc
    expired = threading.Event()

    def on_deadline() -> None:
        if proc.poll() is None:
            expired.set()
            _kill(proc)

    watchdog = threading.Timer(limit, on_deadline)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield proc
    except subprocess.TimeoutExpired as exc:  # the caller's own wait ran out before the watchdog fired
        raise _timeout_error(limit) from exc
    finally:
        watchdog.cancel()
        _kill(proc)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    if expired.is_set():
        raise _timeout_error(limit)


def run(args: Sequence[str], *, timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg to completion; raises InputError on timeout (default ``timeout_for()``). The caller inspects
    the return code."""
    timeout = timeout_for() if timeout is None else timeout
    argv = [ffmpeg_exe(), "-nostdin", "-hide_banner", *args]
    log.debug("run %s", argv)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=_env(),
        )
    except OSError as exc:
        raise DependencyError(f"cannot run ffmpeg ({argv[0]}): {exc}") from exc
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill(proc)
        raise _timeout_error(timeout) from exc
    except BaseException:
        _kill(proc)
        raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def last_error_line(stderr: bytes | str) -> str:
    """The most useful line of ffmpeg's stderr for a one-line error message."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and "showinfo" not in ln]
    for ln in reversed(lines):
        if "Invalid data" in ln or "moov atom not found" in ln or "No such file" in ln:
            return re.sub(r"^(?:\[[^\]]*\]\s*)+", "", ln)
    return re.sub(r"^(?:\[[^\]]*\]\s*)+", "", lines[-1]) if lines else "ffmpeg failed"


__all__ = [
    "DEFAULT_TIMEOUT_S",
    "ENV_VAR",
    "AV_TIMEOUT_S",
    "LIMITS_MESSAGE",
    "DEFAULT_MAX_PIXELS",
    "MAX_PIXELS_ENV",
    "MAX_STREAMS",
    "SAFE_INPUT_OPTIONS",
    "REFERENCING_DEMUXERS",
    "TIMEOUT_ENV",
    "allowed_demuxers",
    "av_open",
    "av_open_options",
    "limit_options",
    "perspective_corners",
    "limits_error",
    "max_pixels",
    "too_big",
    "ffmpeg_exe",
    "ffmpeg_version",
    "input_url",
    "last_error_line",
    "popen",
    "reformat",
    "run",
    "run_python",
    "set_ffmpeg",
    "timeout_for",
    "tune_allocator",
]
