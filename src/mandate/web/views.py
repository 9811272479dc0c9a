from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    return []
