"""Writing a continuity report onto its artifact version (and onto the artifact while that version is
its latest), in one transaction.

A report names the check (job) allowed to replace it: a check asked for again gets a new job, so a
late answer of an older one writes nothing. A check's GPU cost is added to the version's cost, to
the artifact's while it is the latest, and to the checkpoint's total, once: only when a pending
report becomes final.
"""

from __future__ import annotations

from typing import Any

from google.cloud import firestore

from common.checkpoints import checkpoints as ops
from common.checkpoints.models import ArtifactType, ArtifactVersion
from common.checkpoints.report import ContinuityReport, ContinuityStatus
from common.errors import NotFound
from common.gcp import db
from common.records import utcnow


def write(
    checkpoint_id: str,
    artifact_type: ArtifactType,
    key: str,
    version: int,
    report: ContinuityReport,
    *,
    replaces: str | None,
) -> bool:
    """Put `report` on the version if its report is still job `replaces`'s and pending (None: any
    report). Returns whether it was written."""
    version_ref = ops.version_ref(checkpoint_id, artifact_type, key, version)
    artifact_ref = ops.artifact_ref(checkpoint_id, artifact_type, key)

    def put(transaction: firestore.Transaction) -> bool:
        found = version_ref.get(transaction=transaction)
        if not found.exists:
            raise NotFound(f"this checkpoint has no version {version} of {artifact_type.value} {key}")
        latest = artifact_ref.get(transaction=transaction)
        current = ArtifactVersion.model_validate(found.to_dict() or {}).continuity
        if replaces is not None and (
            current is None or current.job_id != replaces or current.status != ContinuityStatus.PENDING
        ):
            return False  # a newer check owns the report, or this one already wrote it
        final = report.status != ContinuityStatus.PENDING
        cost = (
            report.cost if final and current is not None and current.status == ContinuityStatus.PENDING else 0
        )
        fields: dict[str, Any] = {"continuity": report.model_dump(mode="python")}
        if cost:
            fields["cost"] = firestore.Increment(cost)
        transaction.update(version_ref, fields)
        if latest.exists and (latest.to_dict() or {}).get("version") == version:
            transaction.update(artifact_ref, fields)
        if cost:
            tally = {"total_cost": firestore.Increment(cost), "updated_at": utcnow()}
            transaction.update(ops.checkpoint_ref(checkpoint_id), tally)
        return True

    # Written by the GPU service's checks: it may wait longer than a request for its turn.
    return bool(db.run_transaction(put, budget_s=30.0))
