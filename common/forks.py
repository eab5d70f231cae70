"""Forks of finished projects: inherit what is unchanged, apply the asset edits, redo what they touch.

The fork gets its own manifest holding a copy of every asset of the parent's snapshot that is not
removed (`is_inherited`, same tags, same stored images), with edits applied; new uploads and new
reference images are stored under the fork's manifest and go through the engine incrementally.
Scenes below the invalidation boundary are copied. Nothing of the parent is ever written: the
parent project, its manifest and its assets are only read (through its immutable snapshot).
Everything is validated (images decoded) before the first write.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from google.cloud.firestore import Increment

from common import (
    branches,
    db,
    embeddings,
    images,
    media,
    processing,
    projects,
    snapshots,
    storage,
    tags,
    uploads,
)
from common import manifests as manifest_ops
from common.errors import ApiError, Conflict, ValidationFailed
from common.invalidation import Invalidation, invalidate
from common.manifest_copy import clone_assets
from common.models import (
    TERMINAL_STATUSES,
    Asset,
    ForkRequest,
    Job,
    JobKind,
    Manifest,
    ManifestStatus,
    Project,
    ProjectStatus,
    new_id,
    utcnow,
)


@dataclass
class Fork:
    project: Project
    invalidation: Invalidation


@dataclass
class AssetEdits:
    """The parent's snapshot assets and what the fork does to them, validated."""

    inherited: list[dict[str, Any]]
    modified: dict[str, Any] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    new_images: dict[str, images.ValidImage] = field(default_factory=dict)
    uploads: list[tuple[Any, images.ValidImage]] = field(default_factory=list)


def _image(data: str, what: str) -> images.ValidImage:
    raw = media.decode_base64(data, what)
    try:
        return images.validate(raw)
    except ApiError as exc:
        raise ValidationFailed(f"{what}: {exc.message}") from exc


def fork(owner_id: str, parent_id: str, request: ForkRequest) -> Fork:
    parent = projects.get_owned(owner_id, parent_id)
    if parent.status not in TERMINAL_STATUSES:
        raise Conflict(f"only finished projects can be forked; this one is {parent.status.value}")
    changes = request.asset_changes
    if changes is not None and parent.snapshot_id is None:
        raise ValidationFailed(
            "asset_changes need a project that was generated with a manifest; this one has none"
        )
    source, inherited = snapshots.read(parent.snapshot_id) if parent.snapshot_id else ({}, [])
    by_id = {a["id"]: a for a in inherited}
    modified = changes.modified_assets if changes else {}
    removed = set(changes.removed_asset_ids) if changes else set()
    unknown = sorted((set(modified) | removed) - set(by_id))
    if unknown:
        raise ValidationFailed("unknown asset ids: not in the project's manifest", {"asset_ids": unknown})
    new_images = {
        asset_id: _image(edit.changes.reference_image, f"modified_assets.{asset_id}.reference_image")
        for asset_id, edit in modified.items()
        if edit.changes.reference_image is not None
    }
    uploads_in = [
        (u, _image(u.image_data, f"new_uploads[{i}].image_data"))
        for i, u in enumerate(changes.new_uploads if changes else [])
    ]

    scenes = projects.scenes_of(parent.id)
    result = invalidate(
        scene_count=len(scenes),
        scene_asset_tags={
            s.index: (s.scene_manifest.asset_tags if s.scene_manifest else None) for s in scenes
        },
        prompt_changed=request.prompt is not None and request.prompt != parent.prompt,
        style_changed=request.style is not None and request.style != parent.style,
        edited_scenes=[int(i) for i in request.scene_edits],
        deleted_scenes=request.deleted_scenes,
        clear_keyframes=request.clear_keyframes,
        changed_asset_tags=[by_id[i]["manifest_tag"] for i in set(modified) | removed],
    )

    now = utcnow()
    project = Project(
        id=new_id(),
        owner_id=owner_id,
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
    job: Job | None = None
    snapshot: dict[str, Any] = {}
    # Nothing points at what is written here until the project is committed (last), so the
    # independent writes go side by side: the fork's assets, its snapshot's chunks, its scenes.
    with ThreadPoolExecutor(max_workers=3) as pool:
        written = [pool.submit(_copy_scenes, project, scenes, result, request)]
        if parent.snapshot_id is not None:
            edits = AssetEdits(inherited, modified, removed, new_images, uploads_in)
            forked = _fork_manifest(parent, source, project, edits)
            project.manifest_id = forked.manifest.id
            written.append(pool.submit(_write_manifest, forked, edits))
            if new_images or uploads_in:
                job = Job(id=new_id(), kind=JobKind.PROCESS_MANIFEST, owner_id=owner_id,
                          manifest_id=forked.manifest.id, incremental=True, project_id=project.id,
                          created_at=now)  # fmt: skip
            else:
                # Built from what is being written: the fork's manifest is new, nobody else touches it.
                snapshot_id = new_id()
                doc, assets = manifest_ops.to_doc(forked.manifest), written_assets(forked.writes)
                snapshot = snapshots.prepare_from(forked.manifest.id, doc, assets, snapshot_id)
                snapshot.update({"project_id": project.id, "owner_id": owner_id, "created_at": now})
                project.snapshot_id, project.manifest_version = snapshot_id, snapshot["manifest_version"]
        for done in written:
            done.result()  # the first failure, if any, stops the fork here: no project points at it

    def commit(batch: Any, branch: str) -> None:
        project.branch = branch
        batch.create(projects.project_ref(project.id), project.model_dump(exclude={"id"}))
        if project.snapshot_id is not None:
            batch.create(snapshots.snapshot_ref(project.snapshot_id), snapshot)

    branches.claim_child(
        project.lineage_id or parent.id, parent.branch, commit, details={"project_id": project.id}
    )
    if job is not None:
        processing.start_job(job)
    return Fork(project, result)


@dataclass
class ForkedManifest:
    manifest: Manifest
    writes: list[tuple[Any, dict[str, Any]]]  # the inherited assets' copies and their embeddings
    id_map: dict[str, str]  # parent asset id -> its copy's id


def _fork_manifest(
    parent: Project, source: dict[str, Any], project: Project, edits: AssetEdits
) -> ForkedManifest:
    """The fork's manifest (from the parent's snapshot document) and the writes that copy its assets."""
    now = utcnow()
    manifest = Manifest.model_validate(
        {
            **source.get("manifest", {}),
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
        edit = edits.modified.get(original["id"])
        if edit is not None:
            change = edit.changes
            if change.name is not None:
                fields["name"] = change.name
            if change.reverse_prompt is not None:
                fields["reverse_prompt"] = change.reverse_prompt
            fields["is_inherited"] = False
        return fields

    kept = [a for a in edits.inherited if a["id"] not in edits.removed]
    writes, id_map = clone_assets(kept, manifest.id, project.owner_id, now, marks)
    # The numbering continues above every tag the parent ever issued (its live tag_high): new tags
    # are claimed from there, so they can never collide with an inherited one.
    parent_manifest = manifest_ops.manifest_ref(parent.manifest_id or "").get(field_paths=["tag_high"])
    manifest.tag_high = dict((parent_manifest.to_dict() or {}).get("tag_high") or {})
    manifest.asset_count = len(kept)
    return ForkedManifest(manifest, writes, id_map)


def _write_manifest(forked: ForkedManifest, edits: AssetEdits) -> None:
    """Write the copies and the manifest, then store new images and add the new uploads."""
    manifest, now = forked.manifest, forked.manifest.created_at
    ref = manifest_ops.manifest_ref(manifest.id)
    db.set_all([*forked.writes, (ref, manifest_ops.to_doc(manifest))])
    for old_id, image in edits.new_images.items():
        _store_image(manifest.id, forked.id_map[old_id], image, reset_text=True)
    for upload, image in edits.uploads:
        asset = Asset(id=new_id(), owner_id=manifest.owner_id, manifest_id=manifest.id, name=upload.name,
                      asset_type=upload.asset_type, manifest_tag="", description=upload.description,
                      user_tags=upload.tags, sort_order=manifest.asset_count,
                      created_at=now, updated_at=now)  # fmt: skip

        def write(batch: Any, tag: str, asset: Asset = asset) -> None:
            batch.create(db.collection(db.ASSETS).document(asset.id), asset_doc(asset, tag))

        tags.claim(ref, upload.asset_type, write, {"asset_count": Increment(1)})
        _store_image(manifest.id, asset.id, image, reset_text=False)


def written_assets(writes: list[tuple[Any, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The asset documents among clone writes, with their embeddings, as a snapshot holds them."""
    faces = {ref.id: embeddings.as_list(doc["embedding"]) for ref, doc in writes if ref.parent.id == db.FACES}
    return [
        {**doc, "id": ref.id, "face_embedding": faces.get(ref.id)}
        for ref, doc in writes
        if ref.parent.id == db.ASSETS
    ]


def asset_doc(asset: Asset, tag: str) -> dict[str, Any]:
    return asset.model_copy(update={"manifest_tag": tag}).model_dump(exclude={"id"})


def _store_image(manifest_id: str, asset_id: str, image: images.ValidImage, *, reset_text: bool) -> None:
    path = uploads.object_path(manifest_id, asset_id, "reference", image.extension)
    thumb = uploads.thumbnail_path(path)
    generation = storage.upload(path, image.data, image.content_type)
    storage.upload(thumb, images.thumbnail(image.image), "image/jpeg")
    fields: dict[str, Any] = {**uploads.image_fields(path, generation, image), "is_inherited": False}
    if reset_text:
        fields.update(reverse_prompt=None, visual_description=None, quality_score=None, described_from=None)
    db.collection(db.ASSETS).document(asset_id).update(fields)


def _copy_scenes(project: Project, scenes: list[Any], result: Invalidation, request: ForkRequest) -> None:
    writes = []
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
