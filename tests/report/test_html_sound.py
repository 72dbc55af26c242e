"""The sound on the HTML timeline: shared, replaced and silent stretches drawn as a thin lane per side."""

from __future__ import annotations

import re
from pathlib import Path

from vidverify.match.verdict import match_fingerprints
from vidverify.pipeline.ingest import fingerprint
from vidverify.report import html


def _lanes(page: str) -> list[str]:
    return re.findall(r'<rect class="sound (\w+)"', page)


def test_the_timeline_shows_matched_replaced_and_silent_sound(sound_media: dict[str, Path]) -> None:
    a = fingerprint(sound_media["a"])
    same = html.render_compare(match_fingerprints(a, fingerprint(sound_media["reencode"])))
    assert _lanes(same).count("matched") >= 2 and "replaced" not in _lanes(same)  # one per side at least
    assert "the same sound" in same
    replaced = html.render_compare(match_fingerprints(a, fingerprint(sound_media["replaced"])))
    assert "replaced" in _lanes(replaced) and "matched" not in _lanes(replaced)
    assert "same picture, other sound" in replaced
    removed = html.render_compare(match_fingerprints(a, fingerprint(sound_media["removed"])))
    assert _lanes(removed).count("silent") == 1 and "no sound track" in removed
