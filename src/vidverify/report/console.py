"""One place that writes results: JSON documents (``to_dict()`` plus ``schema``) and readable text.

Text goes through rich when stdout is a terminal (and ``NO_COLOR`` is unset); otherwise plain lines, so pipes and
logs get no escape codes.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically: a temporary file in the same folder, then renamed over the target,
    so a failure (a full disk) never leaves a half-written file and an old one stays intact. Returns the path."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def json_document(schema: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"schema": schema, **body}


def write_json(doc: dict[str, Any], out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    json.dump(doc, out, indent=2, ensure_ascii=False, allow_nan=False, default=_default)
    out.write("\n")


def _default(o: Any) -> Any:
    if hasattr(o, "to_dict"):
        return o.to_dict()
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def use_rich(stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def key_values(title: str, rows: Sequence[tuple[str, Any]], out: IO[str] | None = None) -> None:
    """A titled block of ``key  value`` lines."""
    out = out or sys.stdout
    if use_rich(out):
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_header=False, title_justify="left", box=None, pad_edge=False)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(overflow="fold")
        for k, v in rows:
            table.add_row(k, fmt(v))
        Console(file=out).print(table)
        Console(file=out).print()
        return
    width = max((len(k) for k, _ in rows), default=0)
    out.write(f"{title}\n")
    for k, v in rows:
        out.write(f"  {k.ljust(width)}  {fmt(v)}\n")
    out.write("\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    rows = [[fmt(c) for c in r] for r in rows]
    if use_rich(out):
        from rich.console import Console
        from rich.table import Table

        t = Table(*headers)
        for r in rows:
            t.add_row(*r)
        Console(file=out).print(t)
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


def one_line(message: str) -> str:
    """Control characters (a newline in a file name, ffmpeg's multi-line output) escaped: one line, always."""
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape", "backslashreplace")
                   .decode("ascii") for ch in message)


def error_line(message: str) -> None:
    """One line on stderr, never a traceback."""
    sys.stderr.write(f"vidverify: error: {one_line(message)}\n")
    sys.stderr.flush()


def warn_line(message: str) -> None:
    sys.stderr.write(f"vidverify: warning: {one_line(message)}\n")
    sys.stderr.flush()
