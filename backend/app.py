"""The application factory: everything is built from the settings passed in, nothing at import time."""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from backend.api.errors import install_error_handlers
from backend.api.guard import AccessGuard, api_templates
from backend.api.inputs import InputGuard
from backend.api.limits import BodySizeLimit
from backend.api.process_header import ProcessHeader, process_name
from backend.api.routes import annotations as annotation_routes
from backend.api.routes import (
    auth,
    cutouts,
    detect,
    events,
    export,
    images,
    layers,
    learning,
    members,
    projects,
    regions,
    rounds,
    sky,
    sources,
    tiles,
)
from backend.auth.startup import needs_setup, prepare_identity, setup_link
from backend.auth.throttle import LoginThrottle
from backend.db.session import open_database
from backend.housekeeping import remove_leftovers
from backend.services.images.serving_cache import ServingCache
from backend.services.images.upload_progress import UploadProgress
from backend.settings import Settings
from backend.worker.install import install_learning
from tiles.readers import set_readers_per_file

log = logging.getLogger("skylabel")
SETUP_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>skylabel: make the owner</title>
</head><body><h1>skylabel: make the owner account</h1>
<p>This link works once: the account made here owns every project. Others are added later by the owner.</p>
<form id="setup"><label>username <input id="setup-username" required autocomplete="username"></label><br>
<label>display name <input id="setup-display"></label><br>
<label>password (12 characters or more) <input id="setup-password" type="password" required minlength="12"
autocomplete="new-password"></label><br><button id="setup-submit">make the owner</button></form>
<p id="setup-message" role="status"></p>
<script>
document.getElementById('setup').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = {token: location.hash.slice(1), username: document.getElementById('setup-username').value,
    password: document.getElementById('setup-password').value,
    display_name: document.getElementById('setup-display').value};
  const r = await fetch('/api/auth/setup', {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(body)});
  const answer = await r.json();
  document.getElementById('setup-message').textContent = r.ok ? 'done: opening skylabel' : answer.detail;
  if (r.ok) { history.replaceState(null, '', '/setup'); location.assign('/'); }
});
</script></body></html>
"""

API_DESCRIPTION = """
Label star clusters in multi-band HST/JWST images.

**Pixel coordinates** everywhere in this API are 0-based on the original FITS array (astropy's `origin=0`:
the centre of the first pixel is (0, 0)); add 1 for FITS/DS9 1-based coordinates. Sky coordinates are ICRS
degrees. Tiles use the pixel-space grid of rio-tiler's `ImageReader` (`tile_grid` in the image record).
"""

NO_FRONTEND = """<!doctype html><title>skylabel</title><body style="font-family:sans-serif">
<h1>skylabel API is running</h1><p>The browser app is not built: run <code>make demo</code> (or
<code>cd frontend && npm ci && npm run build</code>). The API is at <a href="/docs">/docs</a>.</p></body>"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    os.environ.setdefault("GDAL_CACHEMAX", "512")  # MB of decoded COG blocks shared by the tile readers
    set_readers_per_file(settings.readers_per_file)
    engine, sessions = open_database(settings)  # prestart: the schema is always current
    if settings.cleanup_on_start:
        remove_leftovers(settings)
    local_caller = prepare_identity(settings, sessions)  # accounts mode: refuses to start without an owner

    app = FastAPI(title="skylabel", version="0.1.0", description=API_DESCRIPTION)
    app.state.settings = settings
    app.state.login_throttle = LoginThrottle(settings.login_max_failures, settings.login_window_s)
    app.state.setup_token_hash = settings.setup_token_hash
    if not settings.setup_token_hash and needs_setup(settings, sessions):  # run without `skylabel serve`
        link, app.state.setup_token_hash = setup_link(f"http://{settings.bind_host}")
        log.warning("no owner yet: open this one-time link (with the server's port) to make the owner account: %s",
                    link)
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.serving_cache = ServingCache(sessions, settings.data_dir)
    app.state.local_caller = local_caller
    app.state.upload_progress = UploadProgress()
    install_error_handlers(app)
    install_gates(app, settings)
    app.add_middleware(ProcessHeader, name=process_name(settings.process_name))  # outermost: 413s named too

    app.include_router(auth.router, prefix="/api")
    app.include_router(members.router, prefix="/api")

    app.include_router(images.router, prefix="/api")
    app.include_router(tiles.router, prefix="/api")
    tiles.install_fast_tiles(app)
    app.include_router(sky.router, prefix="/api")
    for labelling in (projects, layers, sources, regions, annotation_routes, rounds, export, detect, cutouts):
        app.include_router(labelling.router, prefix="/api")
    install_learning(app, settings, sessions)  # event hub, task dispatcher, live probe refits
    for ai_loop in (learning, events):
        app.include_router(ai_loop.router, prefix="/api")

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/setup", include_in_schema=False)
    def setup_page() -> HTMLResponse:
        """The one-time setup link's page: a form that makes the owner account (``POST /api/auth/setup``)."""
        return HTMLResponse(SETUP_PAGE)

    if (settings.frontend_dir / "index.html").is_file():
        app.mount("/", StaticFiles(directory=settings.frontend_dir, html=True), name="frontend")
    else:
        log.warning("frontend not built at %s; serving the API only", settings.frontend_dir)

        @app.get("/", include_in_schema=False)
        def no_frontend() -> HTMLResponse:
            return HTMLResponse(NO_FRONTEND)

    return app


def install_gates(app: FastAPI, settings: Settings) -> None:
    """Middleware, outermost first: Host check, CORS (only when configured), body limits, the access guard,
    the input checks (``add_middleware`` wraps, so they are added in reverse)."""
    app.add_middleware(InputGuard)
    app.add_middleware(AccessGuard, templates=lambda: api_templates(app.openapi()), sessions=app.state.sessions,
                       local_caller=lambda: app.state.local_caller, allowed_origins=settings.resolved_cors_origins)
    app.add_middleware(BodySizeLimit, max_bytes=int(settings.max_upload_mb * 2**20),
                       max_json_bytes=int(settings.max_json_mb * 2**20))
    if settings.oidc_enabled:
        from backend.auth.oidc import install_oidc

        install_oidc(app, settings)
    if settings.resolved_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.resolved_cors_origins, allow_credentials=True,
                           allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.resolved_allowed_hosts)
