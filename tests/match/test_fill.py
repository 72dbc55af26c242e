"""match/fill.py: a 9:16 surround is called a blurred fill of A's picture only when A's own picture, blurred,
explains it; a designed gradient or another clip's blur with the same sky over the same ground does not."""

from __future__ import annotations

import numpy as np

from vidverify.match.fill import blurred_fill, cover_picture

SHAPE = (384, 216)  # a 9:16 canvas


def _landscape(seed: int, texture: float, sky: tuple[float, float], h: int = 120, w: int = 214) -> np.ndarray:
    """A smooth landscape picture: a sky bright at the top and dark at the bottom (``sky``), with ``texture``
    grey levels of detail of its own."""
    rng = np.random.default_rng(seed)
    spectrum = rng.normal(size=(h, w)) + 1j * rng.normal(size=(h, w))
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    field = np.real(np.fft.ifft2(spectrum / (1 + (np.hypot(fx, fy) * 16) ** 2) ** 1.5))
    detail = (field - field.min()) / np.ptp(field) * texture
    return np.clip(np.linspace(*sky, h)[:, None] + detail - texture / 2, 0, 255).astype(np.uint8)


def _blurred(picture: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(cover_picture(picture.astype(np.float32), SHAPE), (0, 0), 6).astype(np.uint8)


def _is_fill(a: np.ndarray, surround: np.ndarray) -> bool:
    """Whether ``surround``, with ``a`` scaled to its width across the middle, is called A's blurred fill."""
    import cv2

    h, w = surround.shape
    ph = round(a.shape[0] * w / a.shape[1])
    y = (h - ph) // 2
    b = surround.copy()
    b[y:y + ph] = cv2.resize(a, (w, ph), interpolation=cv2.INTER_AREA)
    found = blurred_fill(a, b, (0, 0, a.shape[1], a.shape[0]), (0, y, w, ph), 40.0)
    assert found is not None and found.tells
    return found.is_fill


def test_the_picture_blurred_around_itself_is_a_blurred_fill() -> None:
    a = _landscape(1, 160, (140, 60))
    assert _is_fill(a, _blurred(a))
    assert not _is_fill(a, np.full(SHAPE, 16, np.uint8))  # black bars


def test_a_gradient_or_another_clips_blur_with_the_same_layout_is_no_fill() -> None:
    """Both were called a fill when the only other model was the picture upside down: the sky over the ground
    explained them as well as it explains the picture's own blur."""
    a = _landscape(1, 80, (160, 50))
    gradient = np.repeat(np.linspace(160, 50, SHAPE[0])[:, None], SHAPE[1], axis=1).astype(np.uint8)
    assert not _is_fill(a, gradient)
    assert not _is_fill(a, _blurred(_landscape(2, 80, (160, 50))))
