"""The README's Python example runs as written (on generated media)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests import ROOT
from vidverify.testing import synth

README = ROOT / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_quick_start_with_two_commands() -> None:
    text = README.read_text()
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", text, flags=re.S)
    assert block is not None
    commands = [ln.split("#")[0].strip() for ln in block.group(1).splitlines() if ln.split("#")[0].strip()]
    assert commands == ["./run demo", "./run test"]


def test_readme_python_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = synth.make_scene(tmp_path / "original.mp4", seconds=4, size=(320, 180), seed=3, audio=False)
    synth.trim(original, tmp_path / "upload.mp4", 1.0, 3.0)
    (block,) = python_blocks()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(block, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "same-footage" in out
    assert "trim" in out
