"""A fork's manifest: the parent snapshot's assets copied with the fork's edits, removals and uploads.

The copies keep the parent's tags and share its stored images and embeddings (`is_inherited`); an
edited asset is the fork's own; a new reference image or upload is stored under the fork's manifest
(and then described by an incremental engine run). The parent's manifest and assets are only read,
through its immutable snapshot; every image is decoded before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.cloud.firestore import Increment

from common.errors import ApiError, ValidationFailed
from common.gcp import db
from common.ids import new_id
from common.library import assets as asset_ops
from common.library import embeddings, face_index, images, uploads, views
from common.library import manifests as manifest_ops
from common.library.copies import clone_assets
from common.library.models import MAX_VIEWS, Asset, AssetView, Manifest, ManifestStatus, ViewAngle
from common.projects.models import AssetChanges, NewUpload, Project
from common.records import decode_base64


@dataclass
class AssetEdits:
    """The parent's snapshot and what the fork does to its assets, validated."""

    source: dict[str, Any]  # the snapshot document (it holds the parent manifest's fields)
    inherited: list[dict[str, Any]]
    changes: AssetChanges
    new_images: dict[str, images.ValidImage] = field(default_factory=dict)  # by parent asset id
    uploads: list[tuple[NewUpload, images.ValidImage]] = field(default_factory=list)
    new_views: dict[str, list[tuple[ViewAngle, images.ValidImage]]] = field(
        default_factory=dict
    )  # by parent id

    @property
    def removed(self) -> set[str]:
        """The removed assets, every asset of a removed character, and what was cut from them:
        crops follow their source."""
        characters = set(self.changes.removed_character_ids)
        gone = set(self.changes.removed_asset_ids) | {
            a["id"] for a in self.inherited if a.get("character_id") in characters
        }
        return gone | self._crops_of(gone)

    @property
    def needs_engine(self) -> bool:
        # New views alone wait for the manifest's next full run to be judged: an incremental run
        # would cut the edited asset's crops again under new tags.
        return bool(self.new_images or self.uploads)

    def changed_tags(self) -> list[str]:
        """Tags whose picture changes: edited and removed assets, and the crops of removed or
        re-imaged ones (a new image yields new crops)."""
        return sorted(self.why_changed())

    def why_changed(self) -> dict[str, str]:
        """Each tag whose picture changes with why, in a creator's words, by the name of the person
        or asset it is (a crop by its upload's: "Biden is removed", not "Biden · face 1 is removed").
        A new image is an edit of its asset (`new_images` are `modified_assets`'), its crops too."""
        by_id = {a["id"]: a for a in self.inherited}

        def name(asset: dict[str, Any]) -> str:
            # A crop by the upload it was cut from when that upload is the same person ("Biden"),
            # else by itself (a group photo's face: "Solvay 1927 · face 4", not the photo's name).
            source = by_id.get(asset.get("source_asset_id") or "")
            if source is not None and source.get("character_id") == asset.get("character_id"):
                return str(source["name"])
            return str(asset["name"])

        removed, reimaged = self.removed, self._crops_of(set(self.new_images))
        why = {}
        for asset_id in set(self.changes.modified_assets) | removed | reimaged:
            if asset_id in removed:
                said = "is removed"
            elif asset_id in reimaged or asset_id in self.new_images:
                said = "has a new image"
            else:
                said = "is edited"
            asset = by_id[asset_id]
            why[asset["manifest_tag"]] = f"{name(asset)} {said}"
        return why

    def _crops_of(self, sources: set[str]) -> set[str]:
        return {a["id"] for a in self.inherited if a.get("source_asset_id") in sources}


@dataclass
class ForkedManifest:
    manifest: Manifest
    edits: AssetEdits
    writes: db.Writes  # the inherited assets' copies and their embeddings
    id_map: dict[str, str]  # parent asset id -> its copy's id


def validate(source: dict[str, Any], inherited: list[dict[str, Any]], changes: AssetChanges) -> AssetEdits:
    """The changes checked whole against the parent's snapshot (ids known, images decodable)."""
    unknown = sorted(
        (set(changes.modified_assets) | set(changes.removed_asset_ids)) - {a["id"] for a in inherited}
    )
    if unknown:
        raise ValidationFailed("unknown asset ids: not in the project's manifest", {"asset_ids": unknown})
    cast = {a.get("character_id") for a in inherited}
    if strangers := sorted(set(changes.removed_character_ids) - cast):
        raise ValidationFailed(
            "removed_character_ids: not characters of the project's manifest", {"character_ids": strangers}
        )
    new_images = {
        asset_id: _image(edit.changes.reference_image, f"modified_assets.{asset_id}.reference_image")
        for asset_id, edit in changes.modified_assets.items()
        if edit.changes.reference_image is not None
    }
    added = [
        (u, _image(u.image_data, f"new_uploads[{i}].image_data")) for i, u in enumerate(changes.new_uploads)
    ]
    return AssetEdits(source, inherited, changes, new_images, added, _new_views(inherited, changes))


def _new_views(
    inherited: list[dict[str, Any]], changes: AssetChanges
) -> dict[str, list[tuple[ViewAngle, images.ValidImage]]]:
    """The views each edit adds, decoded, once its removals are known to name views it has."""
    by_id = {a["id"]: a for a in inherited}
    out = {}
    for asset_id, edit in changes.modified_assets.items():
        had = {v["id"] for v in by_id[asset_id].get("views") or []}
        where = f"modified_assets.{asset_id}"
        if unknown := sorted(set(edit.changes.removed_view_ids) - had):
            raise ValidationFailed(
                f"{where}.removed_view_ids: not views of this asset", {"view_ids": unknown}
            )
        if len(had - set(edit.changes.removed_view_ids)) + len(edit.changes.new_views) > MAX_VIEWS:
            raise ValidationFailed(f"{where}.new_views: an asset holds at most {MAX_VIEWS} views")
        if edit.changes.new_views:
            out[asset_id] = [
                (v.view, _image(v.image_data, f"{where}.new_views[{i}].image_data"))
                for i, v in enumerate(edit.changes.new_views)
            ]
    return out


def _image(data: str, what: str) -> images.ValidImage:
    raw = decode_base64(data, what)
    try:
        return images.validate(raw)
    except ApiError as exc:
        raise ValidationFailed(f"{what}: {exc.message}") from exc


def fork_manifest(parent: Project, project: Project, edits: AssetEdits) -> ForkedManifest:
    """The fork's manifest (from the parent's snapshot document) and the writes that copy its assets."""
    now = project.created_at
    manifest = Manifest.model_validate(
        {
            **edits.source.get("manifest", {}),
            "id": new_id(),
            "owner_id": project.owner_id,
            "parent_manifest_id": parent.manifest_id,
            "fork_project_id": project.id,
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
            "snapshot_pending_for": project.id if edits.needs_engine else None,
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
            if edit.changes.removed_view_ids:
                kept = [
                    AssetView.model_validate(v)
                    for v in original.get("views") or []
                    if v["id"] not in edit.changes.removed_view_ids
                ]
                fields.update(views.view_fields(kept))
            fields["is_inherited"] = False
        return fields

    kept = [a for a in edits.inherited if a["id"] not in edits.removed]
    writes, id_map = clone_assets(kept, manifest.id, project.owner_id, now, marks)
    _add_views(writes, manifest.id, {id_map[old]: added for old, added in edits.new_views.items()})
    # The numbering continues above every tag the parent ever issued (its live tag_high): new tags
    # are claimed from there, so they can never collide with an inherited one.
    parent_manifest = manifest_ops.manifest_ref(parent.manifest_id or "").get(field_paths=["tag_high"])
    manifest.tag_high = dict((parent_manifest.to_dict() or {}).get("tag_high") or {})
    manifest.asset_count = len(kept)
    return ForkedManifest(manifest, edits, writes, id_map)


def _add_views(
    writes: db.Writes, manifest_id: str, added: dict[str, list[tuple[ViewAngle, images.ValidImage]]]
) -> None:
    """Store the edits' new views under the fork's manifest and add them to the copies' documents
    (so the fork's snapshot, built from these writes, shows them)."""
    for ref, doc in writes:
        if ref.parent.id == db.ASSETS and ref.id in added:
            kept = [AssetView.model_validate(v) for v in doc.get("views") or []]
            new = [views.write_new(manifest_id, ref.id, angle, image) for angle, image in added[ref.id]]
            doc.update(views.view_fields([*kept, *new]))


def write_manifest(forked: ForkedManifest) -> None:
    """Write the copies and the manifest, then store new images and add the new uploads."""
    manifest, edits = forked.manifest, forked.edits
    face_index.commit(
        [*forked.writes, (manifest_ops.manifest_ref(manifest.id), manifest_ops.to_doc(manifest))],
        manifest.owner_id,
    )
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


def written_assets(writes: db.Writes) -> list[dict[str, Any]]:
    """The asset documents among clone writes, with their embeddings, as a snapshot holds them."""
    faces = {ref.id: embeddings.as_list(doc["embedding"]) for ref, doc in writes if ref.parent.id == db.FACES}
    return [
        {**doc, "id": ref.id, "face_embedding": faces.get(ref.id)}
        for ref, doc in writes
        if ref.parent.id == db.ASSETS
    ]
