"""The one exception tree of vidverify.

    VidverifyError                 base; ``exit_code`` is what the CLI returns
    ├── UsageError (2)             bad arguments or options
    ├── DependencyError (3)        a required tool is missing (ffmpeg, a Python package)
    └── InputError (4)             an input cannot be read
        ├── NotFoundError          the path does not exist
        ├── NotAFileError          a directory, FIFO, device ... where a media file was expected
        ├── EmptyFileError         0 bytes
        ├── UnsupportedFormatError not a media file any decoder recognises
        ├── CorruptMediaError      a media file that is truncated or damaged
        ├── FingerprintFileError   a fingerprint file that is not valid
        └── SidecarError           a yt-dlp .info.json sidecar or a user claims file that is not valid

Errors raised by ffmpeg, PyAV, exifread or parsers are converted where they enter
(``raise InputError(...) from exc``); nothing else escapes the library.
"""

from __future__ import annotations


class VidverifyError(Exception):
    """Base class of every error vidverify raises."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        if self.path is not None:
            return f"{self.path}: {self.message}"
        return self.message


class UsageError(VidverifyError):
    exit_code = 2


class DependencyError(VidverifyError):
    exit_code = 3


class InputError(VidverifyError):
    exit_code = 4


class NotFoundError(InputError):
    pass


class NotAFileError(InputError):
    pass


class EmptyFileError(InputError):
    pass


class UnsupportedFormatError(InputError):
    pass


class CorruptMediaError(InputError):
    pass


class FingerprintFileError(InputError):
    pass


class SidecarError(InputError):
    """A sidecar (yt-dlp ``.info.json``) or user claims file that cannot be read or is not valid."""


__all__ = [
    "CorruptMediaError",
    "DependencyError",
    "EmptyFileError",
    "FingerprintFileError",
    "InputError",
    "NotAFileError",
    "NotFoundError",
    "SidecarError",
    "UnsupportedFormatError",
    "UsageError",
    "VidverifyError",
]
