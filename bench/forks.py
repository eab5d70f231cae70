"""Forks on the emulator: a 500-asset, 40-scene project forked with one asset edited, side by side
with a naive copy that writes one document per call; and face matching of 1,000 new faces against
10,000 inherited embeddings on this CPU (target < 0.2 s)."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)

from bench.sizes import size
from devstack.emulators import Stack

ASSETS, SCENES, FACES = size((500, 40, 100), (40, 8, 10))
EDITED_SCENE = SCENES // 2  # the edited asset is one this scene uses: half the scenes are inherited
KNOWN, NEW, RUNS = size((10_000, 1_000, 5), (1_000, 100, 1))  # face matching
OWNER = "bench-owner"
commits: Counter[str] = Counter()


def count_commits() -> None:
    from google.cloud.firestore_v1.services.firestore.client import FirestoreClient

    original = FirestoreClient.commit

    def commit(self, *args, **kwargs):
        commits["commit"] += 1
        return original(self, *args, **kwargs)

    FirestoreClient.commit = commit


def seed() -> tuple[str, str]:
    from common.gcp import db
    from common.library import embeddings
    from common.library.manifests import manifest_ref, to_doc
    from common.library.models import Category, Manifest
    from common.projects import projects
    from common.projects.models import (
        GenerateRequest,
        PipelineProjectUpdate,
        PipelineSceneUpdate,
        ProjectStatus,
        SceneManifest,
    )
    from common.records import utcnow

    now = utcnow()
    manifest = Manifest(
        id="b" * 32,
        owner_id=OWNER,
        name="big",
        category=Category.MIXED,
        created_at=now,
        updated_at=now,
        asset_count=ASSETS,
        tag_high={"CHARACTER": ASSETS},
    )
    writes = [(manifest_ref(manifest.id), to_doc(manifest))]
    rng = np.random.default_rng(0)
    for i in range(ASSETS):
        asset_id = f"{i:032x}"
        writes.append(
            (
                db.collection(db.ASSETS).document(asset_id),
                {
                    "owner_id": OWNER,
                    "manifest_id": manifest.id,
                    "name": f"asset {i}",
                    "asset_type": "CHARACTER",
                    "manifest_tag": f"CHAR_{i + 1:02d}",
                    "sort_order": i,
                    "created_at": now,
                    "updated_at": now,
                    "image_path": f"manifests/{manifest.id}/uploads/{asset_id}_x.jpg",
                    "reverse_prompt": "a person " * 30,
                },
            )
        )
        writes.append(
            (
                manifest_ref(manifest.id).collection(db.TAG_CLAIMS).document(f"CHAR_{i + 1:02d}"),
                {"asset_type": "CHARACTER", "number": i + 1, "at": now},
            )
        )
        if i < FACES:
            vector = rng.normal(size=512)
            unit = (vector / np.linalg.norm(vector)).tolist()
            writes.append(
                (
                    db.collection(db.FACES).document(asset_id),
                    embeddings.face_doc(manifest.id, OWNER, None, 0.9, unit, at=now),
                )
            )
    db.set_all(writes)
    project = projects.generate(OWNER, GenerateRequest(prompt="a crowd", manifest_id=manifest.id))
    for index in range(SCENES):
        tags = [f"CHAR_{(index * 7) % ASSETS + 1:02d}", f"CHAR_{(index * 13) % ASSETS + 1:02d}"]
        projects.record_scene(
            project.id,
            index,
            PipelineSceneUpdate(
                storyboard_text=f"scene {index}",
                clip_url=f"gs://c/{index}.mp4",
                scene_manifest=SceneManifest(asset_tags=tags),
            ),
        )
    projects.record_progress(project.id, PipelineProjectUpdate(status=ProjectStatus.COMPLETE))
    return manifest.id, project.id


def naive_copy(project_id: str) -> None:
    """What a straightforward fork does: read everything, then one write call per document."""
    from common.gcp import db
    from common.ids import new_id
    from common.library import embeddings
    from common.projects import projects, snapshots
    from common.records import utcnow

    project = projects.get(project_id)
    _, assets = snapshots.read(project.snapshot_id or "")
    target = new_id()
    for asset in assets:
        doc = {k: v for k, v in asset.items() if k != "id"} | {"manifest_id": target, "is_inherited": True}
        db.collection(db.ASSETS).document(new_id()).set(doc)
        if asset.get("face_embedding"):  # the same face document the fork writes
            face = embeddings.face_doc(target, OWNER, None, 0.9, asset["face_embedding"], at=utcnow())
            db.collection(db.FACES).document(new_id()).set(face)
    ref = db.collection(db.MANIFESTS).document(target)
    for claim in (
        db.collection(db.MANIFESTS).document(project.manifest_id or "").collection(db.TAG_CLAIMS).stream()
    ):
        ref.collection(db.TAG_CLAIMS).document(claim.id).set(claim.to_dict() or {})
    ref.set({"owner_id": OWNER, "name": "naive fork"})
    new_project = new_id()
    for scene in projects.scenes_of(project_id)[:EDITED_SCENE]:
        projects.scene_ref(new_project, scene.index).set(scene.model_dump())
    projects.project_ref(new_project).set({"owner_id": OWNER, "prompt": project.prompt})


def main() -> None:
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(state_dir=Path(state))
        stack.start()
        try:
            os.environ.update(stack.env())
            from common.projects import forks
            from common.projects.models import AssetChanges, AssetEdit, ForkRequest, ModifiedAsset

            _, project_id = seed()
            count_commits()
            edited = f"{(EDITED_SCENE * 7) % ASSETS:032x}"
            edit = ModifiedAsset(changes=AssetEdit(reverse_prompt="changed"))
            request = ForkRequest(asset_changes=AssetChanges(modified_assets={edited: edit}))
            started = time.perf_counter()
            made = forks.fork(OWNER, project_id, request)
            fork_s = time.perf_counter() - started
            fork_commits = commits["commit"]
            commits.clear()
            started = time.perf_counter()
            naive_copy(project_id)
            naive_s = time.perf_counter() - started
            naive_commits = commits["commit"]
        finally:
            stack.stop()

    from gpu_service.vision.clustering import Face, Group, cluster, normalize

    rng = np.random.default_rng(1)
    known = normalize(rng.normal(size=(KNOWN, 512)).astype(np.float32))
    new = normalize(rng.normal(size=(NEW, 512)).astype(np.float32))
    fresh = [Face(f"n{i}", v, 0.9, f"s{i % 100}") for i, v in enumerate(new)]

    def inherited() -> list[Group]:
        return [Group.of(Face(f"k{i}", v, 0.9, f"k{i}")) for i, v in enumerate(known)]

    runs = []
    for _ in range(RUNS):
        groups = inherited()
        started = time.perf_counter()
        cluster(fresh, 0.5, groups=groups)
        runs.append(time.perf_counter() - started)

    print(
        f"fork of a {ASSETS}-asset, {SCENES}-scene project ({FACES} embeddings), one asset edited "
        f"(boundary {made.invalidation.scene_copy_boundary}, branch {made.project.branch}):"
    )
    print(f"  batched fork    {fork_s * 1000:7.0f} ms  {fork_commits:4d} commits")
    print(f"  naive copy      {naive_s * 1000:7.0f} ms  {naive_commits:4d} commits")
    print(f"  speed-up        x{naive_s / fork_s:.1f}   (target >= 5)")
    print(
        f"face matching, {NEW:,} new vs {KNOWN:,} known (512-d, {os.cpu_count()} cores): "
        f"median {statistics.median(runs) * 1000:.0f} ms (target < 200 ms at 1,000 vs 10,000)"
    )


if __name__ == "__main__":
    main()
