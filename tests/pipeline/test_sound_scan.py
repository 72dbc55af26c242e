"""Sound in scan: files that share only their sound are grouped, marked as matched by sound, and reported
(``audio-reused``); a member with other sound over the reference's picture is ``audio-replaced``; clean copies
raise neither."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vidverify.evidence import codes
from vidverify.pipeline.scanning import ScanOptions, scan
from vidverify.report import html_scan


def _folder(tmp_path: Path, sound_media: dict[str, Path], names: list[str]) -> Path:
    d = tmp_path / "uploads"
    d.mkdir()
    for n in names:
        shutil.copy(sound_media[n], d / sound_media[n].name)
    return d


def test_scan_groups_by_sound_and_reports_reused_and_replaced_sound(tmp_path: Path,
                                                                    sound_media: dict[str, Path]) -> None:
    d = _folder(tmp_path, sound_media, ["a", "lifted", "replaced", "reencode", "short"])
    r = scan([d], options=ScanOptions(pictures=False))
    name = {str(d / sound_media[n].name): n for n in ("a", "lifted", "replaced", "reencode", "short")}
    [group] = r.groups
    assert {name[p] for p in group.members} == {"a", "lifted", "replaced", "reencode", "short"}
    assert {name[p]: how for p, how in group.matched_by.items()} == {
        "a": "picture", "replaced": "picture", "reencode": "picture", "short": "picture", "lifted": "sound"}
    # "lifted" is other footage under A's sound: it shares sound, and no picture, with each copy of A's sound
    reused = sorted(sorted(name[p] for p in f.paths) for f in r.findings if f.code == codes.AUDIO_REUSED)
    assert reused == [["a", "lifted"], ["lifted", "reencode"], ["lifted", "short"]]
    replaced = [f for f in r.findings if f.code == codes.AUDIO_REPLACED]
    assert [[name[p] for p in f.paths] for f in replaced] == [["replaced"]]
    # the reference is a version of the footage, chosen among the files that share picture: the member that shares
    # only sound comes last and does not count against the reference's completeness
    assert name[group.reference] != "lifted" and name[group.members[-1]] == "lifted"
    assert "completeness 100%" in group.reason
    page = html_scan.render_scan(r, thumbs={})  # the page marks the member that shares only its sound
    assert page.count("matched by sound only") == 1 and 'class="sound replaced"' in page
    assert "4 files of the same footage and 1 sharing only its sound" in page
    # the sound-only member is no evidence about the footage's dates
    assert not any(name.get(p) == "lifted" for f in r.findings if f.code not in (codes.AUDIO_REUSED,)
                   for p in f.paths if f.code in (codes.RECYCLED_FOOTAGE, codes.CAPTURE_TIME_MISMATCH))


def test_clean_copies_raise_no_sound_finding(tmp_path: Path, sound_media: dict[str, Path]) -> None:
    d = _folder(tmp_path, sound_media, ["a", "reencode", "mono8k", "surround", "unrelated"])
    r = scan([d], options=ScanOptions(pictures=False))
    assert not [f for f in r.findings if f.code in (codes.AUDIO_REUSED, codes.AUDIO_REPLACED)]
    assert all(how == "picture" for g in r.groups for how in g.matched_by.values())
    assert str(d / sound_media["unrelated"].name) in r.singles


def test_search_reports_hits_by_sound_alone(tmp_path: Path, sound_media: dict[str, Path]) -> None:
    from vidverify.pipeline.index.search import Index
    from vidverify.pipeline.ingest import add_paths, fingerprint

    with Index(tmp_path / "index.db") as index:
        add_paths(index, [sound_media["a"], sound_media["unrelated"]])
        hits = index.search(fingerprint(sound_media["lifted"]))  # other footage under A's sound
        by_path = {Path(h.path).name: h for h in hits}
        assert set(by_path) == {"a.mp4", "unrelated.mp4"}  # the picture's twin, and A by its sound
        assert by_path["a.mp4"].matched_by == "sound" and by_path["a.mp4"].verdict == "unrelated"
        assert by_path["a.mp4"].audio is not None and by_path["a.mp4"].audio.verdict == "same"
        assert by_path["unrelated.mp4"].matched_by == "picture"
        plain = index.search(fingerprint(sound_media["reencode"]))
        assert [(Path(h.path).name, h.matched_by) for h in plain] == [("a.mp4", "picture")]


def test_a_scan_too_large_for_all_pairs_still_groups_by_sound(tmp_path: Path, sound_media: dict[str, Path],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: above ALL_PAIRS_MAX files the picture's banded index picked the pairs and a file that shares
    only its sound was left single; the sound's table of steps now adds its pairs."""
    from vidverify.pipeline import scanning

    names = ["a", "reencode", "lifted"]
    d = _folder(tmp_path, sound_media, names)
    monkeypatch.setattr(scanning, "ALL_PAIRS_MAX", 2)
    r = scan([d], options=ScanOptions(pictures=False))
    name = {str(d / sound_media[n].name): n for n in names}
    [group] = r.groups
    assert {name[p]: how for p, how in group.matched_by.items()} == {
        "a": "picture", "reencode": "picture", "lifted": "sound"}
    reused = sorted(sorted(name[p] for p in f.paths) for f in r.findings if f.code == codes.AUDIO_REUSED)
    assert reused == [["a", "lifted"], ["lifted", "reencode"]]
