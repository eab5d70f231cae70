"""Continuity on real photos through the real stack: each beat image and chunk clip version is
checked on the GPU service against the project's snapshot cast, without anyone asking."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image, ImageOps

from common.continuity.jobs import ContinuityJob
from common.jobs import lifecycle
from devstack.emulators import Stack
from devstack.testdata import stranger_photo
from gpu_service.vision import clips
from tests.support.api import Api, wait_for
from tests.support.checkpoints import b64, detail, project
from tests.support.cli import vidpipe
from tests.support.engine import deliver, manifest_of_photos, process

pytestmark = pytest.mark.usefixtures("worker")


def clip_of(*paths: Path, frames_each: int = 4, fps: float = 2.0) -> bytes:
    """A 640 x 480 clip showing each photo in turn (letterboxed), `frames_each` frames each."""
    size = (640, 480)
    pictures = [ImageOps.pad(Image.open(p).convert("RGB"), size, color=(40, 40, 40)) for p in paths]
    return clips.write([p for p in pictures for _ in range(frames_each)], fps, size)


def jpeg(path: Path) -> bytes:
    out = io.BytesIO()
    Image.open(path).convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


@pytest.fixture(scope="module")
def cast_manifest(worker: Stack, base_url: str, spec: dict[str, Any], photos: Path) -> dict[str, Any]:
    """A manifest of Obama and Biden, processed (once for the module)."""
    owner = Api(base_url, spec, "continuity-owner")
    manifest = manifest_of_photos(owner, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    done = process(owner, manifest["id"])
    handles = {m["name"]: m["handle"] for m in done["cast"]}
    obama, biden = handles["Obama"], handles["Biden"]
    return {"owner": owner, "manifest_id": manifest["id"], "obama": obama, "biden": biden}


@pytest.fixture
def cast_project(cast_manifest: dict[str, Any], pipeline: Api) -> dict[str, Any]:
    """A project made from the manifest: scenes 0 and 1 ask for Obama, scene 2 for both."""
    owner, obama, biden = cast_manifest["owner"], cast_manifest["obama"], cast_manifest["biden"]
    made = project(owner, manifest_id=cast_manifest["manifest_id"])
    for index, tags in enumerate(([obama], [obama], [obama, biden])):
        scene = {"storyboard_text": f"scene {index}", "scene_manifest": {"asset_tags": tags}}
        answer = pipeline.put(f"/api/pipeline/projects/{made['project_id']}/scenes/{index}", json=scene)
        assert answer.status_code == 200, answer.text
    return {**cast_manifest, "pipeline": pipeline, "project": made}


def record(pipeline: Api, project_id: str, phase: int, media: list[bytes]) -> str:
    answer = pipeline.post(f"/api/pipeline/projects/{project_id}/checkpoints", json={"phase": phase})
    assert answer.status_code == 201, answer.text
    checkpoint_id = answer.json()["checkpoint_id"]
    kind = "beat_image" if phase == 2 else "chunk_clip"
    for key, data in enumerate(media):
        body = {"artifact_type": kind, "artifact_key": str(key), "media_data": b64(data)}
        answer = pipeline.post(f"/api/pipeline/checkpoints/{checkpoint_id}/artifacts", json=body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["continuity"]["status"] == "pending"  # written with the version
    assert pipeline.post(f"/api/pipeline/checkpoints/{checkpoint_id}/ready").status_code == 200
    return checkpoint_id


def reports(owner: Api, checkpoint_id: str, timeout: float = 120) -> dict[str, dict[str, Any]]:
    """Each artifact's report, once none is pending."""

    def settled() -> dict[str, dict[str, Any]] | None:
        found = {a["artifact_key"]: a["continuity"] for a in detail(owner, checkpoint_id)["artifacts"]}
        return None if any(r is None or r["status"] == "pending" for r in found.values()) else found

    found = wait_for(settled, timeout=timeout, interval=0.5)
    assert found, f"reports still pending after {timeout} s: {detail(owner, checkpoint_id)['artifacts']}"
    return found  # type: ignore[no-any-return]


def test_beats_report_who_they_show_against_the_snapshot_cast(
    cast_project: dict[str, Any], photos: Path
) -> None:
    owner, pipeline = cast_project["owner"], cast_project["pipeline"]
    obama, biden = cast_project["obama"], cast_project["biden"]
    project_id = cast_project["project"]["project_id"]
    # beat 0: another photo of Obama; beat 1: a man outside the cast; beat 2: Obama and Biden asked,
    # only Biden shown
    beats = [jpeg(photos / "obama2.jpg"), jpeg(stranger_photo()), jpeg(photos / "biden.jpg")]
    checkpoint_id = record(pipeline, project_id, 2, beats)
    found = reports(owner, checkpoint_id)

    ok = found["0"]
    assert ok["status"] == "ok", ok
    assert [(c["handle"], c["expected"], c["frames_seen"]) for c in ok["characters"]] == [(obama, True, 1)]
    assert ok["characters"][0]["similarity"] >= 0.6 and ok["missing"] == [] and ok["unknown_faces"] == 0
    assert ok["frames_checked"] == 1 and ok["snapshot_id"] == cast_project["project"]["snapshot_id"]
    # Each face found, with its box in the frame's pixels, to draw over the frame.
    width, height = Image.open(photos / "obama2.jpg").size
    (face,) = ok["faces"]
    x1, y1, x2, y2 = face["box"]
    assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height and ok["frames_at_s"] == [0.0]
    assert (face["frame"], face["character_id"], face["matched"], face["identifiable"]) == (
        0,
        ok["characters"][0]["character_id"],
        True,
        True,
    )
    assert face["similarity"] == ok["characters"][0]["similarity"]
    assert ok["gpu_seconds"] > 0 and ok["cost"] > 0

    stranger = found["1"]
    assert stranger["status"] == "missing", stranger
    assert stranger["missing"] == [obama] and stranger["unknown_faces"] == 1 and stranger["characters"] == []
    (face,) = stranger["faces"]
    assert face["identifiable"] and not face["matched"] and face["similarity"] < 0.6

    partial = found["2"]
    assert partial["status"] == "missing" and partial["missing"] == [obama], partial
    assert [c["handle"] for c in partial["characters"]] == [biden]

    # the version's cost carries the check's GPU time, and so does the checkpoint's total
    state = detail(owner, checkpoint_id)
    for artifact in state["artifacts"]:
        assert (
            artifact["cost"]
            == artifact["continuity"]["cost"]
            == artifact["versions"][-1]["continuity"]["cost"]
        )
    assert state["total_cost"] == pytest.approx(sum(a["cost"] for a in state["artifacts"]))

    # the project's summary: worst first, the command line prints it
    summary = owner.get(f"/api/projects/{project_id}/continuity").json()
    assert [(s["scene_index"], s["status"]) for s in summary["scenes"]] == [
        (1, "missing"),
        (2, "missing"),
        (0, "ok"),
    ]
    assert summary["counts"] == {"missing": 2, "ok": 1}
    shown = [requests.get(s["beat"]["media_url"], timeout=10) for s in summary["scenes"]]
    assert all(r.status_code == 200 and r.headers["Content-Type"].startswith("image/") for r in shown)
    printed = vidpipe(cast_project["owner"].base_url, owner.uid or "", "continuity", project_id)
    assert printed.returncode == 0, printed.stderr
    rows = [line.split() for line in printed.stdout.splitlines()[2:]]
    assert [row[:3] for row in rows] == [
        ["main", "1", "missing"],
        ["main", "2", "missing"],
        ["main", "0", "ok"],
    ]


def test_a_clip_that_changes_person_reports_both(cast_project: dict[str, Any], photos: Path) -> None:
    owner, pipeline = cast_project["owner"], cast_project["pipeline"]
    project_id = cast_project["project"]["project_id"]
    clip = clip_of(photos / "obama2.jpg", stranger_photo(), frames_each=4, fps=2.0)
    checkpoint_id = record(pipeline, project_id, 3, [clip])
    report = reports(owner, checkpoint_id)["0"]
    assert report["status"] == "unknown", report
    assert report["frames_checked"] == 8
    (seen,) = report["characters"]
    assert (seen["handle"], seen["frames_seen"], seen["expected"]) == (cast_project["obama"], 4, True)
    assert report["unknown_faces"] == 1 and report["missing"] == []
    assert report["frames_at_s"] == [n / 2 for n in range(8)]  # sampled at 2 a second
    named = [f["frame"] for f in report["faces"] if f["matched"]]
    strangers = [f["frame"] for f in report["faces"] if f["identifiable"] and not f["matched"]]
    assert named == [0, 1, 2, 3] and strangers == [4, 5, 6, 7]  # who is where, frame by frame


def face_square(path: Path, side: int = 256) -> Image.Image:
    """The photo cut to a square around its face (the face detector's box, with a margin)."""
    from gpu_service.vision import faces, imaging

    picture = imaging.decode(path.read_bytes())
    x1, y1, x2, y2 = faces.detect(picture.bgr)[0].bbox
    half, cx, cy = 0.8 * max(x2 - x1, y2 - y1), (x1 + x2) / 2, (y1 + y2) / 2
    return picture.rgb.crop((int(cx - half), int(cy - half), int(cx + half), int(cy + half))).resize(
        (side, side)
    )


def test_a_likeness_that_slips_for_a_stretch_of_frames_is_drift(
    cast_project: dict[str, Any], photos: Path
) -> None:
    """Obama's face with another man's mixed in for six frames (as bench/continuity.py's slip)."""
    owner, pipeline = cast_project["owner"], cast_project["pipeline"]
    obama, other = face_square(photos / "obama2.jpg"), face_square(stranger_photo())
    frames = []
    for share in (0.0, 0.0, 0.35, 0.4, 0.45, 0.45, 0.4, 0.35, 0.0, 0.0):
        canvas = Image.new("RGB", (640, 480), (90, 90, 90))
        canvas.paste(Image.blend(obama, other, share), (192, 112))
        frames.append(canvas)
    checkpoint_id = record(
        pipeline, cast_project["project"]["project_id"], 3, [clips.write(frames, 2.0, (640, 480))]
    )
    report = reports(owner, checkpoint_id)["0"]
    assert report["status"] == "drift", report
    (seen,) = report["characters"]
    assert seen["handle"] == cast_project["obama"] and seen["frames_seen"] >= 4
    assert seen["drift_frames"] >= 2 and seen["lowest_similarity"] < 0.6 <= seen["similarity"]
    assert report["unknown_faces"] == 0


def test_a_redelivered_check_writes_one_report(
    cast_project: dict[str, Any], photos: Path, worker: Stack
) -> None:
    owner, pipeline = cast_project["owner"], cast_project["pipeline"]
    checkpoint_id = record(pipeline, cast_project["project"]["project_id"], 2, [jpeg(photos / "obama2.jpg")])
    first = reports(owner, checkpoint_id)["0"]
    again = deliver(worker.worker_url, first["job_id"], kind="check_continuity")
    assert again.status_code == 200 and again.json()["outcome"] == "already done", again.text
    beat = detail(owner, checkpoint_id)["artifacts"][0]
    assert beat["continuity"] == first and beat["cost"] == first["cost"]  # the cost was added once

    # asked again: a new job, a new report; the version's cost now holds both checks
    answer = owner.post(f"/api/checkpoints/{checkpoint_id}/continuity", json={"artifact_key": "0"})
    assert answer.status_code == 202, answer.text
    (check,) = answer.json()["checks"]
    assert check["version"] == 1 and check["job_id"] != first["job_id"]
    second = reports(owner, checkpoint_id)["0"]
    assert second["job_id"] == check["job_id"] and second["status"] == "ok"
    beat = detail(owner, checkpoint_id)["artifacts"][0]
    assert beat["cost"] == pytest.approx(first["cost"] + second["cost"])


def test_each_version_has_its_own_report(cast_project: dict[str, Any], photos: Path) -> None:
    owner, pipeline = cast_project["owner"], cast_project["pipeline"]
    checkpoint_id = record(pipeline, cast_project["project"]["project_id"], 2, [jpeg(photos / "obama2.jpg")])
    assert reports(owner, checkpoint_id)["0"]["status"] == "ok"
    # the owner replaces scene 0's beat with a photo of Biden: the new version is checked at once
    files = {"file": ("beat.jpg", jpeg(photos / "biden.jpg"), "image/jpeg")}
    answer = owner.post(
        f"/api/checkpoints/{checkpoint_id}/upload-image", files=files, data={"beat_index": "0"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 2 and answer.json()["continuity"]["status"] == "pending"
    latest = reports(owner, checkpoint_id)["0"]
    assert latest["status"] == "missing" and latest["missing"] == [cast_project["obama"]], latest
    assert [c["handle"] for c in latest["characters"]] == [cast_project["biden"]]
    beat = detail(owner, checkpoint_id)["artifacts"][0]
    assert [v["continuity"]["status"] for v in beat["versions"]] == ["ok", "missing"]


def test_an_undecodable_clip_is_an_error_not_a_retry_loop(cast_project: dict[str, Any]) -> None:
    owner, pipeline = cast_project["owner"], cast_project["pipeline"]
    broken = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8  # an MP4 header, then nothing playable
    checkpoint_id = record(pipeline, cast_project["project"]["project_id"], 3, [broken])
    report = reports(owner, checkpoint_id)["0"]
    assert report["status"] == "error" and "decodable" in report["error"], report
    job = owner.get(f"/api/jobs/{report['job_id']}").json()
    assert (job["kind"], job["status"], job["version"]) == ("check_continuity", "ERROR", 1), job
    stored = lifecycle.read_job(report["job_id"], ContinuityJob)
    assert stored is not None and stored.attempts == 1  # answered at once, not retried


def test_only_the_owner_sees_or_asks(cast_project: dict[str, Any], mallory: Api, photos: Path) -> None:
    owner, pipeline = cast_project["owner"], cast_project["pipeline"]
    project_id = cast_project["project"]["project_id"]
    checkpoint_id = record(pipeline, project_id, 2, [jpeg(photos / "obama2.jpg")])
    assert mallory.get(f"/api/projects/{project_id}/continuity").status_code == 404
    answer = mallory.post(f"/api/checkpoints/{checkpoint_id}/continuity", json={})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    reports(owner, checkpoint_id)


def test_projects_without_a_manifest_are_not_checked(alice: Api, pipeline: Api) -> None:
    from tests.support.checkpoints import checkpoint

    made = project(alice)
    checkpoint_id = checkpoint(pipeline, made["project_id"], 2)
    assert all(a["continuity"] is None for a in detail(alice, checkpoint_id)["artifacts"])
    answer = alice.post(f"/api/checkpoints/{checkpoint_id}/continuity", json={})
    assert answer.status_code == 409 and "no cast" in answer.json()["error"]["message"]
    spec_checkpoint = checkpoint(pipeline, made["project_id"], 1)
    assert alice.post(f"/api/checkpoints/{spec_checkpoint}/continuity", json={}).status_code == 409
    assert alice.get(f"/api/projects/{made['project_id']}/continuity").json()["scenes"][0]["status"] is None
