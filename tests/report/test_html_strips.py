"""The keyframe strips of the scan and check pages: per file, a picture of each shot chosen from the fingerprint
(no second decode; only the pictures shown are decoded), embedded as small JPEG data: URIs, at most
``STRIP_MAX`` per file; a rotated clip's pictures upright, a letterboxed clip's with its bars (uncropped); and
the page loads in headless Chromium with no request made."""

from __future__ import annotations

import base64
import os
import re
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

import vidverify
from tests.report.test_html import CHROMIUM, _chromium, _console_lines
from vidverify.media.stills import thumbnails
from vidverify.models import ScanResult
from vidverify.pipeline import frames
from vidverify.report import html, html_scan
from vidverify.testing import synth

FPS = 25
SIZE = (320, 180)
STRIP = re.compile(r'<div class="strip"><div class="sname mono" title="([^"]+)">.*?</div></div>', re.S)
URI = re.compile(r'src="data:image/jpeg;base64,([^"]+)"')


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.make_scene(tmp_path_factory.mktemp("strips") / "scene.mp4", seconds=10, size=SIZE, fps=FPS, seed=2,
                            audio=False)


@pytest.fixture(scope="module")
def scanned(scene: Path, media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    d = tmp_path_factory.mktemp("strip_scan")
    synth.letterbox(scene, d / "boxed.mp4", size=(320, 320))
    (d / "scene.mp4").write_bytes(scene.read_bytes())
    (d / "tagged.mov").write_bytes(media["tagged"].read_bytes())  # coded 320x240, shown turned 90 degrees
    return vidverify.scan(d, options=vidverify.ScanOptions(jobs=1, pictures=False))


def _strips(page: str) -> dict[str, list[np.ndarray]]:
    out = {}
    for m in STRIP.finditer(page):
        out[Path(m.group(1)).name] = [cv2.imdecode(np.frombuffer(base64.b64decode(u), np.uint8), cv2.IMREAD_COLOR)
                                      for u in URI.findall(m.group(0))]
    return out


def test_the_strip_shows_each_shot_of_a_generated_scene_from_its_fingerprint(scene: Path) -> None:
    fp = vidverify.fingerprint(scene)
    times = frames.keyframe_strip(fp)
    plan = synth.scene_plan(10, FPS, 2)
    edges = np.cumsum([0] + [n for _, n in plan]) / FPS
    assert len(times) == len(plan) and list(times) == sorted(times)
    assert all(a < t < b for t, a, b in zip(times, edges, edges[1:], strict=False))  # one inside each shot
    assert len(frames.keyframe_strip(fp, cap=2)) == 2
    sparse = vidverify.fingerprint(scene, keyframes=True)  # keyframes only: spread over the file, within the cap
    spread = frames.keyframe_strip(sparse, cap=3)
    assert len(spread) == 3 and spread[0] == 0.0 and spread[-1] > 8.0


def test_scan_page_shows_a_strip_per_file_upright_and_uncropped(scanned: ScanResult) -> None:
    assert len(scanned.groups) == 1 and len(scanned.singles) == 1
    assert "strips" not in scanned.to_dict()  # not in the JSON: frames is the way to keyframes
    page = html_scan.render_scan(scanned, thumbs=thumbnails(html.thumbnail_requests(scanned)))
    strips = _strips(page)
    assert set(strips) == {"scene.mp4", "boxed.mp4", "tagged.mov"}
    assert page.index('title="' + str(scanned.groups[0].reference)) < page.index('id="singles"')
    for imgs in strips.values():
        assert 1 <= len(imgs) <= frames.STRIP_MAX and all(img is not None for img in imgs)
    assert [img.shape[:2] for img in strips["scene.mp4"]] == [(90, 160)] * 3  # one per shot
    assert all(img.shape[0] > img.shape[1] for img in strips["tagged.mov"])  # upright: 240x320 shown
    assert all(img.shape[:2] == (160, 160) and img[:20].mean() < 25 for img in strips["boxed.mp4"])  # bars kept
    # the size the strips add to the page: small JPEGs, a few kB a picture
    bare = html_scan.render_scan(replace(scanned, strips={}), thumbs=thumbnails(html.thumbnail_requests(scanned)))
    assert "class=\"strip\"" not in bare
    added = (len(page) - len(bare)) / len(strips)
    assert 0 < added < 60_000


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="headless Chromium (/usr/bin/chromium) is absent")
def test_the_strips_load_in_headless_chromium(scanned: ScanResult, tmp_path: Path) -> None:
    target = tmp_path / "scan.html"
    vidverify.scan_page(scanned, str(target))
    dom = _chromium(tmp_path, "--dump-dom", target.resolve().as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('class="strip"') == 3 and _console_lines(dom.stderr) == []
