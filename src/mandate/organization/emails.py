"""The invitation email (the inviter still sees the link too, to share it another way)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import OrgContext
from mandate.mail import MailMessage, compose
from mandate.organization.models import Invitation


async def send_invitation(
    session: AsyncSession, ctx: OrgContext, invitation: Invitation, accept_url: str
) -> MailMessage:
    return await compose(
        session,
        template="organization/email/invitation",
        to=invitation.email,
        organization_id=ctx.organization.id,
        context={
            "inviter_name": ctx.user.full_name,
            "organization_name": ctx.organization.name,
            "role": invitation.role,
            "role_article": "an" if invitation.role[:1] in "aeiou" else "a",
            "accept_url": accept_url,
            "email": invitation.email,
            "expires_at": invitation.expires_at,
        },
    )
