"""Deal jobs: the pipeline exported to a file in storage."""

from __future__ import annotations

from mandate.deal import exports, repository
from mandate.deal.schemas import DealExportRequest
from mandate.jobs import JobContext, JobFailed, job
from mandate.jobs.registry import JobResult

EXPORT_JOB = "deal.export"
MAX_EXPORT_ROWS = 50_000


@job(EXPORT_JOB, max_attempts=4, lease_seconds=120, backoff_seconds=5)
async def export_deals(ctx: JobContext) -> JobResult:
    request = DealExportRequest.model_validate(ctx.payload)  # typed again: the payload is JSON
    fmt = request.format
    deals = await repository.export_deals(ctx.session, exports.filter_for(request), limit=MAX_EXPORT_ROWS + 1)
    if len(deals) > MAX_EXPORT_ROWS:
        raise JobFailed(f"More than {MAX_EXPORT_ROWS:,} deals match; narrow the filters and export again.")
    data = exports.render(deals, fmt)
    # One key per job: a re-run after a crash overwrites its own file, never another export's.
    key = f"exports/{ctx.job.organization_id}/{ctx.job.id}.{fmt.value}"
    await ctx.runtime.storage.put_bytes(key, data, content_type=fmt.content_type)
    file = {"key": key, "filename": exports.filename(fmt, ctx.job.created_at.date()), "content_type": fmt.content_type}
    return {"file": {**file, "size_bytes": len(data)}, "rows": len(deals)}
