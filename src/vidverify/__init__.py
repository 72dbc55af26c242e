"""vidverify: verify video evidence locally.

Which uploads show the same footage, where exactly, how each was edited, and what their metadata says.

    >>> import vidverify
    >>> info = vidverify.probe("clip.mp4")               # doctest: +SKIP
    >>> fp = vidverify.fingerprint("clip.mp4")           # doctest: +SKIP
    >>> m = vidverify.compare("clip.mp4", "upload.mp4")  # doctest: +SKIP
    >>> result = vidverify.scan(["downloads/"])          # doctest: +SKIP
    >>> report = vidverify.check("evidence/vidverify.yaml")  # doctest: +SKIP
    >>> stills = vidverify.examine_frames("clip.mp4", "stills/")  # doctest: +SKIP

This is the package face: every public name, imported when first used (``vidverify hash`` needs none of
compare, scan or check). The layout behind it is in docs/architecture.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import VidverifyError

if TYPE_CHECKING:
    from .evidence.codes import CATALOGUE as FINDING_CODES
    from .evidence.timeline import Policy
    from .media.claims import read_claims_file, user_claims
    from .media.ffmpeg import set_ffmpeg, tune_allocator
    from .media.files import check_output_target, check_writable_folder
    from .media.fingerprint_file import load as load_fingerprint
    from .media.fingerprint_file import save as save_fingerprint
    from .media.formats.c2pa import set_trust_anchors
    from .media.probe import probe
    from .models import (
        AddResult,
        CheckResult,
        Claims,
        Credentials,
        Edit,
        Finding,
        FramesResult,
        Group,
        Match,
        MediaInfo,
        ScanResult,
        SearchResult,
        Segment,
    )
    from .pipeline.check.cases import check, check_page
    from .pipeline.check.starter import init_manifest
    from .pipeline.comparison import compare, compare_page
    from .pipeline.frames import examine_frames
    from .pipeline.index.search import Index
    from .pipeline.ingest import add_paths, fingerprint, load_or_compute, probe_paths
    from .pipeline.scanning import ScanOptions, scan, scan_page
    from .pipeline.workers import cores_restored, decoder_jobs, default_jobs, limit_cores
    from .signals.fingerprint import Fingerprint

# public name -> (module, attribute)
_LAZY: dict[str, tuple[str, str]] = {
    **{n: (".media.probe", n) for n in ("probe",)},
    **{n: (".pipeline.ingest", n) for n in ("fingerprint", "load_or_compute", "add_paths", "probe_paths")},
    "load_fingerprint": (".media.fingerprint_file", "load"),
    "set_trust_anchors": (".media.formats.c2pa", "set_trust_anchors"),
    "save_fingerprint": (".media.fingerprint_file", "save"),
    **{n: (".pipeline.comparison", n) for n in ("compare", "compare_page")},
    **{n: (".pipeline.scanning", n) for n in ("scan", "scan_page", "ScanOptions")},
    **{n: (".pipeline.check.cases", n) for n in ("check", "check_page")},
    "init_manifest": (".pipeline.check.starter", "init_manifest"),
    "examine_frames": (".pipeline.frames", "examine_frames"),
    "Index": (".pipeline.index.search", "Index"),
    "FINDING_CODES": (".evidence.codes", "CATALOGUE"),
    "Policy": (".evidence.timeline", "Policy"),
    **{n: (".media.claims", n) for n in ("read_claims_file", "user_claims")},
    **{n: (".media.ffmpeg", n) for n in ("set_ffmpeg", "tune_allocator")},
    **{n: (".media.files", n) for n in ("check_output_target", "check_writable_folder")},
    **{n: (".pipeline.workers", n) for n in ("cores_restored", "decoder_jobs", "default_jobs", "limit_cores")},
    "Fingerprint": (".signals.fingerprint", "Fingerprint"),
    **{n: (".models", n) for n in ("AddResult", "CheckResult", "Claims", "Credentials", "Edit", "Finding",
                                   "FramesResult", "Group", "Match", "MediaInfo", "ScanResult", "SearchResult",
                                   "Segment")},
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module, __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)  # the public names only (not this module's own imports)


__all__ = [
    "FINDING_CODES", "AddResult", "CheckResult", "Claims", "Credentials", "Edit", "Finding", "Fingerprint",
    "FramesResult", "Group", "Index", "Match", "MediaInfo", "Policy", "ScanOptions", "ScanResult", "SearchResult",
    "Segment", "VidverifyError", "__version__", "add_paths", "check", "check_output_target", "check_page",
    "check_writable_folder", "compare", "compare_page", "cores_restored", "decoder_jobs", "default_jobs",
    "examine_frames", "fingerprint", "init_manifest", "limit_cores", "load_fingerprint", "load_or_compute", "probe",
    "probe_paths", "read_claims_file", "save_fingerprint", "scan", "scan_page", "set_ffmpeg", "set_trust_anchors",
    "tune_allocator", "user_claims"
]
