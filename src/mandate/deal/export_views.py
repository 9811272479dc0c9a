"""Exporting deals from the list page: confirm what goes in the file, then follow the job (HTML)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse, Response

from mandate.authz.roles import Permission
from mandate.deal import exports, forms, repository, service
from mandate.deal.schemas import DealExportRequest, ExportFormat
from mandate.kit.session import DbSession
from mandate.web.deps import OrgPage
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Query(max_length=100)]


def _request(q: str, stage: str, owner: str, archived: str, fmt: str, me: uuid.UUID) -> DealExportRequest:
    chosen = forms.parse_stage(stage)
    return DealExportRequest(
        format=ExportFormat(fmt) if fmt in ExportFormat.__members__.values() else ExportFormat.CSV,
        stage=chosen,
        owner_id=me if owner == "me" else forms.parse_uuid(owner),
        q=q.strip() or None,
        archived=archived in ("1", "true", "yes"),
    )


@router.get("/deals/export")
async def confirm(
    pair: OrgPage, db: DbSession, q: Text = "", stage: Text = "", owner: Text = "", archived: Text = ""
) -> Response:
    page, ctx = pair
    ctx.require(Permission.DEAL_READ)
    wanted = _request(q, stage, owner, archived, "csv", ctx.user.id)
    matching = await repository.count_matching(db, exports.filter_for(wanted))
    context = page.context(wanted=wanted, matching=matching, owner=owner, formats=list(ExportFormat))
    return render(page.request, "deal/export.html", context)


@router.post("/deals/export")
async def start(
    pair: OrgPage,
    db: DbSession,
    q: Annotated[str, Form(max_length=100)] = "",
    stage: Annotated[str, Form(max_length=40)] = "",
    owner: Annotated[str, Form(max_length=40)] = "",
    archived: Annotated[str, Form(max_length=5)] = "",
    format: Annotated[str, Form(max_length=10)] = "csv",
) -> Response:
    _page, ctx = pair
    job = await service.start_export(db, ctx, _request(q, stage, owner, archived, format, ctx.user.id))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)
