"""media/stills.py: thumbnails are small JPEGs of the asked times, one per distinct (file, time); a time or file
that cannot be read is left out."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vidverify.media.stills import thumbnails


def test_thumbnails_are_small_jpegs(small: dict[str, Path]) -> None:
    a = str(small["x"])  # 4 s, 320x180
    got = thumbnails([(a, 0.5), (a, 2.25), (a, 0.5), (str(small["x"].parent / "nope.mp4"), 1.0)])
    assert set(got) == {(a, 0.5), (a, 2.25)}
    for data in got.values():
        assert data[:2] == b"\xff\xd8" and len(data) < 30_000
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and img.shape[1] == 160 and img.shape[0] == 90
    assert got[(a, 0.5)] != got[(a, 2.25)]


def test_frames_and_thumbnails_of_an_anamorphic_clip_are_at_its_display_aspect(small: dict[str, Path],
                                                                               tmp_path: Path) -> None:
    """A clip stored 320x180 with 2:1 pixels is shown 640x180: its thumbnails (the HTML report's strips and
    posters) and the frames compared for picture edits were squeezed to half their width."""
    from vidverify.media.stills import grab_frames
    from vidverify.testing import synth

    wide = str(synth._edit(small["x"], tmp_path / "anamorphic.mp4", "setsar=2", what="anamorphic"))
    [frame] = grab_frames(wide, [1.0], width=320)
    assert frame is not None and frame.shape[:2] == (90, 320)  # 640x180 shown at 320 wide
    [data] = thumbnails([(wide, 1.0)]).values()
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape[:2] == (44, 160)  # 160 wide, 45 rounded to even


def _grab_small(path: str) -> int:
    from vidverify.media.stills import grab_frames

    frame = grab_frames(path, [0.5], width=200)[0]
    return 0 if frame is None else frame.shape[1]


def test_frames_are_grabbed_in_a_forked_worker_after_the_parent_grabbed_some(tmp_path: Path) -> None:
    """PyAV 18.1.1 keeps one scaler per thread for the process's life, and the scaler started threads of its own:
    a worker forked after the parent had scaled a frame (a scan's with --jobs 2, after a report's thumbnails)
    inherited the scaler without its threads, and its next re-scale to another size waited on them forever (CI
    hung). Frames are scaled on one thread."""
    from tests.fixtures import make_fixtures
    from vidverify.media.stills import grab_frames
    from vidverify.pipeline import workers

    clip = make_fixtures.clip(tmp_path / "big.mp4", seconds=1, size="1280x720", src="testsrc2")
    first = grab_frames(clip, [0.2], width=384)[0]
    assert first is not None and first.shape[1] == 384
    pool = workers.pool(2)
    try:
        widths = [f.result(timeout=60) for f in [pool.submit(_grab_small, str(clip)) for _ in range(2)]]
    finally:
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)
    assert widths == [200, 200]
