"""Forks of finished projects: inherit what is unchanged, apply the asset edits, redo what they touch.

The fork gets its own manifest holding a copy of every asset of the parent's snapshot that is not
removed (`is_inherited`, same tags, same stored images), with edits applied; new uploads and new
reference images are stored under the fork's manifest and go through the engine incrementally.
Scenes below the invalidation boundary are copied. Nothing of the parent is ever written: the
parent project, its manifest and its assets are only read (through its immutable snapshot).

`fork` reads as its steps: validate everything (images decoded) before the first write, build
the fork's records, write what nothing points at yet side by side, then commit the project (with
its branch name and, when nothing needs the engine, its snapshot) and start the engine if needed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from google.cloud.firestore import Increment, WriteBatch

from common.errors import ApiError, Conflict, ValidationFailed
from common.gcp import db
from common.jobs import lifecycle
from common.jobs.models import ManifestJob
from common.library import assets as asset_ops
from common.library import embeddings, images, uploads
from common.library import manifests as manifest_ops
from common.library.copies import clone_assets
from common.library.models import Asset, Manifest, ManifestStatus
from common.projects import branches, projects, snapshots
from common.projects.invalidation import Invalidation, invalidate
from common.projects.models import (
    TERMINAL_STATUSES,
    AssetChanges,
    ForkRequest,
    NewUpload,
    Project,
    ProjectStatus,
    Scene,
)
from common.records import decode_base64, new_id, utcnow

Writes = list[tuple[Any, dict[str, Any]]]


@dataclass
class Fork:
    project: Project
    invalidation: Invalidation


@dataclass
class AssetEdits:
    """The parent's snapshot and what the fork does to its assets, validated."""

    source: dict[str, Any]  # the snapshot document (it holds the parent manifest's fields)
    inherited: list[dict[str, Any]]
    changes: AssetChanges
    new_images: dict[str, images.ValidImage] = field(default_factory=dict)  # by parent asset id
    uploads: list[tuple[NewUpload, images.ValidImage]] = field(default_factory=list)

    @property
    def removed(self) -> set[str]:
        return set(self.changes.removed_asset_ids)

    @property
    def needs_engine(self) -> bool:
        return bool(self.new_images or self.uploads)

    def changed_tags(self) -> list[str]:
        by_id = {a["id"]: a for a in self.inherited}
        return [by_id[i]["manifest_tag"] for i in set(self.changes.modified_assets) | self.removed]


@dataclass
class ForkedManifest:
    manifest: Manifest
    edits: AssetEdits
    writes: Writes  # the inherited assets' copies and their embeddings
    id_map: dict[str, str]  # parent asset id -> its copy's id


def fork(owner_id: str, parent_id: str, request: ForkRequest) -> Fork:
    parent = projects.get_owned(owner_id, parent_id)
    edits = _validate(parent, request)
    scenes = projects.scenes_of(parent.id)
    result = _invalidation(parent, request, scenes, edits)
    project = _new_project(parent, request, result)
    forked = _fork_manifest(parent, project, edits) if edits is not None else None
    snapshot = _write(project, forked, scenes, result, request)
    _commit(parent, project, snapshot)
    if forked is not None and forked.edits.needs_engine:
        job = ManifestJob(
            id=new_id(),
            owner_id=owner_id,
            manifest_id=forked.manifest.id,
            incremental=True,
            project_id=project.id,
            created_at=project.created_at,
        )
        lifecycle.start_run(job)
    return Fork(project, result)


# ---------------------------------------------------------------- 1. validate
def _validate(parent: Project, request: ForkRequest) -> AssetEdits | None:
    """The parent's snapshot and the asset changes, checked whole (ids, images) before any write;
    None when the parent was generated without a manifest."""
    if parent.status not in TERMINAL_STATUSES:
        raise Conflict(f"only finished projects can be forked; this one is {parent.status.value}")
    changes = request.asset_changes
    if parent.snapshot_id is None:
        if changes is not None:
            raise ValidationFailed(
                "asset_changes need a project that was generated with a manifest; this one has none"
            )
        return None
    source, inherited = snapshots.read(parent.snapshot_id)
    changes = changes or AssetChanges()
    unknown = sorted(
        (set(changes.modified_assets) | set(changes.removed_asset_ids)) - {a["id"] for a in inherited}
    )
    if unknown:
        raise ValidationFailed("unknown asset ids: not in the project's manifest", {"asset_ids": unknown})
    new_images = {
        asset_id: _image(edit.changes.reference_image, f"modified_assets.{asset_id}.reference_image")
        for asset_id, edit in changes.modified_assets.items()
        if edit.changes.reference_image is not None
    }
    added = [
        (u, _image(u.image_data, f"new_uploads[{i}].image_data")) for i, u in enumerate(changes.new_uploads)
    ]
    return AssetEdits(source, inherited, changes, new_images, added)


def _image(data: str, what: str) -> images.ValidImage:
    raw = decode_base64(data, what)
    try:
        return images.validate(raw)
    except ApiError as exc:
        raise ValidationFailed(f"{what}: {exc.message}") from exc


def _invalidation(
    parent: Project, request: ForkRequest, scenes: list[Scene], edits: AssetEdits | None
) -> Invalidation:
    return invalidate(
        scene_count=len(scenes),
        scene_asset_tags={
            s.index: (s.scene_manifest.asset_tags if s.scene_manifest else None) for s in scenes
        },
        prompt_changed=request.prompt is not None and request.prompt != parent.prompt,
        style_changed=request.style is not None and request.style != parent.style,
        edited_scenes=[int(i) for i in request.scene_edits],
        deleted_scenes=request.deleted_scenes,
        clear_keyframes=request.clear_keyframes,
        changed_asset_tags=edits.changed_tags() if edits is not None else [],
    )


# ---------------------------------------------------------------- 2. build
def _new_project(parent: Project, request: ForkRequest, result: Invalidation) -> Project:
    now = utcnow()
    return Project(
        id=new_id(),
        owner_id=parent.owner_id,
        prompt=request.prompt or parent.prompt,
        style=request.style if request.style is not None else parent.style,
        title=parent.title,
        parent_project_id=parent.id,
        lineage_id=parent.lineage_id or parent.id,
        stage=result.resume_stage,
        status=ProjectStatus.PENDING,
        auto_continue=parent.auto_continue,
        created_at=now,
        updated_at=now,
    )


def _fork_manifest(parent: Project, project: Project, edits: AssetEdits) -> ForkedManifest:
    """The fork's manifest (from the parent's snapshot document) and the writes that copy its assets."""
    now = project.created_at
    manifest = Manifest.model_validate(
        {
            **edits.source.get("manifest", {}),
            "id": new_id(),
            "owner_id": project.owner_id,
            "parent_manifest_id": parent.manifest_id,
            "status": ManifestStatus.READY,
            "times_used": 0,
            "last_used_at": None,
            "version": 1,
            "asset_count": 0,
            "created_at": now,
            "updated_at": now,
            "processing": None,
            "progress": {},
            "current_step": None,
            "error": None,
            "contact_sheet_path": None,
        }
    )

    def marks(original: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "is_inherited": True,
            "inherited_from_asset": original["id"],
            "inherited_from_project": parent.id,
            "duplicated_from_asset_id": None,
        }
        edit = edits.changes.modified_assets.get(original["id"])
        if edit is not None:
            if edit.changes.name is not None:
                fields["name"] = edit.changes.name
            if edit.changes.reverse_prompt is not None:
                fields["reverse_prompt"] = edit.changes.reverse_prompt
            fields["is_inherited"] = False
        return fields

    kept = [a for a in edits.inherited if a["id"] not in edits.removed]
    writes, id_map = clone_assets(kept, manifest.id, project.owner_id, now, marks)
    # The numbering continues above every tag the parent ever issued (its live tag_high): new tags
    # are claimed from there, so they can never collide with an inherited one.
    parent_manifest = manifest_ops.manifest_ref(parent.manifest_id or "").get(field_paths=["tag_high"])
    manifest.tag_high = dict((parent_manifest.to_dict() or {}).get("tag_high") or {})
    manifest.asset_count = len(kept)
    return ForkedManifest(manifest, edits, writes, id_map)


# ---------------------------------------------------------------- 3. write
def _write(
    project: Project,
    forked: ForkedManifest | None,
    scenes: list[Scene],
    result: Invalidation,
    request: ForkRequest,
) -> dict[str, Any] | None:
    """Write everything nothing points at until the project is committed, side by side: the fork's
    scenes, its manifest and assets, and (when no image needs the engine) its snapshot's chunks.
    Returns the snapshot document to commit with the project, if there is one now."""
    snapshot = None
    with ThreadPoolExecutor(max_workers=3) as pool:
        written = [pool.submit(_copy_scenes, project, scenes, result, request)]
        if forked is not None:
            written.append(pool.submit(_write_manifest, forked))
            if not forked.edits.needs_engine:
                # Built from what is being written: the fork's manifest is new, nobody else touches it.
                doc = manifest_ops.to_doc(forked.manifest)
                snapshot = snapshots.for_project(
                    project, forked.manifest.id, doc, written_assets(forked.writes)
                )
            project.manifest_id = forked.manifest.id
        for done in written:
            done.result()  # the first failure, if any, stops the fork here: no project points at it
    return snapshot


def _write_manifest(forked: ForkedManifest) -> None:
    """Write the copies and the manifest, then store new images and add the new uploads."""
    manifest, edits = forked.manifest, forked.edits
    db.set_all([*forked.writes, (manifest_ops.manifest_ref(manifest.id), manifest_ops.to_doc(manifest))])
    replaced = {
        "is_inherited": False,
        "reverse_prompt": None,
        "visual_description": None,
        "quality_score": None,
        "described_from": None,
    }
    for old_id, image in edits.new_images.items():
        _store_image(manifest.id, forked.id_map[old_id], image, replaced)
    for upload, image in edits.uploads:
        asset = asset_ops.insert(
            Asset(
                id=new_id(),
                owner_id=manifest.owner_id,
                manifest_id=manifest.id,
                name=upload.name,
                asset_type=upload.asset_type,
                manifest_tag="",
                description=upload.description,
                user_tags=upload.tags,
                sort_order=manifest.asset_count,
                created_at=manifest.created_at,
                updated_at=manifest.created_at,
            ),
            {"asset_count": Increment(1)},
        )
        _store_image(manifest.id, asset.id, image, {"is_inherited": False})


def _store_image(manifest_id: str, asset_id: str, image: images.ValidImage, extra: dict[str, Any]) -> None:
    uploads.store(
        asset_id, uploads.object_path(manifest_id, asset_id, "reference", image.extension), image, extra
    )


def written_assets(writes: Writes) -> list[dict[str, Any]]:
    """The asset documents among clone writes, with their embeddings, as a snapshot holds them."""
    faces = {ref.id: embeddings.as_list(doc["embedding"]) for ref, doc in writes if ref.parent.id == db.FACES}
    return [
        {**doc, "id": ref.id, "face_embedding": faces.get(ref.id)}
        for ref, doc in writes
        if ref.parent.id == db.ASSETS
    ]


def _copy_scenes(project: Project, scenes: list[Scene], result: Invalidation, request: ForkRequest) -> None:
    writes: Writes = []
    for scene in scenes:
        if scene.index < result.scene_copy_boundary:
            doc = {**scene.model_dump(), "source": "inherited"}
            writes.append((projects.scene_ref(project.id, scene.index), doc))
    for index, edit in request.scene_edits.items():
        doc = {
            "index": int(index),
            "storyboard_text": edit.storyboard_text,
            "source": "edited",
            "updated_at": utcnow(),
        }
        writes.append((projects.scene_ref(project.id, int(index)), doc))
    db.set_all(writes)


# ---------------------------------------------------------------- 4. commit
def _commit(parent: Project, project: Project, snapshot: dict[str, Any] | None) -> None:
    """Create the project (and its snapshot) under the next free branch name of the parent's."""

    def commit(batch: WriteBatch, branch: str) -> None:
        project.branch = branch
        batch.create(projects.project_ref(project.id), project.model_dump(exclude={"id"}))
        if snapshot is not None:
            snapshots.create_in(batch, snapshot)

    branches.claim_child(
        project.lineage_id or parent.id, parent.branch, commit, details={"project_id": project.id}
    )
