"""Terminal output (report/console.py): rich only on a terminal without NO_COLOR or TERM=dumb; plain text otherwise."""

from __future__ import annotations

import io

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
