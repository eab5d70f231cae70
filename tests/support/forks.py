"""A finished project to fork: generated from a manifest, its scenes recorded by the pipeline."""

from __future__ import annotations

from tests.support.api import Api

SCENES = [["ENV_01"], ["CHAR_01", "ENV_01"], ["CHAR_02"], ["CHAR_01"]]


def finished_project(alice: Api, pipeline: Api, manifest_id: str | None) -> dict:
    body = {"pipeline": "external", "prompt": "a chase at night", "style": "noir"} | (
        {"manifest_id": manifest_id} if manifest_id else {}
    )
    project = alice.post("/api/generate", json=body).json()
    url = f"/api/pipeline/projects/{project['project_id']}"
    for index, tags in enumerate(SCENES):
        scene = {
            "storyboard_text": f"scene {index}",
            "keyframe_url": f"gs://k/{index}.png",
            "clip_url": f"gs://c/{index}.mp4",
            "scene_manifest": {"asset_tags": tags},
        }
        assert pipeline.put(f"{url}/scenes/{index}", json=scene).status_code == 200
    assert pipeline.put(url, json={"stage": "complete", "status": "complete"}).status_code == 200
    return project
