"""What one delivery of a manifest run carries from step to step.

The I/O threads never write into it: what their work yields (a crop's thumbnail, a face's id) comes
back through their futures and is added here on the run's own thread (`finish_all`).
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from common.ids import new_id
from common.jobs.models import ManifestJob
from common.library.models import QualityCheck
from gpu_service.jobs.progress import RunProgress
from gpu_service.store.pictures import Pictures
from gpu_service.vision.faces import FoundFace

IO_THREADS = 8
T = TypeVar("T")


@dataclass
class Run:
    job: ManifestJob
    progress: RunProgress
    pictures: Pictures = field(default_factory=Pictures)
    # Storage and Firestore writes overlap the next image's inference instead of waiting for it.
    io: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=IO_THREADS))
    failed: set[str] = field(default_factory=set)
    found: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # labels per source
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # crops made in this run, for the sheet
    new_faces: list[str] = field(default_factory=list)  # face assets this run made
    face_counts: dict[str, int] = field(default_factory=dict)
    # Faces found early (the detection step looks for them to tell a sliver from a person), and what
    # fills each image (its label's checks ride with the faces step's single write of checks).
    faces_found: dict[str, list[FoundFace]] = field(default_factory=dict)
    content_checks: dict[str, list[QualityCheck]] = field(default_factory=dict)
    holder: str = field(default_factory=new_id)  # this delivery, in the claims it makes (jobs/claims.py)
    publishing: list[Future[None]] = field(default_factory=list)  # library.publish, in the background

    @property
    def started(self) -> datetime:
        return self.job.created_at


@dataclass(frozen=True)
class Saved:
    """What one image's background writes made: the crops' thumbnails, and the faces among them."""

    thumbnails: dict[str, bytes]
    faces: list[str] = field(default_factory=list)


def finish_all(futures: list[Future[T]]) -> list[T]:
    """Wait for a step's background work, in order; the first failure fails the step (and the task
    retries)."""
    return [future.result() for future in futures]


def collect(run: Run, saving: list[Future[Saved]]) -> None:
    """Wait for a step's background writes and keep what they made."""
    for saved in finish_all(saving):
        run.thumbnails.update(saved.thumbnails)
        run.new_faces.extend(saved.faces)
