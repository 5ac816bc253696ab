"""The ASGI app: `/api/v1` (OpenAPI at `/api/docs`), the pages emailed links open, published feeds, `/healthz`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from accounts.mail import Mailer
from feedhub.settings import Settings
from feedhub.web import feeds, pages
from feedhub.web.api import ROUTERS
from feedhub.web.context import WebContext
from feedhub.web.errors import install_error_handlers
from feedhub.web.idempotency import IdempotencyMiddleware

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings, *, mailer: Mailer | None = None, launch_run: Callable[[int, int], str] | None = None
) -> FastAPI:
    """The app over the settings' database, mailer and storages (tests may pass a mailer and a run launcher)."""
    context = WebContext.from_settings(settings, mailer=mailer, launch_run=launch_run)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        context.engine.dispose()  # the server stopped: close the database connections it held

    app = FastAPI(
        title="Feedhub", version="1", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json",
        description="Product feeds of your shops: sign in with a session cookie, or send `Authorization: Bearer`"
        " with a personal API token.", lifespan=lifespan,
    )
    app.state.context = context
    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware, sessions=context.sessions)
    api = APIRouter(prefix=API_PREFIX)
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(feeds.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        with context.sessions() as session:
            session.execute(text("SELECT 1"))
        return JSONResponse({"status": "ok"})

    return app
