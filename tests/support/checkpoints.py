"""Setting up checkpoints the way the video pipeline does: through its own endpoints."""

from __future__ import annotations

import base64
import io
import time
from typing import Any

from PIL import Image

from tests.support.api import Api

SPEC: dict[str, Any] = {
    "title": "The lighthouse",
    "logline": "A keeper finds a message in a bottle.",
    "style": "watercolour",
    "aspect_ratio": "16:9",
    "duration_s": 12,
    "beats": [
        {"description": "Dawn over the lighthouse", "duration_s": 4, "asset_tags": ["ENV_01"]},
        {"description": "The keeper walks the shore", "duration_s": 4, "asset_tags": ["CHAR_01"]},
        {"description": "A bottle in the surf", "duration_s": 4, "asset_tags": ["OBJ_01"]},
    ],
}
COLOURS = ("steelblue", "darkorange", "seagreen")


def png(colour: str, size: tuple[int, int] = (160, 96)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    image.paste(Image.new("RGB", (size[0] // 3, size[1] // 3), "white"), (10, 10))  # something to see
    image.save(out, "PNG")
    return out.getvalue()


def mp4(colour: str, frames: int = 8, fps: float = 4.0) -> bytes:
    from gpu_service.vision import clips

    image = Image.open(io.BytesIO(png(colour)))
    return clips.write([image] * frames, fps, image.size)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def project(user: Api, **fields: Any) -> dict[str, Any]:
    response = user.post(
        "/api/generate", json={"pipeline": "external", "prompt": "a lighthouse keeper's morning", **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def checkpoint(
    pipeline: Api, project_id: str, phase: int, branch: str = "main", *, ready: bool = True
) -> str:
    """A checkpoint of `phase` on `branch` with its artifacts recorded (and marked ready)."""
    response = pipeline.post(
        f"/api/pipeline/projects/{project_id}/checkpoints", json={"phase": phase, "branch": branch}
    )
    assert response.status_code == 201, response.text
    checkpoint_id = response.json()["checkpoint_id"]
    for record in artifacts(phase):
        response = pipeline.post(f"/api/pipeline/checkpoints/{checkpoint_id}/artifacts", json=record)
        assert response.status_code == 201, response.text
    if ready:
        response = pipeline.post(f"/api/pipeline/checkpoints/{checkpoint_id}/ready")
        assert response.status_code == 200, response.text
    return checkpoint_id


def artifacts(phase: int) -> list[dict[str, Any]]:
    if phase == 1:
        return [{"artifact_type": "spec", "artifact_key": "spec", "content": SPEC}]
    if phase == 2:
        return [
            {
                "artifact_type": "beat_image",
                "artifact_key": str(i),
                "media_data": b64(png(colour)),
                "prompt": SPEC["beats"][i]["description"],
            }
            for i, colour in enumerate(COLOURS)
        ]
    return [
        {
            "artifact_type": "chunk_clip",
            "artifact_key": str(i),
            "media_data": b64(mp4(colour)),
            "prompt": f"chunk {i}: {SPEC['beats'][i]['description']}",
        }
        for i, colour in enumerate(COLOURS[:2])
    ]


def detail(user: Api, checkpoint_id: str) -> dict[str, Any]:
    response = user.get(f"/api/checkpoints/{checkpoint_id}")
    assert response.status_code == 200, response.text
    return response.json()


def artifact(user: Api, checkpoint_id: str, artifact_type: str, key: str) -> dict[str, Any]:
    found = [
        a
        for a in detail(user, checkpoint_id)["artifacts"]
        if a["artifact_type"] == artifact_type and a["artifact_key"] == key
    ]
    assert len(found) == 1
    return found[0]


def wait_for_job(user: Api, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = user.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("DONE", "ERROR"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not finished after {timeout} s: {job}")


PHASES = {1: "spec", 2: "storyboard", 3: "chunks"}


def three_phases(pipeline: Api, project_id: str) -> dict[int, str]:
    return {phase: checkpoint(pipeline, project_id, phase) for phase in PHASES}


def versions_everywhere(user: Api, checkpoint_ids: dict[int, str]) -> dict[str, int]:
    return {
        f"{phase}:{a['artifact_type']}:{a['artifact_key']}": a["version"]
        for phase, cid in checkpoint_ids.items()
        for a in detail(user, cid)["artifacts"]
    }
