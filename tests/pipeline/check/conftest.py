from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vidverify.models import ScanResult
from vidverify.pipeline.scanning import ScanOptions


@pytest.fixture()
def case_copy(case: Path, tmp_path: Path) -> Path:
    """The demo case copied to ``tmp_path/case``: a check's manifest lies in a folder above its files, and the
    shared case (``case``) must stay as built."""
    return Path(shutil.copytree(case, tmp_path / "case"))


@pytest.fixture()
def scans(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], ScanOptions, ScanResult]]:
    """check's scan, run once per distinct (paths, options) within a test: a second check of the same unchanged
    files with the same options takes the first one's scan (check's own hashing before and after still runs; what
    these tests test is check, and a scan of the same files is the same scan). Returns the scans that ran."""
    from vidverify.pipeline.check import cases as cases_mod

    real: Callable[..., ScanResult] = cases_mod.scan
    ran: list[tuple[list[str], ScanOptions, ScanResult]] = []

    def once(paths: Any, *, options: ScanOptions | None = None, **kwargs: Any) -> ScanResult:
        for p, o, r in ran:
            if p == list(paths) and o == options:
                return r
        result = real(paths, options=options, **kwargs)
        ran.append((list(paths), options or ScanOptions(), result))
        return result

    monkeypatch.setattr(cases_mod, "scan", once)
    return ran
