"""Step 3, reverse prompting: every asset whose image changed since it was last described.

An uploaded image and what was cut from it are described together (describe/: batched), as soon as
the image pass has stored its crops: the picture and the crops are still in memory, so nothing is
downloaded again, and the describer's wait overlaps the next image's inference. At most a few
images' pictures wait for their description at once (the pass waits for room). What the pass did not
visit (an asset whose image failed before, an image it was not asked to process) is described
after it, from its stored image. A paid description is claimed first (jobs/claims.py): what another
delivery of this task is describing is waited for, not paid twice.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from common.jobs.models import Step
from common.library.models import Asset
from gpu_service.config import worker_settings
from gpu_service.describe.describer import describer
from gpu_service.describe.subject import DescribeFailed, Subject
from gpu_service.jobs import claims
from gpu_service.run.crops import picture_of
from gpu_service.run.state import Run, finish_all
from gpu_service.store import registry
from gpu_service.store.pictures import fingerprint
from gpu_service.vision import imaging

if TYPE_CHECKING:
    from PIL import Image


def needs_description(run: Run, asset: Asset) -> bool:
    return bool(
        asset.image_path
        and asset.id not in run.failed
        and (
            asset.described_from != fingerprint(asset)
            or asset.reverse_prompt is None
            or asset.processing_error
        )
    )


class Describing:
    """The run's descriptions in flight, on their own threads (DESCRIBE_CONCURRENCY at once)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        concurrency = worker_settings().describe_concurrency
        self.pool = ThreadPoolExecutor(max_workers=concurrency)
        self.room = threading.BoundedSemaphore(2 * concurrency)  # images waiting, pictures held
        self.work: list[Future[None]] = []
        run.progress.open(Step.REVERSE_PROMPTING)  # a fan-in goes on from its shards' counts

    def queue(self, source: Asset, picture: imaging.Picture, crops: Callable[[], list[Asset]]) -> None:
        """Describe `source` and its crops (`crops()`: as stored, waited for on the describing
        thread) where their descriptions are missing or stale, from `picture`, the source's, in
        memory: the crops are cut from it again here."""
        self.room.acquire()

        def work() -> None:
            try:
                made = crops()
                images = {source.id: picture.rgb, **{a.id: picture_of(a, picture) for a in made}}
                members = [a for a in [source, *made] if needs_description(self.run, a)]
                self.run.progress.add_total(Step.REVERSE_PROMPTING, len(members))
                if members:
                    self._describe(source, members, images)
            finally:
                self.room.release()

        self.work.append(self.pool.submit(work))

    def rest(self, visited: set[str]) -> None:
        """Describe what the image pass did not visit, then wait for every description."""
        self.run.progress.start(Step.REVERSE_PROMPTING)  # what is left of it now holds the run
        assets = self.run.assets
        todo = [a for a in assets.in_display_order() if a.id not in visited]
        todo = [a for a in todo if needs_description(self.run, a)]
        paid = describer().paid
        groups: dict[str, list[Asset]] = defaultdict(list)
        for asset in todo:
            source = assets.get(asset.source_asset_id) if paid else None
            groups[source.id if source and source.image_path else asset.id].append(asset)
        self.run.progress.add_total(Step.REVERSE_PROMPTING, len(todo))
        for key, members in groups.items():
            self.room.acquire()
            self.work.append(self.pool.submit(self._rest_group, assets[key], members))
        finish_all(self.work)

    def wait(self) -> None:
        """Every description queued so far, done (a shard's: it describes what it visited only)."""
        finish_all(self.work)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _rest_group(self, source: Asset, members: list[Asset]) -> None:
        try:
            self._describe(source, members, {})
        finally:
            self.room.release()

    def _describe(self, source: Asset, members: list[Asset], images: dict[str, Image.Image]) -> None:
        described, failed = describe_group(self.run, source, members, images)
        self.run.progress.advance(count=described, step=Step.REVERSE_PROMPTING)
        if failed:
            self.run.progress.advance(failed=True, count=failed, step=Step.REVERSE_PROMPTING)


def describe_group(
    run: Run, source: Asset, members: list[Asset], images: dict[str, Image.Image]
) -> tuple[int, int]:
    """Describe one uploaded image's assets (itself and its crops): (described, failed)."""
    if not describer().paid:  # free and deterministic: a second delivery may as well
        return _describe(run, source, members, images)
    ttl = worker_settings().describe_claim_s
    claim_of = {claims.key("describe", run.job.id, a.id, fingerprint(a)): a for a in members}
    todo = [c for c in claim_of if claims.take(c, run.holder, ttl)]
    waiting = [c for c in claim_of if c not in todo]
    described = failed = 0
    while True:
        if todo:
            try:
                with claims.kept(todo, ttl):
                    ok, bad = _describe(run, source, [claim_of[c] for c in todo], images)
            except BaseException:
                claims.release(todo)  # a retry of the task may take them at once
                raise
            claims.finish(todo)
            described, failed = described + ok, failed + bad
        todo = claims.wait_for(waiting, run.holder, ttl) if waiting else []
        if not todo:  # the rest was done by the other delivery
            return described + len(waiting), failed
        waiting = [c for c in waiting if c not in todo]  # their holder died: ours now


def _picture(run: Run, asset: Asset, images: dict[str, Image.Image]) -> Image.Image:
    """The asset's picture: the one in memory, else its stored image."""
    return images[asset.id] if asset.id in images else run.pictures.get(asset).rgb


def _describe(
    run: Run, source: Asset, members: list[Asset], images: dict[str, Image.Image]
) -> tuple[int, int]:
    try:
        source_image = _picture(run, source, images)
    except imaging.UnreadableImage as exc:
        for asset in members:
            registry.record_failure(asset.id, Step.REVERSE_PROMPTING, str(exc), run.fence)
        return 0, len(members)
    subjects, readable = [], []
    for asset in members:
        try:
            image = source_image if asset.id == source.id else _picture(run, asset, images)  # source: once
        except imaging.UnreadableImage as exc:
            registry.record_failure(asset.id, Step.REVERSE_PROMPTING, str(exc), run.fence)
            continue
        found = run.found.get(asset.id, [])
        subjects.append(Subject.of(asset, image, detections=found, faces=run.face_counts.get(asset.id, 0)))
        readable.append(asset)
    run.progress.check()  # a stopped run pays for no description
    results = describer().describe_group(source_image, subjects)
    written = {}
    for asset, result in zip(readable, results, strict=True):
        if isinstance(result, DescribeFailed):
            registry.record_failure(asset.id, Step.REVERSE_PROMPTING, str(result), run.fence)
            continue
        run.progress.add_cost(result.spent, step=Step.REVERSE_PROMPTING)
        written[asset.id] = registry.description_fields(asset, result)
    registry.write_descriptions(written, run.started, run.fence)  # in one commit, behind the fence
    described = sum(1 for r in results if not isinstance(r, DescribeFailed))
    return described, len(members) - described
