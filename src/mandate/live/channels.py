"""Channel names (`kind:id`) and who may listen to them.

Each domain registers an authoriser for its kind (`register("deal", ...)` in `mandate.deal.live`).
An authoriser answers whether the listener may read that one channel; the SSE endpoint turns every
refusal (unknown kind, malformed id, another organization's resource) into the same 404.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.authz.context import Caller, OrgContext
from mandate.authz.roles import Permission

_CHANNEL = re.compile(r"\A([a-z][a-z0-9_]{0,31}):([A-Za-z0-9_.-]{1,64})\Z")
MAX_CHANNEL_LENGTH = 100


@dataclass(frozen=True)
class Listener:
    """Who opened the stream: always a caller; an organization context when they act in one."""

    caller: Caller
    org: OrgContext | None


Authoriser = Callable[[AsyncSession, Listener, str], Awaitable[bool]]
_authorisers: dict[str, Authoriser] = {}


def split(channel: str) -> tuple[str, str] | None:
    """(kind, id) of a well-formed channel name, else None."""
    found = _CHANNEL.match(channel)
    return (found.group(1), found.group(2)) if found else None


def name(kind: str, resource_id: object) -> str:
    channel = f"{kind}:{resource_id}"
    if split(channel) is None:
        raise ValueError(f"not a channel name: {channel!r}")
    return channel


def register(kind: str, authoriser: Authoriser) -> None:
    existing = _authorisers.get(kind)
    if existing is not None and existing is not authoriser:
        raise ValueError(f"channel kind {kind!r} already has an authoriser")
    _authorisers[kind] = authoriser


async def may_listen(session: AsyncSession, listener: Listener, channel: str) -> bool:
    parts = split(channel)
    if parts is None:
        return False
    authoriser = _authorisers.get(parts[0])
    return authoriser is not None and await authoriser(session, listener, parts[1])


def parse_uuid(text: str) -> uuid.UUID | None:
    """A UUID written the way channels are published (lowercase, hyphenated), else None."""
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        return None
    return parsed if str(parsed) == text else None


def org_channel(org_id: uuid.UUID) -> str:
    return name("org", org_id)


async def _authorise_org(_session: AsyncSession, listener: Listener, resource_id: str) -> bool:
    """Members of the organization, in any role, while it is the one they act in."""
    org = listener.org
    return org is not None and parse_uuid(resource_id) == org.organization.id and org.can(Permission.ORG_READ)


register("org", _authorise_org)
