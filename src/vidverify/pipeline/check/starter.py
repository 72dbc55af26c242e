"""A starter manifest for a folder (``vidverify check --init``): what ``check`` would pass on as it is now."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..._version import __version__
from ...errors import InputError, NoInputError, UsageError
from ...media import files
from ...media.claims import SIDECAR_SUFFIX, read_claims_file
from ...models import InitResult
from ..scanning import ScanOptions, scan
from .manifest import DEFAULT_MANIFEST, MANIFEST_SCHEMA, ManifestError, archive_files

CLAIMS_SUFFIXES = (".yaml", ".yml", ".json")
INTACT = ("valid", "untrusted")  # credential states whose manifest is whole (check's ``credentials: present``)


def _q(s: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(s, ensure_ascii=False)


def documents_of(folder: str, manifest: str) -> list[str]:
    """The files under ``folder`` that findings rest on besides the media: yt-dlp sidecars, and claims files
    (YAML/JSON that ``read_claims_file`` accepts, with at least one claim)."""
    _media, sidecars = archive_files(folder, manifest)
    found, _errors = files.discover([folder], extensions=frozenset(CLAIMS_SUFFIXES))
    claims = []
    for p in found:
        if p.lower().endswith(SIDECAR_SUFFIX) or os.path.normpath(p) == os.path.normpath(manifest):
            continue
        try:
            if read_claims_file(p):
                claims.append(p)
        except InputError:
            continue  # not a claims file: some other document
    return sorted(sidecars + claims)


def init_manifest(folder: str | os.PathLike[str], *, fail_on: str = "error", jobs: int = 1, pictures: bool = True,
                  progress: Callable[[str, int, int], None] | None = None) -> InitResult:
    """Write ``FOLDER/vidverify.yaml``: every media file under the folder with its sha256, the same-footage
    groups a scan finds (each member ``same-footage-as`` its group's reference), ``credentials: present`` on each
    file that carries intact C2PA content credentials, and the findings at or above
    ``fail_on`` as ``expected-findings`` (the baseline), so that ``check`` passes on the folder as it is now.
    The sidecars and claims files under the folder are listed under ``documents`` with their sha256. Never
    overwrites an existing manifest (``ManifestError``); a folder that cannot be written is an ``OutputError`` and
    one with no media file a ``NoInputError``, both before any file is read."""
    d = os.fspath(folder)
    if not os.path.isdir(d):
        raise UsageError(f"--init {d}: not a folder")
    target = Path(d) / DEFAULT_MANIFEST
    if os.path.lexists(target):
        raise ManifestError("already exists: not overwritten (edit it, or remove it first)",
                            path=str(target))
    files.check_writable_folder("--init", d)
    if not archive_files(d)[0]:
        raise NoInputError(f"--init {d}: no media file in this folder (nothing to list)")
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
        if i.credentials is not None and i.credentials.state in INTACT:
            # present, not valid: whether the signer is trusted depends on the anchors the check is given
            out.append("    credentials: present   # it carries intact C2PA content credentials: they must stay")
    docs = []
    for p in documents_of(d, str(target)):
        try:
            docs.append((Path(os.path.relpath(p, d)).as_posix(), files.sha256_file(p)))
        except OSError:
            continue  # unreadable: the check will report it as unlisted
    if docs:
        out.append("# Sidecars and claims files the findings rest on: hashed like the media.")
        out.append("documents:")
        for rel_path, sha in docs:
            out.append(f"  - path: {_q(rel_path)}")
            out.append(f"    sha256: {_q(sha)}")
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
        "  unlisted: fail   # a media file or sidecar added to the folder later fails the check (or: ignore)",
        "",
    ]
    try:
        files.write_new(target, "\n".join(out))
    except FileExistsError as exc:
        raise ManifestError("already exists: not overwritten", path=str(target)) from exc
    return InitResult(str(target), tuple(rel[i.path] for i in listed), len(result.groups), len(baseline),
                      {rel.get(p, p): why for p, why in result.errors.items()}, tuple(r for r, _sha in docs))


__all__ = ["init_manifest"]
