"""Account jobs: the password reset email (looked up here, so requests all look alike)."""

from __future__ import annotations

from mandate.account import repository
from mandate.account.reset import MAIL_JOB, reset_url
from mandate.jobs import JobContext, job
from mandate.jobs.registry import JobResult
from mandate.mail import compose


@job(MAIL_JOB, max_attempts=5, backoff_seconds=10)
async def send_password_reset(ctx: JobContext) -> JobResult:
    user = await repository.get_user_by_email(ctx.session, str(ctx.payload["email"]))
    if user is None:
        return {"sent": False}
    settings = ctx.runtime.settings
    await compose(
        ctx.session,
        template="account/email/password_reset",
        to=user.email,
        to_name=user.full_name,
        user_id=user.id,
        context={
            "first_name": user.full_name.split()[0],
            "reset_url": reset_url(settings, user),
            "minutes": settings.password_reset_minutes,
        },
    )
    return {"sent": True}
