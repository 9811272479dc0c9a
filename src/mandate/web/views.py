"""The landing page and the list of every domain's HTML routers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from mandate.web.deps import PageDep
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(page: PageDep) -> Response:
    if page.user is not None:
        return RedirectResponse("/deals", status_code=303)
    return render(page.request, "web/landing.html", page.context())


def routers() -> list[APIRouter]:
    from mandate.account.views import router as account_views

    return [router, account_views]
