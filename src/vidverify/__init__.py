"""vidverify: verify video evidence locally.

Which uploads show the same footage, where exactly, how each was edited, and what their metadata says.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import VidverifyError
from .fingerprint import Fingerprint, fingerprint
from .models import MediaInfo

__all__ = ["Fingerprint", "MediaInfo", "VidverifyError", "__version__", "fingerprint"]
