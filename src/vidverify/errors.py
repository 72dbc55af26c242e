"""The one exception tree of vidverify.

    VidverifyError                 base; ``exit_code`` is what the CLI returns
    ├── UsageError (2)             bad arguments or options
    ├── DependencyError (3)        a required tool is missing (ffmpeg, a Python package)
    ├── NoInputError (5)           the paths given hold no media file at all (an empty or mistyped folder)
    ├── OutputError (6)            an output cannot be written (its folder is missing or read-only)
    └── InputError (4)             an input cannot be read
        ├── NotFoundError          the path does not exist
        ├── NotAFileError          a directory, FIFO, device ... where a media file was expected
        ├── EmptyFileError         0 bytes
        ├── UnsupportedFormatError not a media file any decoder recognises
        ├── CorruptMediaError      a media file that is truncated or damaged
        ├── FingerprintFileError   a fingerprint file that is not valid
        ├── IndexFileError         an index that cannot be used (not one, a newer schema, locked, damaged)
        └── SidecarError           a yt-dlp .info.json sidecar or a user claims file that is not valid

The exit codes (the same for every command, ``docs/contract.md``) are named here too: ``EXIT_OK`` 0,
``EXIT_FINDINGS`` 1 (findings at or above ``--fail-on``), ``EXIT_USAGE`` 2, ``EXIT_DEPENDENCY`` 3, ``EXIT_INPUT`` 4,
``EXIT_NO_INPUT`` 5 (as pytest's 5 for no tests), ``EXIT_OUTPUT`` 6, ``EXIT_INTERNAL`` 70 (a bug; sysexits'
EX_SOFTWARE), ``EXIT_INTERRUPTED`` 130.

Errors raised by ffmpeg, PyAV, exifread or parsers are converted where they enter
(``raise InputError(...) from exc``); nothing else escapes the library.
"""

from __future__ import annotations

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_DEPENDENCY, EXIT_INPUT = 0, 1, 2, 3, 4
EXIT_NO_INPUT, EXIT_OUTPUT = 5, 6
EXIT_INTERNAL = 70  # a bug in vidverify: never 1, which scripts read as "findings"
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class VidverifyError(Exception):
    """Base class of every error vidverify raises."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        if self.path is not None:
            return f"{self.path}: {self.message}"
        return self.message


class UsageError(VidverifyError):
    exit_code = EXIT_USAGE


class DependencyError(VidverifyError):
    exit_code = EXIT_DEPENDENCY


class NoInputError(VidverifyError):
    """Nothing to work on: the paths given hold no media file (a CI job must not pass on an empty mount)."""

    exit_code = EXIT_NO_INPUT


class OutputError(VidverifyError):
    """An output (``-o``, ``--html``, ``--junit``, ``check --init``) cannot be written; found before the work."""

    exit_code = EXIT_OUTPUT


class InputError(VidverifyError):
    exit_code = EXIT_INPUT


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


class IndexFileError(InputError):
    """The index file cannot be used: not an SQLite file, not a vidverify index, a newer schema, locked."""


class SidecarError(InputError):
    """A sidecar (yt-dlp ``.info.json``) or user claims file that cannot be read or is not valid."""


__all__ = [
    "EXIT_DEPENDENCY",
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_NO_INPUT",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_USAGE",
    "CorruptMediaError",
    "DependencyError",
    "EmptyFileError",
    "FingerprintFileError",
    "IndexFileError",
    "InputError",
    "NotAFileError",
    "NotFoundError",
    "SidecarError",
    "UnsupportedFormatError",
    "UsageError",
    "VidverifyError",
]
