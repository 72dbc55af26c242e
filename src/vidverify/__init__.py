"""vidverify: verify video evidence locally.

Which uploads show the same footage, where exactly, how each was edited, and what their metadata says.

    >>> import vidverify
    >>> info = vidverify.probe("clip.mp4")             # doctest: +SKIP
    >>> fp = vidverify.fingerprint("clip.mp4")         # doctest: +SKIP
    >>> m = vidverify.compare("clip.mp4", "upload.mp4")  # doctest: +SKIP
    >>> result = vidverify.scan(["downloads/"])          # doctest: +SKIP
    >>> report = vidverify.check("evidence/vidverify.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING, Any

from .errors import VidverifyError

if TYPE_CHECKING:
    from .media.probe import probe
    from .models import Claims, Edit, Finding, Group, Match, MediaInfo, ScanResult, Segment
    from .pipeline.check.cases import check
    from .pipeline.comparison import compare
    from .pipeline.index.sqlite import Index
    from .pipeline.scanning import scan
    from .signals.fingerprint import Fingerprint, fingerprint

# The public names are imported when first used: `vidverify hash` needs none of compare, scan or check (a
# tenth of a second of imports at every start).
_LAZY: dict[str, str] = {
    "check": ".pipeline.check.cases", "compare": ".pipeline.comparison", "Fingerprint": ".signals.fingerprint",
    "fingerprint": ".signals.fingerprint", "Index": ".pipeline.index.sqlite", "probe": ".media.probe",
    "scan": ".pipeline.scanning",
    **{name: ".models" for name in ("Claims", "Edit", "Finding", "Group", "Match", "MediaInfo", "ScanResult",
                                    "Segment")},
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Claims",
    "Edit",
    "Finding",
    "Fingerprint",
    "Group",
    "Index",
    "Match",
    "MediaInfo",
    "ScanResult",
    "Segment",
    "VidverifyError",
    "__version__",
    "check",
    "compare",
    "fingerprint",
    "probe",
    "scan",
]
