"""A manifest's processing as it stands on the manifest: step counters, costs, and the run's lease."""

from __future__ import annotations

from datetime import datetime

from common.records import Model


class StepProgress(Model):
    done: int = 0
    total: int = 0
    failed: int = 0
    seconds: float = 0.0  # wall time of the step on the GPU service, in the latest run
    cost: float = 0.0  # dollars the step spent in the latest run: GPU seconds and Gemini tokens


class ProcessingCost(Model):
    """What processing a manifest has cost in all, by what was paid for. `total_processing_cost`
    is gemini_usd + gpu_usd."""

    gemini_usd: float = 0.0
    gemini_input_tokens: int = 0
    gemini_output_tokens: int = 0
    gpu_seconds: float = 0.0  # measured on the GPU service while a run held an instance
    gpu_usd: float = 0.0  # gpu_seconds at GPU_PRICE_PER_S

    @property
    def total(self) -> float:
        return self.gemini_usd + self.gpu_usd

    def plus(self, other: ProcessingCost) -> ProcessingCost:
        return ProcessingCost(
            **{name: getattr(self, name) + getattr(other, name) for name in ProcessingCost.model_fields}
        )


class ProcessingLease(Model):
    """Who processes the manifest now: which job, and which delivery of it (Cloud Tasks may deliver
    a task twice; one delivery runs it). A run renews `lease_expires_at` as it goes; once it lapses,
    a retry or a new request may take over, so a dead worker never leaves the manifest stuck."""

    job_id: str
    delivery_id: str | None = None  # the delivery running the job; None until one takes it
    started_at: datetime
    lease_expires_at: datetime
    finished_at: datetime | None = None
    shards: int = 0  # a big run's shards (common/jobs/shards.py); 0: one task
    shards_done: int = 0
