"""The package version (one place; the package face, the CLI, reports and fingerprint files read it here)."""

__version__ = "0.2.0"
