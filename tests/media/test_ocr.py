"""media/ocr.py: clock text parsing always; with the [ocr] extra installed, a clock burnt in with ffmpeg's
drawtext is found and read frame by frame (skipped without it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidverify.media import ocr, stills
from vidverify.testing import synth
from vidverify.testing.continuity import burn_clock


def test_clock_seconds_parses_times_of_day_and_timecodes() -> None:
    assert ocr.clock_seconds("13:05:07.200") == pytest.approx(47107.2)
    assert ocr.clock_seconds("CAM 2  2026-03-14 08:15:02") == 8 * 3600 + 15 * 60 + 2
    assert ocr.clock_seconds("01.02.03") == 3723
    assert ocr.clock_seconds("12:75:00") is None and ocr.clock_seconds("no time") is None


def test_a_clock_that_shows_a_date_year_first_is_read_as_a_local_time() -> None:
    assert ocr.clock_datetime("2026-03-14 09:26:53") == "2026-03-14T09:26:53"
    assert ocr.clock_datetime("2026-03-1409:26:53") == "2026-03-14T09:26:53"  # the space OCR drops
    assert ocr.clock_seconds("2026-03-1409:26:53") == 9 * 3600 + 26 * 60 + 53
    assert ocr.clock_datetime("CAM1 2026/3/04 23:59:59.5") == "2026-03-04T23:59:59.500"
    assert ocr.clock_datetime("09:26:53") is None and ocr.clock_datetime("2026-13-01 01:00:00") is None
    assert ocr.clock_datetime("14/03/2026 09:26:53") is None  # day or month first: not guessed


def test_without_the_extra_it_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "rapidocr_onnxruntime", None)
    assert "pip install 'vidverify[ocr]'" in (ocr.unavailable() or "")


def test_a_burnt_in_clock_is_found_and_read(tmp_path: Path) -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    src = synth.make_scene(tmp_path / "s.mp4", seconds=3, size=(480, 270), fps=25, seed=2, audio=False)
    clip = burn_clock(src, tmp_path / "clock.mp4", start=9 * 3600 + 59 * 60 + 58.5)
    times = [0.0, 1.0, 2.0]
    frames = [img for _, img in stills.each_frame(clip, times, width=None)]
    box = ocr.find_clock(frames)
    assert box is not None and box[0] < 100 and box[1] < 60  # drawn at the top left
    read = [ocr.clock_seconds(t) for t in ocr.read_box(frames, box)]
    assert read == [pytest.approx(9 * 3600 + 59 * 60 + 58.5 + t, abs=0.001) for t in times]
