"""Running the command line as users and scripts do: ``python -m vidverify ...`` in a subprocess, with a clean
environment (no VIDVERIFY_DEBUG or VIDVERIFY_FFMPEG, NO_COLOR), and what its stderr must look like."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_DEPENDENCY, EXIT_INPUT = 0, 2, 3, 4
ERROR = "vidverify: error:"



def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIDVERIFY_DEBUG", "VIDVERIFY_FFMPEG")}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def vidverify_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
                  ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "vidverify", *args], cwd=cwd, env=env or cli_env(), capture_output=True, text=True,
        encoding="utf-8", timeout=120, check=False, stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [ln for ln in proc.stderr.splitlines() if ln.startswith(ERROR)]


def assert_usage_error(proc: subprocess.CompletedProcess[str]) -> str:
    """Exit 2, exactly one error line; anything else on stderr is argparse's usage summary."""
    assert proc.returncode == EXIT_USAGE, proc.stderr
    [line] = error_lines(proc)
    others = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith(ERROR)]
    assert all(ln.startswith(("usage:", " ")) for ln in others), others
    return line


def assert_one_error_line(proc: subprocess.CompletedProcess[str], code: int) -> str:
    assert proc.returncode == code, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(ERROR), lines
    return lines[0]
