"""report/human.py: numbers as people write them (spans of time, file sizes, picture sizes, regions, times, edits)."""

from __future__ import annotations

from datetime import datetime

import pytest

from vidverify.models import Edit
from vidverify.report import human


@pytest.mark.parametrize(("a", "b", "text"), [
    ("2019-06-20T10:00:00Z", "2026-03-14T13:26:53Z", "6.7 years"),  # an old clip passed off as new
    ("2026-03-10T18:40:00Z", "2026-03-14T09:26:53-04:00", "3.8 days"),  # the demo's upload before the capture
    ("2026-03-14T09:26:53-04:00", "2026-03-14T15:02:11Z", "1.6 hours"),
    ("2026-03-14T09:26:53-04:00", "2026-03-14T09:32:23-04:00", "5.5 min"),
    ("2026-01-01T00:00:00Z", "2026-05-02T00:00:00Z", "4 months"),
    ("2026-03-14T09:00:00Z", "2026-03-14T09:00:12.5Z", "12.5 s"),
])
def test_a_span_between_two_times_reads_as_people_say_it(a: str, b: str, text: str) -> None:
    ta, tb = human.instant(a), human.instant(b)
    assert ta is not None and tb is not None
    seconds = (tb - ta).total_seconds()
    assert human.duration_text(seconds) == text
    assert human.duration_text(-seconds) == text  # before/after is said in words, not by a sign


def test_sizes_regions_and_times() -> None:
    assert human.size_text(4_186_416) == "4.2 MB" and human.size_text(999) == "999 bytes"
    assert human.size_text(1_028_528) == "1.0 MB" and human.size_text(1) == "1 byte"
    assert human.resize_text([854, 480], [640, 360]) == "854x480 -> 640x360"
    assert human.box_text([436, 0, 407, 720]) == "407x720 at x=436, y=0"
    assert human.distance_text(5_425_987.7) == "5,426 km" and human.distance_text(350) == "350 m"
    # every second (and a fraction) of a time is kept; its own wall clock and zone
    assert human.time_text("2026-03-14T09:26:53-04:00") == "14 Mar 2026 09:26:53 UTC-04:00"
    assert human.time_text("2026-03-10T18:40:00.25Z") == "10 Mar 2026 18:40:00.25 UTC"
    assert human.time_text("2026-03-14T09:26:53") == "14 Mar 2026 09:26:53 (zone unknown)"
    assert human.time_text("2026-03-19") == "19 Mar 2026"
    assert human.time_text("not a time") == "not a time"
    # a date alone sorts at its midnight UTC; a time of unknown zone as if UTC
    assert human.instant("2026-03-19") == datetime.fromisoformat("2026-03-19T00:00:00+00:00")


def test_edits_in_words() -> None:
    assert human.edit_text(Edit("scale", detail={"a_size": [854, 480], "b_size": [640, 360]})) == "854x480 -> 640x360"
    crop = Edit("crop", 0, 12, 0, 12, {"region": [436, 0, 407, 720], "of": "a", "kept_area": 0.319})
    assert human.edit_text(crop) == "keeps 407x720 at x=436, y=0 of A (32% of the picture)"
    overlay = Edit("overlay", 0, 12, 0, 12, {"box": [0, 151, 720, 206], "share_of_frame": 0.161})
    assert human.edit_text(overlay) == "box 720x206 at x=0, y=151 in B (16% of the frame)"
    assert human.edit_text(Edit("cut", 5.0, 7.0, 5.0, 5.0)) == "2 s missing (A 5.00-7.00 s)"
    # speed is B's seconds per second of A: 0.502 is A's footage played about twice as fast (it read "0.502x")
    assert human.edit_text(Edit("speed", 6.0, 12.0, 6.0, 9.01, {"speed": 0.502})) == "played at 1.99× (faster)"
    assert human.edit_text(Edit("speed", 0, 4, 0, 1, {"speed": 0.25})) == "played at 4× (faster)"
    assert human.edit_text(Edit("speed", 0, 2, 0, 4, {"speed": 2.0})) == "played at 0.5× (slower)"
    assert human.rate_text(1.0) == human.rate_text(1.002) == "1×"
    # a turn found by features says its direction, and its degrees without the sign that direction gives
    turned = Edit("rotate", 0, 12, 0, 12, {"degrees": -2.3, "direction": "clockwise"})
    assert human.edit_text(turned) == "rotated 2.3° clockwise"
    corners = [[173, 58], [748, 82], [88, 405], [738, 437]]
    refilm = Edit("pad", 0, 12, 0, 12, {"bars": {"left": 88, "right": 106, "top": 57, "bottom": 43},
                                         "surround": "canvas", "corners": corners})
    assert human.edit_text(refilm) == "inside a canvas (left 88, right 106, top 57, bottom 43 px), seen at an angle: " \
        "straightened through its corners"
    assert human.edit_text(Edit("novel", detail={"some_value": 1.5})) == "some value 1.5"  # unknown: as it is
