"""`GET /files/{token}`: the one way a stored file leaves the app."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from mandate.kit.errors import AppError, NotFound, responses
from mandate.kit.problems import problem_response
from mandate.storage.base import ObjectNotFound
from mandate.storage.links import content_disposition

router = APIRouter(tags=["files"])


class DownloadLinkInvalid(AppError):
    status = 403
    code = "download_link_invalid"
    title = "This download link has expired or is not valid"


def _refuse(request: Request, error: AppError) -> Response:
    # A person who clicked an old link gets the error page; programs get problem+json.
    if "text/html" in request.headers.get("accept", ""):
        raise error
    return problem_response(error)


@router.get(
    "/files/{token}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file, as an attachment"},
        **responses(403, 404),
    },
)
async def download_file(request: Request, token: str) -> Response:
    runtime = request.app.state.runtime
    download = runtime.downloads.verify(token)
    if download is None:
        return _refuse(request, DownloadLinkInvalid("Ask for a new link: download links last a few minutes"))
    try:
        opened = await runtime.storage.open(download.key)
    except ObjectNotFound:
        return _refuse(request, NotFound("This file no longer exists"))
    headers = {
        "Content-Disposition": content_disposition(download.filename),
        "Content-Length": str(opened.size),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(opened.chunks, media_type=download.content_type, headers=headers)
