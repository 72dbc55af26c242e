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

from .check import check
from .compare import compare
from .errors import VidverifyError
from .fingerprint import Fingerprint, fingerprint
from .index import Index
from .media.probe import probe
from .models import Claims, Edit, Finding, Group, Match, MediaInfo, ScanResult, Segment
from .scan import scan

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
