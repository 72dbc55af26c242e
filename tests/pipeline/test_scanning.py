"""pipeline/scanning.py, scan: groups, references, findings and exit codes on the demo case (the session's one
``demo_scan``, and command-line scans that take its fingerprints from ``demo_index``) and on small generated
folders; jobs, forked alignment, an index and a Dask cluster give the same result."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from vidverify import errors as cli_exit
from vidverify.cli import main as cli
from vidverify.models import ScanResult
from vidverify.pipeline.scanning import ScanOptions as Options
from vidverify.pipeline.scanning import scan

# ------------------------------------------------------------------------------------------ the demo case


def test_example_case_groups_reference_and_findings(case: Path, demo_scan: ScanResult) -> None:
    truth = json.loads((case / "case.json").read_text())["expected"]
    r = demo_scan
    name = os.path.basename
    assert [sorted(map(name, g.members)) for g in r.groups] == [sorted(g["members"]) for g in truth["groups"]]
    assert [name(g.reference) for g in r.groups] == [g["reference"] for g in truth["groups"]]
    assert sorted(map(name, r.singles)) == sorted(truth["ungrouped"])
    assert r.errors == {}
    found = {(f.code, f.severity, frozenset(map(name, f.paths))) for f in r.findings}
    for want in truth["findings"]:
        if len(want["paths"]) == 2 and want["code"] not in ("metadata-stripped", "reencoded", "edited"):
            assert (want["code"], want["severity"], frozenset(want["paths"])) in found, want
        else:  # one finding per file
            for p in want["paths"]:
                assert any(c == want["code"] and s == want["severity"] and p in ps for c, s, ps in found), (want, p)
    # nothing claims the clean re-encode was edited, and the unrelated files raise no group finding
    assert not any(f.code == "edited" and "reupload_reencoded.mp4" in map(name, f.paths) for f in r.findings)
    assert not any(len(f.paths) > 1 and {"IMG_4522.MOV", "unrelated_upload.mp4"} & set(map(name, f.paths))
                   for f in r.findings)


def test_example_case_edits_against_the_reference(case: Path, demo_scan: ScanResult) -> None:
    truth = {f["path"]: f for f in json.loads((case / "case.json").read_text())["files"]}
    [g] = demo_scan.groups
    for m in g.pairs:
        want = {e["type"] for e in truth[os.path.basename(m.b.path)]["edits"]}
        got = {e.type for e in m.edits}
        assert want <= got, (m.b.path, want, got)
        assert m.verdict == "same-footage"
    cut = next(m for m in g.pairs if m.b.path.endswith("reupload_cut.mp4"))
    [c] = [e for e in cut.edits if e.type == "cut"]
    assert c.a_start == pytest.approx(5.0, abs=0.2) and c.a_end == pytest.approx(7.0, abs=0.2)


def test_scan_round_trips_through_json(demo_scan: ScanResult) -> None:
    assert ScanResult.from_dict(json.loads(json.dumps(demo_scan.to_dict()))) == demo_scan


def test_scan_cli_json_lines_and_exit_codes(case: Path, demo_index: Path, demo_scan: ScanResult,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Through the command line, the fingerprints from the demo scan's index (what is tested is the command: its
    documents, its lines and its exit codes)."""
    claims, run = str(case / "claims.yaml"), ["scan", str(case), "--index", str(demo_index)]
    assert cli.main([*run, "--json", "--claims", claims, "--no-pictures"]) == cli_exit.EXIT_FINDINGS
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "vidverify/scan@1"
    assert {"files", "groups", "findings"} <= set(doc)
    assert all({"claims", "sha256", "created"} <= set(f) for f in doc["files"])
    assert all({"code", "severity", "paths", "message", "evidence"} <= set(f) for f in doc["findings"])
    assert all({"id", "members", "reference", "pairs"} <= set(g) for g in doc["groups"])
    # the same groups and findings as the library's scan with the same claims (the picture edits aside)
    assert [(g["reference"], g["members"]) for g in doc["groups"]] == [(g.reference, list(g.members))
                                                                      for g in demo_scan.groups]
    assert {(f["code"], f["severity"], tuple(f["paths"])) for f in doc["findings"] if f["code"] != "edited"} == {
        (f.code, f.severity, f.paths) for f in demo_scan.findings if f.code != "edited"}
    assert cli.main([*run, "--json-lines", "--no-pictures", "--fail-on", "never"]) == cli_exit.EXIT_OK
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    kinds = [x["type"] for x in lines]
    assert kinds.count("file") == 9 and kinds.count("group") == 1 and kinds[-1] == "summary"
    assert kinds.index("group") > max(i for i, k in enumerate(kinds) if k == "file")
    # without the claims file the worst finding is the capture-after-upload error; with --fail-on warning too
    assert cli.main([*run, "--no-pictures", "--fail-on", "warning"]) == cli_exit.EXIT_FINDINGS
    out = capsys.readouterr().out
    assert "reference" in out and "capture-after-upload" in out


# ------------------------------------------------------------------------------------------ small folders


def test_a_compilation_joins_the_groups_it_draws_from(small: dict[str, Path]) -> None:
    r = scan([small["x"], small["y"], small["z"], small["comp"], small["x_small"]], options=Options(pictures=False))
    assert len(r.groups) == 1
    g = r.groups[0]
    assert set(g.members) == {str(small[k]) for k in ("x", "y", "comp", "x_small")}
    assert r.singles == (str(small["z"]),)


def test_bad_files_in_a_folder_do_not_stop_the_scan(small: dict[str, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "uploads with spaces"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(small["x"], folder / "-x.mp4")
    shutil.copy(small["x_small"], folder / "sub" / "x again.mp4")
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.mp4").write_text("not a video\n")
    (folder / "truncated.mp4").write_bytes(small["y"].read_bytes()[:3000])
    (folder / "readme.txt").write_text("ignored: not a media extension\n")
    os.mkfifo(folder / "pipe.mp4")
    os.symlink("loop.mp4", folder / "loop.mp4")
    before = {p: p.lstat().st_mtime_ns for p in folder.rglob("*")}
    code = cli.main(["scan", str(folder), "--json"])
    doc = json.loads(capsys.readouterr().out)
    err = capsys.readouterr().err
    assert code == cli_exit.EXIT_INPUT
    errors = {os.path.basename(k): v for k, v in doc["errors"].items()}
    assert set(errors) == {"empty.mp4", "notes.mp4", "truncated.mp4", "pipe.mp4", "loop.mp4"}
    assert "Traceback" not in err
    [g] = doc["groups"]
    assert sorted(map(os.path.basename, g["members"])) == ["-x.mp4", "x again.mp4"]
    assert {p: p.lstat().st_mtime_ns for p in folder.rglob("*")} == before  # nothing written, nothing touched


def test_jobs_do_not_change_the_result(small: dict[str, Path]) -> None:
    paths = [small["x"], small["comp"], small["z"]]
    one = scan(paths, options=Options(jobs=1, pictures=False))
    two = scan(paths, options=Options(jobs=2, pictures=False))
    assert one == two


def test_dask_cluster_gives_the_same_result(small: dict[str, Path]) -> None:
    distributed = pytest.importorskip("distributed")
    paths = [small["x"], small["comp"], small["z"]]
    local = scan(paths, options=Options(jobs=1, pictures=False))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        remote = scan(paths, options=Options(pictures=False, dask=cluster.scheduler_address))
        assert cli.main(["scan", "--dask", cluster.scheduler_address, "--json", "--no-pictures",
                         *map(str, paths)]) == cli_exit.EXIT_OK
    assert remote == local


def test_dask_unreachable_is_a_one_line_error(small: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    code = cli.main(["scan", "--dask", "tcp://127.0.0.1:1", "--no-pictures", str(small["x"])])
    err = capsys.readouterr().err
    assert code == cli_exit.EXIT_DEPENDENCY and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "cannot reach the Dask scheduler" in err


def test_scan_with_an_index_skips_unchanged_files(small: dict[str, Path], tmp_path: Path) -> None:
    from vidverify import Index

    paths = [small["x"], small["x_small"], small["z"]]
    db = tmp_path / "idx.sqlite"
    with Index(db) as idx:
        first = scan(paths, options=Options(pictures=False), index=idx)
        assert idx.stats()["files"] == 3
    stages: list[str] = []
    with Index(db) as idx:
        again = scan(paths, options=Options(pictures=False), index=idx,
                     progress=lambda stage, done, total: stages.append(f"{stage}:{done}/{total}"))
    assert again == first
    assert stages[0] == "fingerprint:3/3"  # all three came from the index before any decoding


def test_alignment_in_forked_workers_gives_the_same_result(small: dict[str, Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    scan_mod = importlib.import_module("vidverify.pipeline.scanning")
    paths = [small["x"], small["x_small"], small["comp"], small["y"]]
    serial = scan(paths, options=Options(jobs=1, pictures=False))
    monkeypatch.setattr(scan_mod, "ALIGN_CHUNK", 1)  # every pair a task, so the pool is used
    pooled = scan(paths, options=Options(jobs=2, pictures=False))
    assert pooled == serial and len(pooled.groups) == 1


# ------------------------------------------------------------------------------------------ a real case's claims


def test_a_named_place_and_an_impossible_upload_date_end_to_end(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16 items 7 and 8, as a user meets them: a phone original (GPS: Liberty Island, captured 14 March), a
    re-upload whose yt-dlp sidecar says 1 March (before the capture) and a re-upload claimed in a claims file to
    show "Kyiv, Ukraine". The name is compared (and is 7,500 km off), the report marks the claimed place with the
    place finding only, and the impossible 1 March date is not taken as the footage's first sighting."""
    from vidverify.testing import synth

    base = synth.make_scene(tmp_path / "base.mp4", seconds=2.0, size=(320, 180), seed=16, audio=False)
    case = tmp_path / "case"
    synth.add_capture_metadata(base, case / "IMG_0001.MOV", creation_time="2026-03-14T13:26:53Z",
                               local_offset="-04:00")
    synth.write_info_json(synth.reencode(base, case / "early.mp4", crf=28), upload_date="20260301")
    synth.write_info_json(synth.mirror(base, case / "claimed.mp4"), upload_date="20260401")
    (case / "claims.yaml").write_text('files:\n  claimed.mp4:\n    claimed_time: "2026-03-31"\n'
                                      '    claimed_place: "Kyiv, Ukraine"\n', encoding="utf-8")
    html = tmp_path / "report.html"
    run = ["scan", str(case), "--no-pictures", "--now", "2026-06-01T00:00:00Z"]
    assert cli.main([*run, "--claims", str(case / "claims.yaml"), "--json", "--html", str(html)]) == \
        cli_exit.EXIT_FINDINGS
    doc = json.loads(capsys.readouterr().out)
    by_name = {os.path.basename(f["path"]): f for f in doc["files"]}
    lookup = by_name["claimed.mp4"]["claims"]["claimed_place_lookup"]
    assert lookup["status"] == "found" and [p["geonameid"] for p in lookup["candidates"]] == [703448]

    def names(f: dict[str, object]) -> tuple[str, ...]:
        return tuple(os.path.basename(str(p)) for p in f["paths"])  # type: ignore[attr-defined]

    [place] = [f for f in doc["findings"] if f["code"] == "place-mismatch"]
    assert names(place) == ("claimed.mp4", "IMG_0001.MOV") and place["evidence"]["place"]["name"] == "Kyiv"
    assert 7_400_000 < place["evidence"]["distance_m"] < 7_600_000
    assert place["evidence"]["tolerance_m"] == pytest.approx(place["evidence"]["place"]["radius_m"] + 5000)
    assert any(f["code"] == "capture-after-upload" and names(f) == ("IMG_0001.MOV", "early.mp4")
               for f in doc["findings"])
    recycled = [f for f in doc["findings"] if f["code"] == "recycled-footage"]
    assert {(f["severity"], names(f)) for f in recycled} == {("error", ("claimed.mp4", "IMG_0001.MOV")),
                                                             ("warning", ("claimed.mp4", "IMG_0001.MOV"))}
    [warning] = [f for f in recycled if f["severity"] == "warning"]
    assert [os.path.basename(x["path"]) for x in warning["evidence"]["excluded"]] == ["early.mp4"]
    # the report marks the claimed place with the place finding, not with recycled-footage
    page = html.read_text(encoding="utf-8")
    row = page[page.index('class="field-claimed_place"'):]
    row = row[:row.index("</tr>")]
    assert "Kyiv, Ukraine" in row and "place-mismatch" in row and "recycled-footage" not in row
    # the command line takes the same name (it was refused), and a name it cannot place is said not compared
    assert cli.main([*run, "--claim-place", "Kyiv, Ukraine", "--json", "--fail-on", "never"]) == cli_exit.EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert {names(f) for f in doc["findings"] if f["code"] == "place-mismatch"} == {
        ("IMG_0001.MOV",), ("claimed.mp4", "IMG_0001.MOV"), ("early.mp4", "IMG_0001.MOV")}
    assert cli.main([*run, "--claim-place", "Ukraine", "--json", "--fail-on", "never"]) == cli_exit.EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert not [f for f in doc["findings"] if f["code"] == "place-mismatch"]
    assert len([f for f in doc["findings"] if f["code"] == "place-not-compared"]) == 3


def test_scan_groups_a_compilation_with_the_source_of_its_letterboxed_clip(bars_case: dict[str, Path]) -> None:
    """Issue 16.3: the all-pairs candidate test samples the picture inside a stretch's bars, so the compilation
    and its pillarboxed clip's source are a candidate pair, then one group; the unrelated clip stays single."""
    r = scan([bars_case["source"], bars_case["compilation"], bars_case["other"]],
             options=Options(jobs=1, pictures=False))
    [group] = r.groups
    assert set(group.members) == {str(bars_case["source"]), str(bars_case["compilation"])}
    [pair] = group.pairs
    assert pair.verdict == "partial-overlap" and {s.channel for s in pair.segments} <= {"a-bars", "b-bars"}
    assert str(bars_case["other"]) not in group.members


def test_a_picture_in_picture_joins_its_source_by_the_feature_stage(tmp_path: Path) -> None:
    """Issue 15.2: every pair compare matches, the scan finds too. The clip small in a corner over other moving
    footage has no frame that hashes like its source's, so the hash candidates leave it single; the feature stage
    finds the source's features in its frames and compares the pair in full. The reference is the source
    (the copy is a canvas). With ``features=False`` the copy stays single."""
    from tests.fixtures import make_fixtures
    from vidverify.testing import synth

    src = synth.make_scene(tmp_path / "src.mp4", seconds=8, size=(480, 270), seed=11, audio=False)
    bg = synth.make_scene(tmp_path / "bg.mp4", seconds=6, size=(480, 270), seed=12, audio=False)
    pip = make_fixtures.picture_in_picture(src, bg, tmp_path / "pip.mp4")
    other = synth.make_scene(tmp_path / "other.mp4", seconds=5, size=(480, 270), seed=13, audio=False)
    files = [src, pip, other]
    without = scan(files, options=Options(jobs=1, features=False))
    assert without.groups == () and len(without.singles) == 3
    r = scan(files, options=Options(jobs=1))
    [group] = r.groups
    assert set(group.members) == {str(src), str(pip)} and r.singles == (str(other),)
    assert group.reference == str(src)
    [pair] = group.pairs
    assert pair.verdict == "same-footage" and {s.channel for s in pair.segments} == {"b-region"}
    assert any(e.type == "pad" and e.detail["surround"] == "canvas" for e in pair.edits)


def test_files_are_looked_for_in_other_groups_within_a_bound(small: dict[str, Path], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    """The feature stage looks in each file of a group that has room for another picture (no close copy over the
    whole frame) for the other groups' references (a picture-in-picture whose background joined another group);
    the pairs are counted before any is made: over ACROSS_MAX_PAIRS, none, with a warning."""
    import logging

    import vidverify.pipeline.scanning as scanning
    from vidverify.testing import synth

    folder = tmp_path / "two groups"
    folder.mkdir()
    for name in ("x", "x_small", "y"):
        os.link(small[name], folder / f"{name}.mp4")
    for name in ("x", "y"):  # a box over a corner: 8-13% of the frame, matched farther or on a half
        synth.overlay_logo(small[name], folder / f"{name}_logo.mp4", box=(200, 100, 110, 70))
    asked: list[set[tuple[str, str]]] = []

    def spy(fps: list, pairs: list, *, one_way: list = (), **_: object) -> list:
        asked.append({(Path(fps[i].path).stem, Path(fps[j].path).stem) for i, j in one_way})
        return []

    monkeypatch.setattr(scanning.feature_stage, "feature_pairs", spy)
    # looked in: x_logo, y, y_logo (x and x_small are close copies); looked for: the other group's reference
    refs = {("y", "x"), ("y_logo", "x"), ("x_logo", "y")}
    for cap, want in ((3, refs), (2, None)):
        monkeypatch.setattr(scanning, "ACROSS_MAX_PAIRS", cap)
        asked.clear()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="vidverify"):
            groups = scan([folder], options=Options(jobs=1)).groups
        assert sorted(sorted(Path(p).stem for p in g.members) for g in groups) == [["x", "x_logo", "x_small"],
                                                                                 ["y", "y_logo"]]
        assert asked == ([want] if want else []), (cap, asked)
        assert ("not looked for inside each other" in caplog.text) == (want is None)


def test_a_clip_is_looked_for_in_a_picture_in_picture_though_a_grid_joined_them_by_regions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The lineage benchmark's composites: a grid shows the clip and the background of a picture-in-picture in
    its cells, so one group holds them all, and the feature stage, which looked for other groups' pictures only,
    never looked for the clip in the picture-in-picture's corner. The sets it looks across are joined by whole
    pictures only: the picture-in-picture (matched to its background over the whole frame, 8.9 bits: room for
    another picture) is looked in for the clip; a pair already matched (the grid and the clip) is not asked again;
    a close copy (the background's) is looked in for nothing; a crop placed by features joins its source's set."""
    import vidverify.pipeline.scanning as scanning
    from tests.fixtures.fingerprints import synth_fp, synth_info
    from vidverify.models import FileRef, Match, Segment
    from vidverify.pipeline.ingest import Item

    names = ("clip", "bg", "bg_copy", "pip", "grid", "crop", "repost")
    items = [Item(f"/case/{n}.mp4", synth_info(fp), fp) for n, fp in
             ((n, replace(synth_fp(90 + k), path=f"/case/{n}.mp4")) for k, n in enumerate(names))]

    def match(a: str, b: str, channel: str, bits: float) -> Match:
        return Match(FileRef(f"/case/{a}.mp4", duration=10.0), FileRef(f"/case/{b}.mp4", duration=10.0),
                     "same-footage", 0.99, {"a": 1.0, "b": 1.0},
                     (Segment(0, 10, 0, 10, distance=bits, frames=300, channel=channel),))

    matches = [match("clip", "grid", "b-canvas1", 3.0), match("bg", "grid", "b-canvas2", 3.0),
               match("bg", "bg_copy", "full", 1.0), match("bg", "pip", "full", 8.9),
               match("clip", "crop", "a-region", 4.0),  # a crop of the clip that features placed: no canvas
               match("clip", "repost", "b-canvas1", 2.0)]  # a canvas of the clip (a 9:16 re-post, say)
    asked: list[set[tuple[str, str]]] = []

    def spy(fps: list, pairs: list, *, one_way: list = (), **_: object) -> list:
        asked.append({(Path(fps[i].path).stem, Path(fps[j].path).stem) for i, j in one_way})
        return []

    monkeypatch.setattr(scanning.feature_stage, "feature_pairs", spy)

    def plain(members: object, ms: object) -> tuple[list[str], list[str]]:  # the grid is a canvas
        return ([p for p in members if "grid" not in p],  # type: ignore[attr-defined]
                [p for p in members if "grid" in p])  # type: ignore[attr-defined]

    scanning._by_features(items, matches, Options(jobs=1), None, plain)
    [pairs] = asked
    assert ("pip", "clip") in pairs and ("grid", "clip") not in pairs and ("grid", "bg") not in pairs
    assert not any(looked_in == "bg_copy" or looked_in == "bg" for looked_in, _ in pairs)
    # the crop is in the clip's set (looked in for the others', not for the clip); the grid, a set of a canvas
    # alone, is looked for in the other canvases only (the re-post: it may show all of the grid)
    assert ("crop", "clip") not in pairs and ("crop", "bg") in pairs
    assert {p for p, looked_for in pairs if looked_for == "grid"} == {"repost"}
