"""Terminal output (report/console.py): rich only on a terminal without NO_COLOR or TERM=dumb; plain text otherwise."""

from __future__ import annotations

import io
import re

import pytest

from vidverify.report import console as render


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def colour_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    return monkeypatch


def test_use_rich_only_on_a_colour_terminal(colour_env: pytest.MonkeyPatch) -> None:
    assert render.use_rich(FakeTTY())
    assert not render.use_rich(io.StringIO())  # a pipe or a file
    colour_env.setenv("NO_COLOR", "1")
    assert not render.use_rich(FakeTTY())
    colour_env.setenv("NO_COLOR", "")  # no-color.org: present at all means no colour
    assert not render.use_rich(FakeTTY())
    colour_env.delenv("NO_COLOR")
    colour_env.setenv("TERM", "dumb")
    assert not render.use_rich(FakeTTY())


def test_terminal_gets_rich_output_and_pipes_plain(colour_env: pytest.MonkeyPatch) -> None:
    tty = FakeTTY()
    render.key_values("clip.mp4", [("verdict", "same-footage")], out=tty)
    assert "\x1b[" in tty.getvalue() and "same-footage" in tty.getvalue()

    for env in ({}, {"NO_COLOR": "1"}):
        for k, v in env.items():
            colour_env.setenv(k, v)
        pipe = io.StringIO()
        render.key_values("clip.mp4", [("verdict", "same-footage"), ("coverage", 0.8)], out=pipe)
        render.table(["edit", "A from"], [["cut", 2.0], ["mirror", None]], out=pipe)
        text = pipe.getvalue()
        assert "\x1b" not in text
        assert text.splitlines()[:3] == ["clip.mp4", "  verdict   same-footage", "  coverage  0.8"]
        assert "edit    A from" in text and "cut     2" in text and "mirror  -" in text

    colour_env.setenv("NO_COLOR", "1")
    tty = FakeTTY()
    render.table(["edit"], [["cut"]], out=tty)
    assert "\x1b" not in tty.getvalue() and "cut" in tty.getvalue()


def test_a_long_value_folds_whole_at_a_narrow_width(colour_env: pytest.MonkeyPatch) -> None:
    """A value wider than its column is folded onto the next lines, never cut with an ellipsis (the seconds and
    the zone of a timestamp were lost that way)."""
    colour_env.setenv("COLUMNS", "60")
    stamp = "2026-03-14T09:26:53-04:00"
    out = FakeTTY()
    render.table(["severity", "code", "files", "message"],
                 [["error", "capture-after-upload", "IMG_4521.MOV, reupload_mirrored.mp4", f"captured {stamp}"]], out)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())  # colours off: what is left is what one reads
    assert "…" not in text and max(len(ln) for ln in text.splitlines()) <= 60
    cells = [ln.split("│") for ln in text.splitlines() if ln.startswith("│")]
    column = "".join(c[4].strip() for c in cells)  # the message column, line after line
    assert stamp in column and "capture-after-upload" in "".join(c[2].strip() for c in cells)
