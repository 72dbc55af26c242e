"""The sound on the command line: compare's ``audio`` object and sound edits in the JSON, a ``sound`` line in
the text (the process as users run it)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import EXIT_OK, vidverify_cli
from tests.fixtures.sound import LATE


def test_compare_json_has_the_audio_object_and_sound_edits(sound_media: dict[str, Path]) -> None:
    proc = vidverify_cli("compare", str(sound_media["a"]), str(sound_media["late"]), "--json")
    assert proc.returncode == EXIT_OK, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["verdict"] == "same-footage"
    audio = doc["audio"]
    assert audio["verdict"] == "same" and abs(audio["offset"] - LATE) <= 0.05
    assert {"a_start", "a_end", "b_start", "b_end"} <= set(audio["segments"][0])
    assert [e["type"] for e in doc["edits"] if e["type"].startswith("audio-")] == ["audio-offset"]


def test_compare_text_says_what_the_sound_shows(sound_media: dict[str, Path]) -> None:
    proc = vidverify_cli("compare", str(sound_media["a"]), str(sound_media["lifted"]))
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "unrelated" in proc.stdout
    assert "the same sound" in proc.stdout  # only the sound is shared
    replaced = vidverify_cli("compare", str(sound_media["a"]), str(sound_media["replaced"]))
    assert "audio-replaced" in replaced.stdout and "different sound" in replaced.stdout
