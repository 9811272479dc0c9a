"""Deal jobs: the pipeline exported to a file in storage."""

from __future__ import annotations

from datetime import date

from mandate.deal import exports, repository
from mandate.deal.schemas import ExportFormat
from mandate.jobs import JobContext, JobFailed, job
from mandate.jobs.registry import JobResult

EXPORT_JOB = "deal.export"
MAX_EXPORT_ROWS = 50_000


@job(EXPORT_JOB, max_attempts=4, lease_seconds=120, backoff_seconds=5)
async def export_deals(ctx: JobContext) -> JobResult:
    payload = ctx.payload
    fmt = ExportFormat(payload["format"])
    flt = repository.DealFilter(
        stage=payload.get("stage"),
        owner_id=payload.get("owner_id"),
        q=payload.get("q"),
        archived=bool(payload.get("archived", False)),
    )
    deals = await repository.export_deals(ctx.session, flt, limit=MAX_EXPORT_ROWS + 1)
    if len(deals) > MAX_EXPORT_ROWS:
        raise JobFailed(f"More than {MAX_EXPORT_ROWS:,} deals match; narrow the filters and export again.")
    data = exports.render(deals, fmt)
    # One key per job: a re-run after a crash overwrites its own file, never another export's.
    key = f"exports/{ctx.job.organization_id}/{ctx.job.id}.{fmt.value}"
    await ctx.runtime.storage.put_bytes(key, data, content_type=fmt.content_type)
    created = ctx.job.created_at.date() if ctx.job.created_at else date.today()
    file = {"key": key, "filename": exports.filename(fmt, created), "content_type": fmt.content_type}
    return {"file": {**file, "size_bytes": len(data)}, "rows": len(deals)}
