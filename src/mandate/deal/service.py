"""Deal rules: who may do what, the tier limit on open deals, and the audit trail."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.service import record
from mandate.authz.context import OrgContext
from mandate.authz.roles import Permission
from mandate.billing.entitlements import check_limit
from mandate.billing.tiers import Limit
from mandate.deal import repository
from mandate.deal.live import announce
from mandate.deal.models import Deal, Stage
from mandate.deal.schemas import DealCreate, DealExportRequest, DealUpdate, MoneyIn
from mandate.deal.tasks import EXPORT_JOB
from mandate.jobs import enqueue
from mandate.jobs.models import Job
from mandate.kit.db import utcnow
from mandate.kit.errors import Conflict, NotFound, ValidationFailed
from mandate.kit.money import MoneyError, normalise_currency
from mandate.organization import repository as org_repo


class DealArchived(Conflict):
    code = "deal_archived"
    title = "This deal is archived"


async def _changed(session: AsyncSession, ctx: OrgContext, action: str, deal: Deal, data: dict[str, Any]) -> None:
    """Every deal change: its audit entry, a new list version so cached lists are not reused, and
    a live event for pages showing it (sent after the commit)."""
    record(session, ctx, action, "deal", deal.id, data)
    await org_repo.bump_deals_version(session, [ctx.organization.id])
    announce(session, ctx, deal.id, action.removeprefix("deal."), deal.name, deal.stage)


async def get(session: AsyncSession, ctx: OrgContext, deal_id: uuid.UUID) -> Deal:
    deal = await repository.get_deal(session, deal_id)
    if deal is None:
        raise NotFound("No such deal")
    ctx.require(Permission.DEAL_READ)
    return deal


def _currency(value: MoneyIn | None) -> tuple[int | None, str | None]:
    if value is None:
        return None, None
    try:
        return value.amount_minor, normalise_currency(value.currency)
    except MoneyError as exc:
        raise ValidationFailed.field("deal_size.currency", str(exc)) from exc


async def _check_owner(session: AsyncSession, owner_id: uuid.UUID) -> None:
    if await org_repo.member(session, owner_id) is None:
        raise ValidationFailed.field("owner_id", "The owner must be a member of this organization")


def _clean(text: str, field: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ValidationFailed.field(field, "This field cannot be blank")
    return cleaned


async def _check_open_limit(session: AsyncSession, ctx: OrgContext, base_url: str) -> None:
    check_limit(ctx.organization, Limit.ACTIVE_DEALS, await repository.count_active(session), base_url=base_url)


async def create(session: AsyncSession, ctx: OrgContext, data: DealCreate, *, base_url: str = "") -> Deal:
    ctx.require(Permission.DEAL_WRITE)
    owner_id = data.owner_id or ctx.user.id
    await _check_owner(session, owner_id)
    amount, currency = _currency(data.deal_size)
    if data.stage.is_open:
        await _check_open_limit(session, ctx, base_url)
    deal = Deal(
        organization_id=ctx.organization.id,
        name=_clean(data.name, "name"),
        target_company=_clean(data.target_company, "target_company"),
        industry=(data.industry or "").strip() or None,
        deal_size_minor=amount,
        currency=currency or "GBP",
        stage=data.stage.value,
        owner_id=owner_id,
        description=data.description.strip(),
        expected_close=data.expected_close,
    )
    session.add(deal)
    await session.flush()
    await _changed(session, ctx, "deal.created", deal, {"name": deal.name, "stage": deal.stage})
    return await get(session, ctx, deal.id)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, uuid.UUID)):
        return str(value)
    return value


async def update(
    session: AsyncSession, ctx: OrgContext, deal_id: uuid.UUID, data: DealUpdate, *, base_url: str = ""
) -> Deal:
    deal = await get(session, ctx, deal_id)
    ctx.require(Permission.DEAL_WRITE)
    if deal.archived:
        raise DealArchived("Restore the deal before editing it")
    fields = data.model_fields_set
    changes: dict[str, list[Any]] = {}

    def apply(attr: str, value: Any) -> None:
        old = getattr(deal, attr)
        if old != value:
            changes[attr] = [_jsonable(old), _jsonable(value)]
            setattr(deal, attr, value)

    for attr in ("name", "target_company"):
        if attr in fields:
            apply(attr, _clean(getattr(data, attr) or "", attr))
    if "industry" in fields:
        apply("industry", (data.industry or "").strip() or None)
    if "description" in fields:
        apply("description", (data.description or "").strip())
    if "expected_close" in fields:
        apply("expected_close", data.expected_close)
    if "deal_size" in fields:
        amount, currency = _currency(data.deal_size)
        apply("deal_size_minor", amount)
        if currency:
            apply("currency", currency)
    if "owner_id" in fields:
        if data.owner_id is None:
            raise ValidationFailed.field("owner_id", "A deal needs an owner")
        await _check_owner(session, data.owner_id)
        apply("owner_id", data.owner_id)
        if "owner_id" in changes:
            session.expire(deal, ["owner"])  # reloaded below; otherwise the old owner is returned
    stage_change = None
    if "stage" in fields and data.stage is not None and data.stage.value != deal.stage:
        if data.stage.is_open and not Stage(deal.stage).is_open:
            await _check_open_limit(session, ctx, base_url)
        stage_change = (deal.stage, data.stage.value)
        deal.stage = data.stage.value
    if changes:
        record(session, ctx, "deal.updated", "deal", deal.id, {"changes": changes})
    if stage_change:
        record(session, ctx, "deal.stage_changed", "deal", deal.id, {"from": stage_change[0], "to": stage_change[1]})
    if changes or stage_change:
        deal.updated_at = utcnow()
        await org_repo.bump_deals_version(session, [ctx.organization.id])
        announce(session, ctx, deal.id, "updated" if changes else "moved", deal.name, deal.stage)
    await session.flush()
    return await get(session, ctx, deal.id)


async def move(session: AsyncSession, ctx: OrgContext, deal_id: uuid.UUID, stage: Stage, *, base_url: str = "") -> Deal:
    return await update(session, ctx, deal_id, DealUpdate(stage=stage), base_url=base_url)


async def archive(session: AsyncSession, ctx: OrgContext, deal_id: uuid.UUID) -> Deal:
    deal = await get(session, ctx, deal_id)
    ctx.require(Permission.DEAL_WRITE)
    if not deal.archived:
        deal.archived_at = utcnow()
        await _changed(session, ctx, "deal.archived", deal, {"name": deal.name})
    return deal


async def restore(session: AsyncSession, ctx: OrgContext, deal_id: uuid.UUID, *, base_url: str = "") -> Deal:
    deal = await get(session, ctx, deal_id)
    ctx.require(Permission.DEAL_WRITE)
    if deal.archived:
        if Stage(deal.stage).is_open:
            await _check_open_limit(session, ctx, base_url)
        deal.archived_at = None
        await _changed(session, ctx, "deal.restored", deal, {"name": deal.name})
    return deal


async def delete(session: AsyncSession, ctx: OrgContext, deal_id: uuid.UUID) -> None:
    deal = await get(session, ctx, deal_id)
    ctx.require(Permission.DEAL_DELETE)
    await _changed(session, ctx, "deal.deleted", deal, {"name": deal.name})
    await session.delete(deal)


async def start_export(session: AsyncSession, ctx: OrgContext, request: DealExportRequest) -> Job:
    """Queue a file of the deals matching the filters; the job's result links to it."""
    ctx.require(Permission.DEAL_READ)
    if request.owner_id is not None:
        await _check_owner(session, request.owner_id)
    payload = request.model_dump(mode="json")
    created = enqueue(session, EXPORT_JOB, payload, organization_id=ctx.organization.id, created_by_id=ctx.user.id)
    record(session, ctx, "deal.export_requested", "job", created.id, payload)
    return created
