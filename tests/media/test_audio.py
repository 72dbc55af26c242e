"""The sound print is made by the picture decoder's own processes and lands on the picture's timeline; every
kind of sound (none, silence, mono to 5.1, 8 to 48 kHz, damaged packets, a short clip) gives a state, never a
crash, and never costs the picture."""

from __future__ import annotations

import json
import wave
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vidverify.media import fingerprint_file as fpfile
from vidverify.pipeline.ingest import fingerprint
from vidverify.signals.fingerprint import AUDIO_CHANNELS, pack, unpack
from vidverify.signals.sound import STEP
from vidverify.testing import synth
from vidverify.testing import synth_audio as sa


def _clicks(path: Path, times: list[float], seconds: float, rate: int = 44100) -> Path:
    x = np.zeros(round(seconds * rate), np.int16)
    for t in times:
        x[round(t * rate): round(t * rate) + 40] = 30000
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.tobytes())
    return path


@pytest.mark.parametrize("container", ["mp4", "ts"])
def test_sound_lands_on_the_picture_timeline_in_one_or_several_decoders(tmp_path: Path, container: str) -> None:
    """Clicks at known times are found at those times (to a step), whether one process decodes the file or two
    split it at a keyframe, in a container with its own zero (MP4) or a clock (MPEG-TS)."""
    clicks = [2.0, 7.3, 11.62]
    video = synth.make_scene(tmp_path / "v.mp4", seconds=14, size=(160, 90), fps=15, seed=3, audio=False, gop=15)
    clip = sa.with_sound(video, _clicks(tmp_path / "c.wav", clicks, 14), tmp_path / f"c.{container}")
    for jobs in (1, 2):
        fp = fingerprint(clip, jobs=jobs)
        assert fp.audio_state == "sound"
        rms = np.asarray(fp.audio_rms)
        found = np.asarray(fp.audio_times)[rms > -30]
        assert len(found) >= len(clicks)
        for t in clicks:
            assert np.min(np.abs(found - t)) <= STEP + 0.003, (jobs, t, found)
        assert np.allclose(np.diff(fp.audio_times), STEP)


def test_a_segment_with_sound_stops_once_its_sound_is_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A decoder that ends before the file used to run on to its read limit for its sound (a few per cent of the
    picture decoded for nothing on a short file); it now stops, as one without sound does, once the sound has
    arrived up to its end, and gives the same samples."""
    from vidverify.media import audio, decode
    from vidverify.signals.fingerprint import hash_batch

    video = synth.make_scene(tmp_path / "v.mp4", seconds=12, size=(160, 90), fps=15, seed=4, audio=False, gop=15)
    clip = sa.with_sound(video, sa.melody(tmp_path / "m.wav", seconds=12, seed=2), tmp_path / "c.mp4")  # split in 2
    made: list[decode._Segment] = []
    real = decode._Segment.__init__

    def spy(self: decode._Segment, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(decode._Segment, "__init__", spy)

    def run() -> tuple[decode._Segment, np.ndarray, int]:
        made.clear()
        taps: list[audio.Tap] = []
        decode.decode_batches(clip, hash_batch, jobs=2, sound=taps)
        assert len(made) == 2 and made[0].end is not None and made[0].tap is not None
        return (made[0], *audio.assemble(taps))

    first, early, start = run()
    assert first.tap is not None and first.tap.complete
    assert first.stopped_early and first.returncode is None  # stopped, not run on to its read limit
    monkeypatch.setattr(audio.Tap, "complete", property(lambda self: False))  # as before: run to the limit
    first, late, late_start = run()
    assert first.returncode == 0
    assert start == late_start and np.array_equal(early, late)


def test_states_no_track_silence_and_sound(sound_media: dict[str, Path]) -> None:
    assert fingerprint(sound_media["a"]).audio_state == "sound"
    removed = fingerprint(sound_media["removed"])
    assert removed.audio_state == "absent" and len(removed.audio_bits) == 0
    assert fingerprint(sound_media["silent"]).audio_state == "silent"


@pytest.mark.parametrize("name", ["mono8k", "surround", "short"])
def test_rates_and_layouts_give_a_print_over_the_whole_sound(sound_media: dict[str, Path], name: str) -> None:
    fp = fingerprint(sound_media[name])
    assert fp.audio_state == "sound"
    assert abs(len(fp.audio_times) * STEP - float(fp.duration or 0)) < 0.15


def test_damaged_sound_never_costs_the_picture(sound_media: dict[str, Path]) -> None:
    clean = fingerprint(sound_media["a"])
    broken = fingerprint(sound_media["damaged"])
    assert len(broken) == len(clean)  # every frame decoded
    assert broken.audio_state in ("sound", "failed")


def test_an_undecodable_sound_track_is_failed_and_the_picture_stays(sound_media: dict[str, Path],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A process with the sound tap that fails is run again without it: the picture is whole, the sound
    ``failed`` (never taken for "no sound")."""
    from vidverify.media import audio

    real = audio.Tap.args

    def broken(self: audio.Tap) -> list[str]:
        args = real(self)
        args[args.index("-af") + 1] = "aresample=osr=-5"  # a filter ffmpeg refuses: the process fails at once
        return args

    monkeypatch.setattr(audio.Tap, "args", broken)
    fp = fingerprint(sound_media["a"])
    assert fp.audio_state == "failed" and len(fp) == len(fingerprint(sound_media["removed"]))
    assert any("sound could not be decoded" in w for w in fp.warnings)


def test_a_track_in_a_codec_ffmpeg_lacks_is_failed_not_absent(sound_media: dict[str, Path], tmp_path: Path) -> None:
    """A Matroska audio track whose codec id no decoder knows: the sound is ``failed`` (there is a track), the
    picture whole."""
    pcm = sa.with_sound(sound_media["v1"], sound_media["m1"], tmp_path / "pcm.mkv", codec="pcm_s16le")
    data = pcm.read_bytes()
    assert b"A_PCM/INT/LIT" in data
    odd = tmp_path / "odd.mkv"
    odd.write_bytes(data.replace(b"A_PCM/INT/LIT", b"A_QQQ/INT/LIT", 1))
    fp = fingerprint(odd)
    assert fp.audio_state == "failed" and len(fp) == len(fingerprint(pcm))


def test_the_sound_print_survives_files_and_blobs_and_older_ones_are_unknown(sound_media: dict[str, Path],
                                                                              tmp_path: Path) -> None:
    fp = fingerprint(sound_media["a"])
    assert unpack(pack(fp)) == fp
    fpfile.save(fp, tmp_path / "a.vvfp")
    assert fpfile.load(tmp_path / "a.vvfp") == fp
    # a format-4 file: no sound arrays, no audio_state -> unknown, not "no sound"
    old = tmp_path / "old.vvfp"
    with zipfile.ZipFile(tmp_path / "a.vvfp") as z, zipfile.ZipFile(old, "w") as out:
        for name in z.namelist():
            if name.removesuffix(".npy") in {c.name for c in AUDIO_CHANNELS}:
                continue
            data = z.read(name)
            if name == "meta.npy":
                import io

                meta = json.loads(str(np.load(io.BytesIO(data))))
                meta = {k: v for k, v in meta.items() if k not in ("audio_state", "audio_count")}
                buf = io.BytesIO()
                np.save(buf, np.array(json.dumps(meta | {"format_version": 4})))
                data = buf.getvalue()
            out.writestr(name, data)
    loaded = fpfile.load(old)
    assert loaded.audio_state is None and len(loaded.audio_bits) == 0 and np.array_equal(loaded.hashes, fp.hashes)
    # a version-4 index blob: the same bytes with no sound
    bare = replace(fp, audio_times=None, audio_bits=None, audio_rms=None, audio_state=None)
    blob = bytearray(pack(bare))
    blob[4] = 4
    assert unpack(bytes(blob)).audio_state is None


def test_a_sound_track_the_decoder_keeps_refusing_is_failed_not_different(sound_media: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    """The damaged re-post (AAC packets overwritten in 5% of its TS packets) decodes to silence and noise: its print
    called the same sound "different" and raised audio-replaced. The decoder's refusals make it "failed"
    (compare's audio null, no sound edit); the same copy undamaged stays "sound" and "same"."""
    from vidverify.match.verdict import match_fingerprints
    from vidverify.media import audio

    clean = fingerprint(sound_media["a"])
    damaged = fingerprint(sound_media["damaged"])
    assert damaged.audio_state == "failed"
    m = match_fingerprints(clean, damaged)
    assert m.verdict != "unrelated" and m.audio is None
    assert not [e for e in m.edits if e.type.startswith("audio-")]
    intact = fingerprint(sa.damage_sound(sound_media["a"], tmp_path / "intact.ts", share=0.0))
    assert intact.audio_state == "sound"
    same = match_fingerprints(clean, intact)
    assert same.audio is not None and same.audio.verdict == "same"
    assert audio.AUDIO_ERROR.search("[aist#0:1/aac @ 0x5] [dec:aac @ 0x6] Error submitting packet to decoder: x")
    assert not audio.AUDIO_ERROR.search("[vist#0:0/h264 @ 0x5] [dec:h264 @ 0x6] Error submitting packet to decoder")


@pytest.mark.parametrize("container, codec", [("mov", "pcm_s16le"), ("mp4", "aac")])
def test_a_file_in_two_decoders_gives_the_sound_of_one(tmp_path: Path, container: str, codec: str) -> None:
    """44.1 kHz stereo split between two decoders at a keyframe: the second decoder's samples lie on the file's own
    8 kHz grid, so the pieces make the sound that one decoder gives: sample for sample from PCM; from AAC but for
    what its decoder makes anew after a seek (its noise bands' random state), which leaves the print all but
    unchanged. Each segment's start used to be rounded to a sample at 8 kHz after resampling: the second piece lay
    up to half a sample off the grid (PCM: 43290 samples and 672 of the print's 38400 bits differed; AAC: 299)."""
    from vidverify.media import audio, decode
    from vidverify.signals.fingerprint import hash_batch
    from vidverify.signals.sound import sound_bits

    video = synth.make_scene(tmp_path / "v.mp4", seconds=12, size=(160, 90), fps=15, seed=5, audio=False, gop=15)
    wav = sa.melody(tmp_path / "m.wav", seconds=12, seed=3, rate=44100)
    clip = sa.with_sound(video, wav, tmp_path / f"c.{container}", codec=codec)
    got = {}
    for jobs in (1, 2):
        taps: list[audio.Tap] = []
        decode.decode_batches(clip, hash_batch, jobs=jobs, sound=taps)
        assert len(taps) == jobs
        got[jobs] = audio.assemble(taps)
    (one, first), (two, first2) = got[1], got[2]
    assert first == first2 and len(one) == len(two) > 11 * 8000
    if codec.startswith("pcm"):
        assert np.array_equal(one, two)
    flips = int(np.unpackbits((sound_bits(one) ^ sound_bits(two)).view(np.uint8)).sum())
    assert flips <= len(one) // 80 * 32 // 1000  # at most 0.1% of the print's bits
