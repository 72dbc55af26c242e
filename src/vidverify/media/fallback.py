"""The fallback reader: MediaInfo (pymediainfo, which bundles libmediainfo) for what libavformat cannot open and
for header fields it does not expose.

Chosen by measurement (benchmarks/bench_fallback.py: 24 generated files in 8 containers, whole, cut at 30% and
header-only): MediaInfo opened 24 and gave date/size/duration 18/22/18, against PyAV's 21 opened and 15/21/14
and hachoir's 10 opened and 1/4/4. It reads the DV recording date (DV packs), the header durations of cut ASF,
Matroska and DV files, and files whose index libavformat refuses.

Used by probe only where it adds something: when libavformat cannot open the file, when the file is cut short
(the header's duration), and for containers whose dates libavformat does not expose (DV). Each value keeps
``MediaInfo`` in its source name. Bounded like the other readers: files larger than MAX_BYTES are not given to
it on the fallback path (it reads the headers; a damaged multi-GB file would be parsed in process), and any
error is an entry in ``errors``, never an exception.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from .collector import _Collector
from .ffmpeg import run_python

log = logging.getLogger("vidverify")

MAX_BYTES = 4 * 2**30  # larger files are not parsed by MediaInfo in process
PARSE_SPEED = 0.5  # MediaInfo's own default: headers and a sample of the data, not the whole file
_DATE_KEYS = ("recorded_date", "encoded_date", "tagged_date", "mastered_date")
_REFERENCING = (b"#EXTM3U", b"ffconcat", b"<?xml", b"[playlist]", b"<smil", b"<MPD")
TIMEOUT_S = 10.0  # seconds MediaInfo may take on one file (it reads headers: well under one second normally)
_HELPER = ("import json, sys\nfrom pymediainfo import MediaInfo\n"
           "mi = MediaInfo.parse(sys.argv[1], parse_speed=float(sys.argv[2]))\n"
           "print(json.dumps([t.to_data() for t in mi.tracks], default=str))\n")


def available() -> bool:
    try:
        from pymediainfo import MediaInfo

        return bool(MediaInfo.can_parse())
    except Exception:  # not installed, or its library cannot load here
        return False


def _iso(value: str) -> str:
    """MediaInfo's ``2021-05-06 07:08:09 UTC`` / ``2021-05-06 07:08:09.000`` as ISO 8601."""
    text = value.strip()
    utc = text.endswith(" UTC")
    text = text.removesuffix(" UTC").replace(" ", "T", 1)
    if text.startswith("UTC "):
        text, utc = text[4:].replace(" ", "T", 1), True
    return text + ("Z" if utc and not text.endswith("Z") else "")


def tracks(path: str) -> list[dict[str, Any]]:
    """MediaInfo's tracks of ``path`` (``track_type`` and its fields), [] when it cannot read it or does not finish
    within TIMEOUT_S (it runs in a helper process: a playlist naming a FIFO made it block forever in process)."""
    if os.path.getsize(path) > MAX_BYTES:
        return []
    with open(path, "rb") as fh:
        if fh.read(16).lstrip().startswith(_REFERENCING):  # playlists name other files: never followed
            return []
    out = run_python(_HELPER, os.path.abspath(path), str(PARSE_SPEED), timeout=TIMEOUT_S)
    if out is None:
        return []
    found = json.loads(out)
    return [t for t in found if isinstance(t, dict)] if isinstance(found, list) else []


def read(c: _Collector, *, opened: bool) -> None:
    """Add MediaInfo's facts to ``c``: times always (each a new field), stream facts only where libavformat gave
    none (``opened`` False: it could not open the file)."""
    try:
        found = tracks(c.path)
    except Exception as exc:  # missing library or a file it chokes on: the other readers' facts stand
        log.debug("MediaInfo failed on %s: %s", c.path, exc)
        return
    general = next((t for t in found if t.get("track_type") == "General"), {})
    video = next((t for t in found if t.get("track_type") == "Video"), None)
    audio = next((t for t in found if t.get("track_type") == "Audio"), None)
    for t in (general, video or {}):
        for key in _DATE_KEYS:
            if isinstance(t.get(key), str):
                c.time(f"MediaInfo {t.get('track_type', '')} {key}", _iso(t[key]))
    if general.get("duration"):
        c.fields["header_duration"] = float(general["duration"]) / 1000
    if opened:
        return
    f = c.fields
    f["container"] = f["format_name"] = str(general.get("format") or "unknown").lower()
    if f.get("header_duration"):
        f["duration"] = f["header_duration"]
    if video is not None:
        f["has_video"] = True
        f["video_codec"] = str(video.get("format") or "").lower() or None
        if video.get("width") and video.get("height"):
            f["coded_width"], f["coded_height"] = int(video["width"]), int(video["height"])
        try:
            f["fps"] = round(float(video.get("frame_rate") or 0), 3) or None
            f["frame_count"] = int(video["frame_count"]) if video.get("frame_count") else None
        except ValueError:
            pass
    if audio is not None:
        f["has_audio"] = True
        f["audio_codec"] = str(audio.get("format") or "").lower() or None
    if video is not None or audio is not None:
        c.errors.append("libavformat cannot open it: read from its headers by MediaInfo (no frame decoded)")


__all__ = ["MAX_BYTES", "available", "read", "tracks"]
