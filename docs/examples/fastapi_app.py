"""FastAPI with one SemrushClient per app: created in the lifespan, provided by a
dependency, shared by every request (so one governor sees all of them).

A request that would wait longer than ``max_wait`` for the rate limit gets 503 with
``Retry-After`` at once (``QueueTimeout``: nothing was sent or charged for it).

    SEMRUSH_API_KEY=... uvicorn docs.examples.fastapi_app:app
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from semrush_async import QueueTimeout, SemrushClient, SemrushError, ValidationError

router = APIRouter()


def create_app(**client_options: Any) -> FastAPI:
    """An app whose lifespan owns one client (options go to SemrushClient, which
    reads SEMRUSH_API_KEY, SEMRUSH_BASE_URL ... from the environment itself)."""
    options: dict[str, Any] = {"max_wait": 30.0, **client_options}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with SemrushClient(**options) as client:
            app.state.semrush = client
            yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(router)
    app.add_exception_handler(QueueTimeout, busy)  # type: ignore[arg-type]
    return app


async def busy(request: Request, exc: QueueTimeout) -> JSONResponse:
    """The rate queue is longer than max_wait: 503, and when to come back."""
    return JSONResponse(
        {"detail": f"Semrush rate limit busy ({exc.endpoint}); retry later"},
        status_code=503,
        headers={"Retry-After": str(exc.retry_after)},
    )


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
    except QueueTimeout:
        raise  # the app's handler: 503 with Retry-After
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
