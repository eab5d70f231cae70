"""What one delivery of a manifest run carries from step to step.

The manifest's assets are read once, when the run starts (`Assets`), and kept up to date with what
the run itself writes, so no step reads them again. What a person or a second delivery may change
meanwhile is read again only where it matters, inside the write that needs it: descriptions and
duplicate marks are written under a check of the stored document.

The I/O threads never write into the run: what their work yields (a crop's thumbnail, the assets
as stored) comes back through their futures and is added here on the run's own thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from common.jobs.lease import Fence
from common.jobs.models import ManifestJob
from common.library.embeddings import StoredFace
from common.library.models import Asset, display_key
from gpu_service.jobs.progress import RunProgress
from gpu_service.store.pictures import Pictures

IO_THREADS = 8
T = TypeVar("T")


class Assets:
    """The manifest's assets as this run knows them: as read when it started, with the run's own
    writes applied."""

    def __init__(self, listed: list[Asset] | None = None) -> None:
        self._by_id = {a.id: a for a in listed or []}

    def __iter__(self) -> Iterator[Asset]:
        return iter(list(self._by_id.values()))

    def __getitem__(self, asset_id: str) -> Asset:
        return self._by_id[asset_id]

    def get(self, asset_id: str | None) -> Asset | None:
        return self._by_id.get(asset_id or "")

    def put(self, *assets: Asset) -> None:
        for asset in assets:
            self._by_id[asset.id] = asset

    def drop(self, *asset_ids: str) -> None:
        for asset_id in asset_ids:
            self._by_id.pop(asset_id, None)

    def apply(self, updates: dict[str, dict[str, Any]]) -> None:
        """Fields the run wrote on assets (plain values: labels, checks, groups, tags)."""
        for asset_id, fields in updates.items():
            asset = self._by_id.get(asset_id)
            if asset is not None and fields:
                self._by_id[asset_id] = asset.model_copy(update=fields)

    def in_display_order(self) -> list[Asset]:
        """As `common.library.assets.in_display_order` sorts them."""
        return sorted(self._by_id.values(), key=display_key)


@dataclass
class Run:
    job: ManifestJob
    progress: RunProgress
    assets: Assets = field(default_factory=Assets)
    pictures: Pictures = field(default_factory=Pictures)
    # Storage and Firestore writes overlap the next image's inference instead of waiting for it.
    io: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=IO_THREADS))
    failed: set[str] = field(default_factory=set)
    found: dict[str, list[str]] = field(default_factory=dict)  # labels per source
    face_counts: dict[str, int] = field(default_factory=dict)
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # crops made in this run, for the sheet
    new_faces: list[str] = field(default_factory=list)  # face assets this run made or saw again
    resumed: set[str] = field(default_factory=set)  # uploads whose results an earlier delivery stored
    # Each face this run embedded (its identity vector, views averaged in), as stored: grouping and
    # the face index use these instead of reading them back.
    vectors: dict[str, StoredFace] = field(default_factory=dict)
    publishing: list[Future[None]] = field(default_factory=list)  # library.publish, in the background

    @property
    def started(self) -> datetime:
        return self.job.created_at

    @property
    def fence(self) -> Fence:
        """Where this delivery's writes may land (common/jobs/lease.Fence)."""
        return self.progress.fence

    @property
    def holder(self) -> str:
        """This delivery, in the lease and in the claims it makes (jobs/claims.py)."""
        return self.progress.delivery_id


def finish_all(futures: list[Future[T]]) -> list[T]:
    """Wait for a step's background work, in order; the first failure fails the step (and the task
    retries)."""
    return [future.result() for future in futures]
