"""A project's cover: the picture the projects list shows for it, kept on the project document.

The cover is the latest image version of the project's first scene (lowest index) that has an
image: a beat image (beat n is scene n); clips are videos and never a cover. Listing projects must
not read checkpoints per project (production pays per read), so the project document keeps
`cover_path` (in the derived bucket) and `cover_scene`, written in the same commit that records an
image version (`common/checkpoints/checkpoints.py`, the one place versions are written). A fork
that inherits its parent's cover scene starts with the parent's cover, the same object (forks never
copy media), until it records its own.

The rules are pure functions (`replaces`, `inherits`; table tests in tests/unit/test_covers.py);
`stage` adds a cover change to a batch, `stage_in` to a transaction (which reads the project itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from common.gcp import db
from common.projects import projects

if TYPE_CHECKING:
    from google.cloud import firestore
    from google.cloud.firestore import WriteBatch

COVER_PATH = "cover_path"
COVER_SCENE = "cover_scene"


def replaces(cover_scene: int | None, scene: int) -> bool:
    """Whether a new image version of `scene` becomes the cover of a project whose cover is of
    `cover_scene` (None: no cover yet). A newer version of the cover's scene, or an image of an
    earlier scene, replaces it; a later scene never does."""
    return cover_scene is None or scene <= cover_scene


def inherits(cover_scene: int | None, scene_copy_boundary: int) -> bool:
    """Whether a fork keeps its parent's cover: the scene it shows is one the fork inherits whole
    (scenes below the boundary are copied as they are)."""
    return cover_scene is not None and 0 <= cover_scene < scene_copy_boundary


def fields(path: str, scene: int) -> dict[str, Any]:
    return {COVER_PATH: path, COVER_SCENE: scene}


def stage(batch: WriteBatch, project_id: str, scene: int, path: str) -> None:
    """Add the project's new cover to `batch` if the image of `scene` at `path` replaces its cover.

    One read of the project (its cover scene only). The change is written on the condition that
    the project is still as read: a concurrent cover (or any project write) fails the commit with
    FailedPrecondition, and the caller reads again and retries, so two images recorded at once
    never leave the later scene's on top. A version that does not replace the cover adds nothing:
    the project document is not written at all.
    """
    ref = projects.project_ref(project_id)
    found = ref.get(field_paths=[COVER_SCENE])
    if not found.exists:
        return
    current = (found.to_dict() or {}).get(COVER_SCENE)
    if not replaces(current if isinstance(current, int) else None, scene):
        return
    batch.update(
        ref, fields(path, scene), option=db.client().write_option(last_update_time=found.update_time)
    )


def stage_in(transaction: firestore.Transaction, project_id: str, scene: int, path: str) -> None:
    """`stage` inside a transaction: the project's cover scene is read by the transaction (call it
    before the transaction's writes), so two images recorded at once retry instead of failing."""
    ref = projects.project_ref(project_id)
    found = ref.get(transaction=transaction)
    current = (found.to_dict() or {}).get(COVER_SCENE) if found.exists else None
    if found.exists and replaces(current if isinstance(current, int) else None, scene):
        transaction.update(ref, fields(path, scene))
