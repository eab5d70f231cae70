"""Regeneration jobs on the GPU service: the real google-genai client against the local stand-in
(image generation and Veo's long-running operations), the offline generator, and redelivery."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from PIL import Image, ImageChops, ImageOps

from common.checkpoints import checkpoints
from common.checkpoints.jobs import RegenerationJob
from common.checkpoints.models import ArtifactType
from common.gcp import storage
from common.gcp.config import settings
from common.ids import new_id
from common.jobs.lifecycle import job_ref
from common.jobs.models import JobKind
from common.records import utcnow
from devstack.emulators import Stack
from gpu_service.generate.offline import OfflineGenerator
from gpu_service.vision import clips
from tests.support.api import Api
from tests.support.checkpoints import artifact, checkpoint, mp4, png, project, wait_for_job
from tests.support.engine import deliver
from tests.support.gemini_standin import IMAGE_TOKENS, GeminiStandIn


def decode(url: str) -> Image.Image:
    return Image.open(io.BytesIO(requests.get(url, timeout=10).content)).convert("RGB")


def first_frame(url: str) -> Image.Image:
    return clips.read(requests.get(url, timeout=10).content, max_frames=1).frames[0]


def close(a: Image.Image, b: Image.Image, tolerance: int = 24) -> bool:
    """Same picture up to video compression."""
    return max(hi for _, hi in ImageChops.difference(a, b).getextrema()) <= tolerance * 4 and all(
        abs(x - y) <= tolerance
        for x, y in zip(a.resize((8, 8)).tobytes(), b.resize((8, 8)).tobytes(), strict=True)
    )


def test_a_beat_is_regenerated_by_the_image_model(
    alice: Api, pipeline: Api, worker: Stack, gemini: GeminiStandIn
) -> None:
    cid = checkpoint(pipeline, project(alice)["project_id"], 2)
    before = artifact(alice, cid, "beat_image", "1")
    accepted = alice.post(
        f"/api/checkpoints/{cid}/regenerate-beat",
        json={"beat_index": 1, "prompt_override": "the keeper at dusk"},
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["artifact_key"] == "1" and accepted.json()["status"] == "QUEUED"
    job = wait_for_job(alice, accepted.json()["task_id"])
    assert job["status"] == "DONE", job
    assert job["kind"] == "regenerate_beat" and job["result_version"] == 2 and job["checkpoint_id"] == cid

    beat = artifact(alice, cid, "beat_image", "1")
    ((used_in, used_out),) = gemini.usage
    assert used_out == IMAGE_TOKENS and used_in > 258  # the previous version's tiles and the prompt
    cost = round((used_in * 0.30 + IMAGE_TOKENS * 30.0) / 1e6, 6)
    assert (beat["version"], beat["generator"], beat["cost"]) == (2, "gemini", cost)
    assert beat["prompt"] == "the keeper at dusk"
    # The model was given the previous version and the prompt (the stand-in answers it inverted).
    assert decode(beat["media_url"]) == ImageOps.invert(decode(before["media_url"]))
    (_, body), *_ = [(m, b) for m, b in gemini.requests if m == "generateContent"]
    assert body["generationConfig"]["responseModalities"] == ["IMAGE"]
    assert "the keeper at dusk" in body["contents"][0]["parts"][1]["text"]
    assert [v["generator"] for v in beat["versions"]] == ["pipeline", "gemini"]
    state = alice.get(f"/api/checkpoints/{cid}").json()
    assert state["total_cost"] == cost and state["edited"] is True


def test_a_chunk_is_regenerated_by_veo(
    alice: Api, pipeline: Api, worker: Stack, gemini: GeminiStandIn
) -> None:
    cid = checkpoint(pipeline, project(alice)["project_id"], 3)
    accepted = alice.post(
        f"/api/checkpoints/{cid}/regenerate-chunk",
        json={"chunk_index": 0, "model_override": "veo-3.0-generate-001"},
    )
    assert accepted.status_code == 202, accepted.text
    job = wait_for_job(alice, accepted.json()["task_id"])
    assert job["status"] == "DONE", job
    clip = artifact(alice, cid, "chunk_clip", "0")
    assert (clip["version"], clip["generator"], clip["mime_type"]) == (2, "veo", "video/mp4")
    assert clip["cost"] == 4 * 0.40  # the 2 s clip asked Veo for its nearest length, 4 s
    assert clip["prompt"] == "chunk 0: Dawn over the lighthouse"  # no override: the recorded prompt
    made = clips.read(requests.get(clip["media_url"], timeout=10).content)
    assert made.seconds == pytest.approx(4, abs=0.3)
    assert close(made.frames[0], ImageOps.invert(first_frame(clip["versions"][0]["media_url"])))
    calls = [m for m, _ in gemini.requests]
    assert calls.count("predictLongRunning") == 1 and calls.count("fetchPredictOperation") == 2
    started = next(b for m, b in gemini.requests if m == "predictLongRunning")
    assert started["parameters"]["durationSeconds"] == 4 and "image" in started["instances"][0]


def test_a_refused_generation_fails_its_job_and_changes_nothing(
    alice: Api, pipeline: Api, worker: Stack, gemini: GeminiStandIn
) -> None:
    cid = checkpoint(pipeline, project(alice)["project_id"], 3)
    gemini.script("refused")
    accepted = alice.post(f"/api/checkpoints/{cid}/regenerate-chunk", json={"chunk_index": 1})
    job = wait_for_job(alice, accepted.json()["task_id"])
    assert job["status"] == "ERROR" and "prompt refused" in job["error"]
    assert artifact(alice, cid, "chunk_clip", "1")["version"] == 1
    assert alice.get(f"/api/checkpoints/{cid}").json()["revision"] == 0


def test_a_job_delivered_twice_writes_one_version_and_pays_once(
    alice: Api, pipeline: Api, worker: Stack, gemini: GeminiStandIn
) -> None:
    project_id = project(alice)["project_id"]
    cid = checkpoint(pipeline, project_id, 2)
    job = RegenerationJob(
        id=new_id(),
        kind=JobKind.REGENERATE_BEAT,
        owner_id=alice.uid or "",
        project_id=project_id,
        checkpoint_id=cid,
        artifact_key="0",
        created_at=utcnow(),
    )
    job_ref(job.id).create(job.model_dump(exclude={"id"}))  # queued by hand: we are the queue

    gemini.latency_s = 0.5  # the two deliveries overlap while the image is generated
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(
                pool.map(lambda _: deliver(worker.worker_url, job.id, kind="regenerate_beat"), range(2))
            )
    finally:
        gemini.latency_s = 0.05
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    assert len(gemini.usage) == 1  # one generation paid: the other delivery waited for it
    assert deliver(worker.worker_url, job.id, kind="regenerate_beat").json()["outcome"] == "already done"

    beat = artifact(alice, cid, "beat_image", "0")
    assert [v["version"] for v in beat["versions"]] == [1, 2]
    assert beat["versions"][1]["job_id"] == job.id
    assert alice.get(f"/api/jobs/{job.id}").json()["result_version"] == 2
    prefix = f"checkpoints/{cid}/beat_image-0/job-{job.id}"
    stored = [b.name for b in storage.bucket(settings().derived_bucket).list_blobs(prefix=prefix)]
    assert len(stored) == 1 and beat["media_url"].split("?")[0].endswith(stored[0])  # no orphan


def test_offline_generator_derives_real_media_from_the_previous_version() -> None:
    offline = OfflineGenerator()
    previous = png("steelblue", (200, 120))
    beat = offline.beat(previous, "a stormy night")
    image = Image.open(io.BytesIO(beat.data))
    assert (beat.generator, beat.mime_type, image.size) == ("offline", "image/png", (200, 120))
    assert offline.beat(previous, "a stormy night").data == beat.data  # deterministic
    assert offline.beat(previous, "a sunny day").data != beat.data  # the prompt matters
    assert (
        offline.beat(png("darkorange", (200, 120)), "a stormy night").data != beat.data
    )  # so does the input
    assert ImageChops.difference(
        image.convert("RGB"), Image.open(io.BytesIO(previous)).convert("RGB")
    ).getbbox()

    clip = offline.chunk(mp4("seagreen", frames=12, fps=6), "slow push in", model=None)
    made = clips.read(clip.data)
    assert (clip.generator, clip.mime_type, len(made.frames)) == ("offline", "video/mp4", 12)
    assert made.fps == pytest.approx(6) and made.frames[0].size == (160, 96)
    assert ImageChops.difference(made.frames[0], made.frames[-1]).getbbox()  # it moves


def test_without_credentials_a_job_uses_the_offline_generator(
    alice: Api, pipeline: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gpu_service import delivery as jobs
    from gpu_service import regenerate

    monkeypatch.setattr(regenerate, "generator", OfflineGenerator)
    project_id = project(alice)["project_id"]
    cid = checkpoint(pipeline, project_id, 3)
    job = RegenerationJob(
        id=new_id(),
        kind=JobKind.REGENERATE_CHUNK,
        owner_id=alice.uid or "",
        project_id=project_id,
        checkpoint_id=cid,
        artifact_key="1",
        created_at=utcnow(),
    )
    job_ref(job.id).create(job.model_dump(exclude={"id"}))
    assert jobs.handle(job.id, last_attempt=False) == "done"
    clip = artifact(alice, cid, "chunk_clip", "1")
    assert (clip["version"], clip["generator"], clip["cost"]) == (2, "offline", 0.0)
    assert len(clips.read(requests.get(clip["media_url"], timeout=10).content).frames) == 8
    # Run again by hand (as a redelivery racing the job's own status would): still one version.
    assert regenerate.run_regeneration(job) == 2
    assert checkpoints.get_artifact(cid, ArtifactType.CHUNK_CLIP, "1").version == 2
