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
