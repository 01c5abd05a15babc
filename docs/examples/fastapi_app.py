"""FastAPI with one SemrushClient per app: created in the lifespan, provided by a
dependency, shared by every request (so one governor sees all of them).

    SEMRUSH_API_KEY=... uvicorn docs.examples.fastapi_app:app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request

from semrush_async import SemrushClient, SemrushError, ValidationError
from semrush_async.client import DEFAULT_BASE_URL, DEFAULT_WWW_URL

router = APIRouter()


def create_app(**client_options: Any) -> FastAPI:
    """An app whose lifespan owns one client (options go to SemrushClient)."""
    options: dict[str, Any] = {
        "base_url": os.environ.get("SEMRUSH_BASE_URL", DEFAULT_BASE_URL),
        "www_url": os.environ.get("SEMRUSH_WWW_URL", DEFAULT_WWW_URL),
        **client_options,
    }

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with SemrushClient(**options) as client:
            app.state.semrush = client
            yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(router)
    return app


def semrush(request: Request) -> SemrushClient:
    client: SemrushClient = request.app.state.semrush
    return client


Client = Annotated[SemrushClient, Depends(semrush)]


@router.get("/backlinks/{domain}")
async def backlinks_overview(domain: str, client: Client) -> dict[str, Any]:
    try:
        overview = await client.backlinks.overview(domain)
    except ValidationError as e:
        raise HTTPException(422, str(e)) from None
    except SemrushError as e:
        raise HTTPException(502, str(e)) from None
    return {"domain": domain, "total": overview.total if overview else 0}


@router.get("/governor")
async def governor(client: Client) -> dict[str, Any]:
    s = client.governor_stats().get("account")
    return {"started": s.started if s else 0, "rate_limited": s.rate_limited if s else 0}


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = create_app()
