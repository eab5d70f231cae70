"""Step 3, reverse prompting: every asset whose image changed since it was last described.

An uploaded image and what was cut from it are described together (describe/: batched); a free
describer takes each asset on its own, spread over the threads. A paid description is claimed first
(jobs/claims.py): what another delivery of this task is describing is waited for, not paid twice.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from common.jobs.models import Step
from common.library.models import Asset
from gpu_service.config import worker_settings
from gpu_service.describe.describer import describer
from gpu_service.describe.subject import DescribeFailed, Subject
from gpu_service.jobs import claims
from gpu_service.run.state import Run
from gpu_service.store import registry
from gpu_service.store.pictures import fingerprint
from gpu_service.vision import imaging


def describe_step(run: Run, assets: list[Asset]) -> None:
    todo = [
        a
        for a in assets
        if a.image_path
        and a.id not in run.failed
        and (a.described_from != fingerprint(a) or a.reverse_prompt is None or a.processing_error is not None)
    ]
    run.progress.start(Step.REVERSE_PROMPTING, len(todo))
    by_id = {a.id: a for a in assets}
    paid = describer().paid
    groups: dict[str, list[Asset]] = defaultdict(list)
    for asset in todo:
        source = by_id.get(asset.source_asset_id or "") if paid else None
        groups[source.id if source and source.image_path else asset.id].append(asset)
    with ThreadPoolExecutor(max_workers=worker_settings().describe_concurrency) as pool:
        for described, failed in pool.map(lambda key: describe_group(run, by_id[key], groups[key]), groups):
            run.progress.advance(count=described)
            if failed:
                run.progress.advance(failed=True, count=failed)


def describe_group(run: Run, source: Asset, members: list[Asset]) -> tuple[int, int]:
    """Describe one uploaded image's assets (itself and its crops): (described, failed)."""
    if not describer().paid:  # free and deterministic: a second delivery may as well
        return _describe(run, source, members)
    ttl = worker_settings().describe_claim_s
    claim_of = {claims.key("describe", run.job.id, a.id, fingerprint(a)): a for a in members}
    todo = [c for c in claim_of if claims.take(c, run.holder, ttl)]
    waiting = [c for c in claim_of if c not in todo]
    described = failed = 0
    while True:
        if todo:
            try:
                ok, bad = _describe(run, source, [claim_of[c] for c in todo])
            except BaseException:
                claims.release(todo)  # a retry of the task may take them at once
                raise
            claims.finish(todo)
            described, failed = described + ok, failed + bad
        todo = claims.wait_for(waiting, run.holder, ttl) if waiting else []
        if not todo:  # the rest was done by the other delivery
            return described + len(waiting), failed
        waiting = [c for c in waiting if c not in todo]  # their holder died: ours now


def _describe(run: Run, source: Asset, members: list[Asset]) -> tuple[int, int]:
    try:
        source_image = run.pictures.get(source).rgb
    except imaging.UnreadableImage as exc:
        for asset in members:
            registry.record_failure(asset.id, Step.REVERSE_PROMPTING, str(exc))
        return 0, len(members)
    subjects, readable = [], []
    for asset in members:
        try:
            image = (
                source_image if asset.id == source.id else run.pictures.get(asset).rgb
            )  # the source: sent once
        except imaging.UnreadableImage as exc:
            registry.record_failure(asset.id, Step.REVERSE_PROMPTING, str(exc))
            continue
        found = run.found.get(asset.id, [])
        subjects.append(Subject.of(asset, image, detections=found, faces=run.face_counts.get(asset.id, 0)))
        readable.append(asset)
    results = describer().describe_group(source_image, subjects)
    for asset, result in zip(readable, results, strict=True):
        if isinstance(result, DescribeFailed):
            registry.record_failure(asset.id, Step.REVERSE_PROMPTING, str(result))
            continue
        run.progress.add_cost(result.spent)
        registry.write_description(asset.id, registry.description_fields(asset, result), run.started)
    described = sum(1 for r in results if not isinstance(r, DescribeFailed))
    return described, len(members) - described
