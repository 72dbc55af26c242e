"""What content credentials say across a set of files: a signed file vouches for its stripped copies.

Pure: MediaInfo (``credentials``, read by ``media/formats/c2pa.py``) and the matches the scan found in, findings
out (docs/contract.md):

- ``credentials-invalid`` (error): a file whose credentials are ``invalid``.
- ``ai-generated`` (warning): a file whose intact credentials (``valid`` or ``untrusted``) declare a generative-AI
  source, with every file that shares its footage (a direct match) in ``paths`` and ``copies``.
- ``credentials-stripped`` (warning): a file with no credentials that shares footage with a file whose intact
  credentials vouch for it: the signed file, its signer and source type, and the matched stretches. A file that
  carries credentials of its own (a signed edit) is never "stripped"; an invalid manifest vouches for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..models import Credentials, Finding, Match, MediaInfo
from .codes import AI_GENERATED, CREDENTIALS_INVALID, CREDENTIALS_STRIPPED, make_finding

INTACT = ("valid", "untrusted")


def _intact(c: Credentials | None) -> bool:
    return c is not None and c.state in INTACT


def _failures(c: Credentials) -> str:
    """The failures that make it invalid (the signer's trust aside)."""
    return ", ".join(f for f in c.failures if not f.endswith(".untrusted")) or "invalid"


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _shared(matches: Iterable[Match]) -> dict[tuple[str, str], Match]:
    """(path, path) -> the match between them (both orders), for matches that share footage."""
    out: dict[tuple[str, str], Match] = {}
    for m in matches:
        if m.verdict != "unrelated" and m.segments:
            out.setdefault((m.a.path, m.b.path), m)
            out.setdefault((m.b.path, m.a.path), m)
    return out


def _segments(m: Match, credentialed: str) -> list[dict[str, Any]]:
    """The matched stretches with A = the credentialed file, B = the copy."""
    flip = m.a.path != credentialed
    return [{"a_start": s.b_start if flip else s.a_start, "a_end": s.b_end if flip else s.a_end,
             "b_start": s.a_start if flip else s.b_start, "b_end": s.a_end if flip else s.b_end}
            for s in m.segments]


def _coverage_of(m: Match, path: str) -> float:
    """The share of ``path``'s footage the match covers (0 when not reported)."""
    key = "a" if m.a.path == path else "b"
    return float(m.coverage.get(key, 0.0) or 0.0)


def findings(infos: Sequence[MediaInfo], matches: Iterable[Match]) -> list[Finding]:
    """The credential findings of a set of files, given every match between them."""
    shared = _shared(matches)
    by_path = {i.path: i for i in infos}
    out: list[Finding] = []
    for info in infos:
        c = info.credentials
        if c is not None and c.state == "invalid":
            out.append(make_finding(
                CREDENTIALS_INVALID, "error", [info.path],
                f"{_name(info.path)}: its C2PA content credentials do not hold ({_failures(c)})"
                " - the content or the manifest changed after signing",
                failures=list(c.failures), signer=c.signer, claim_generator=c.claim_generator))
        if c is not None and _intact(c) and c.ai_generated:
            copies = sorted(o for (p, o) in shared if p == info.path and o in by_path)
            out.append(make_finding(
                AI_GENERATED, "warning", [info.path, *copies],
                f"{_name(info.path)}: its content credentials ({c.state}, signed by {c.signer or 'an unnamed signer'})"
                f" declare a generative-AI source ({c.digital_source_type or 'in an ingredient'})"
                + (f"; {len(copies)} other file(s) show this footage" if copies else ""),
                labelled=info.path, state=c.state, signer=c.signer, digital_source_type=c.digital_source_type,
                copies=copies))
    for info in infos:
        if info.credentials is not None:
            continue
        vouching = [(by_path[o], m) for (p, o), m in shared.items()
                    if p == info.path and o in by_path and _intact(by_path[o].credentials)]
        if not vouching:
            continue
        signed, m = max(vouching, key=lambda sm: (_coverage_of(sm[1], info.path), sm[0].path))
        c = signed.credentials
        assert c is not None
        out.append(make_finding(
            CREDENTIALS_STRIPPED, "warning", [info.path, signed.path],
            f"{_name(info.path)} carries no content credentials but shows footage of {_name(signed.path)}, "
            f"signed by {c.signer or 'an unnamed signer'} ({c.state}"
            + (f", {c.digital_source_type}" if c.digital_source_type else "") + ")",
            credentialed=signed.path, signer=c.signer, digital_source_type=c.digital_source_type, state=c.state,
            segments=_segments(m, signed.path), coverage=round(_coverage_of(m, info.path), 4)))
    return out


__all__ = ["INTACT", "findings"]
