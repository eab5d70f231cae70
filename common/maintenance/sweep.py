"""The sweep: remove what no live record references, so nothing the service stored leaks forever.

It finds (`plan`, finding.py) and then removes (`apply`, removal.py):
- soft-deleted manifests and projects past the retention period (`SWEEP_RETENTION_DAYS`, 30):
  a manifest with its assets, faces and tag claims; a project with its scenes, snapshot and
  checkpoints (their versions and media);
- orphan documents older than the grace period (`SWEEP_GRACE_S`, an hour: writes in flight are
  never touched): assets of a manifest that does not exist (an interrupted duplicate), faces of an
  asset that does not exist, snapshot chunks of a snapshot that was never committed;
- pins no snapshot needs any more, and stored objects no record references: reference images and
  thumbnails (assets), contact sheets (manifests), checkpoint media (artifact versions). Objects
  in a pinned folder are never removed.

Every item is checked again right before it is removed, against the records as they are then, so a
duplicate, fork or upload written during the sweep keeps what it references; a pin is removed with
a precondition on its last write, so a snapshot pinning it meanwhile wins. Running it twice removes
nothing more. `plan` alone is the dry run.
"""

from __future__ import annotations

import logging
from typing import Any

# What callers use from here: the plan and what it finds (finding.py), its removal (removal.py).
from common.maintenance.finding import Plan, plan  # noqa: F401
from common.maintenance.removal import Outcome, apply, referenced  # noqa: F401
from common.records import Input

log = logging.getLogger(__name__)


class SweepRequest(Input):
    """The scheduler's body: `{"dry_run": true}` only lists what a run would remove."""

    dry_run: bool = False


def run(*, dry_run: bool) -> dict[str, Any]:
    """The scheduled job: plan, and unless `dry_run`, apply. Returns the report."""
    found = plan()
    report = found.report()
    if not dry_run:
        outcome = apply(found)
        report.update(removed=outcome.removed, kept=outcome.kept)
    log.info("sweep", extra={"dry_run": dry_run, "counts": report["counts"]})
    return report
