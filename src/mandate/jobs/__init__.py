"""Background jobs: an outbox row per job, handed to Huey after commit, run by a thin shim."""

from mandate.jobs.outbox import enqueue
from mandate.jobs.registry import JobContext, JobFailed, job

__all__ = ["JobContext", "JobFailed", "enqueue", "job"]
