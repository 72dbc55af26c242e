"""Helpers of the check tests: the example manifest with this build's hashes, manifests written in a test's
folder, and the command line run in-process."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests import ROOT
from vidverify.cli import main as cli
from vidverify.models import CheckCase

EXAMPLE = ROOT / "examples" / "manifest.example.yaml"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def example_text(case: Path) -> str:
    """examples/manifest.example.yaml as it is: its hashes are those of every build of the demo case (the generator
    is deterministic), so it holds on the case the tests build, as it does right after ``./run demo``."""
    assert case.name == "case"
    return EXAMPLE.read_text(encoding="utf-8")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def entry(path: str, digest: str, **more: Any) -> dict[str, Any]:
    return {"path": path, "sha256": digest, **more}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def by_kind(cases: list[dict[str, Any]] | tuple[CheckCase, ...]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for c in cases:
        kind = c["kind"] if isinstance(c, dict) else c.kind
        out.setdefault(kind, []).append(c)
    return out
