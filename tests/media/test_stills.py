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
