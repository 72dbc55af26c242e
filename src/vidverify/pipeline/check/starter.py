"""A starter manifest for a folder (``vidverify check --init``): what ``check`` would pass on as it is now."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..._version import __version__
from ...errors import UsageError
from ...media import files
from ...models import InitResult
from ..scanning import ScanOptions, scan
from .manifest import DEFAULT_MANIFEST, MANIFEST_SCHEMA, ManifestError


def _q(s: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(s, ensure_ascii=False)


def init_manifest(folder: str | os.PathLike[str], *, fail_on: str = "error", jobs: int = 1, pictures: bool = True,
                  progress: Callable[[str, int, int], None] | None = None) -> InitResult:
    """Write ``FOLDER/vidverify.yaml``: every media file under the folder with its sha256, the same-footage
    groups a scan finds (each member ``same-footage-as`` its group's reference), and the findings at or above
    ``fail_on`` as ``expected-findings`` (the baseline), so that ``check`` passes on the folder as it is now.
    Never overwrites an existing manifest (``ManifestError``)."""
    d = os.fspath(folder)
    if not os.path.isdir(d):
        raise UsageError(f"--init {d}: not a folder")
    target = Path(d) / DEFAULT_MANIFEST
    if os.path.lexists(target):
        raise ManifestError("already exists: not overwritten (edit it, or remove it first)",
                            path=str(target))
    result = scan([d], options=ScanOptions(jobs=jobs, pictures=pictures), progress=progress)
    rel = {i.path: Path(os.path.relpath(i.path, d)).as_posix() for i in result.files}
    listed = [i for i in result.files if i.path not in result.errors and i.sha256 and i.kind in ("video", "image")]
    listed.sort(key=lambda i: rel[i.path])
    listed_paths = {i.path for i in listed}
    ref_of = {p: g.reference for g in result.groups for p in g.members if p != g.reference}
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = [
        f"# vidverify evidence manifest ({MANIFEST_SCHEMA}), written by `vidverify check --init` {__version__} "
        f"at {now}.",
        "# Paths are relative to this file's folder. Check the archive with:  vidverify check vidverify.yaml",
        "# Add claims per file (claims: {time: ..., place: ...}) and relations (same-footage-as, independent-of).",
        "version: 1",
        "files:",
    ]
    for i in listed:
        out.append(f"  - path: {_q(rel[i.path])}")
        out.append(f"    sha256: {_q(i.sha256 or '')}")
        if i.path in ref_of and ref_of[i.path] in listed_paths:
            out.append(f"    same-footage-as: [{_q(rel[ref_of[i.path]])}]")
    baseline: list[tuple[str, tuple[str, ...], str]] = []
    if fail_on != "never":
        for f in result.findings_at_or_above(fail_on):
            key = (f.code, tuple(rel[p] for p in f.paths if p in listed_paths), f.severity)
            if key not in baseline:
                baseline.append(key)
    if baseline:
        out.append("# Findings raised when this manifest was written: known and accepted. Each must still be raised;")
        out.append("# remove an entry to make its finding fail the check again.")
        out.append("expected-findings:")
        for code, paths, sev in baseline:
            out.append(f"  - code: {code}")
            if paths:
                out.append(f"    files: [{', '.join(_q(p) for p in paths)}]")
            out.append(f"    severity: {sev}")
    out += [
        "policy:",
        f"  fail-on: {fail_on}",
        "  # allowed-writers: [camera, apple]",
        "  # tolerances: {clock-tolerance-s: 120, claim-tolerance-s: 86400, place-tolerance-m: 5000}",
        "",
    ]
    try:
        files.write_new(target, "\n".join(out))
    except FileExistsError as exc:
        raise ManifestError("already exists: not overwritten", path=str(target)) from exc
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return InitResult(str(target), tuple(rel[i.path] for i in listed), len(result.groups), len(baseline),
                      {rel.get(p, p): why for p, why in result.errors.items()})


__all__ = ["init_manifest"]
