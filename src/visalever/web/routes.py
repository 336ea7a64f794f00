"""The analyst dashboard's HTTP routes: HTML pages, their static assets and the offline map geometry.

Every page is a thin Jinja2 shell; the figures on it are fetched by the browser from the same
`/v1/...` JSON endpoints that the page links to as its "JSON twin", so a number on screen can never
drift from the API's. Nothing is loaded from another host: Plotly.js comes from the installed
`plotly` Python package, the outlines from world-atlas in the raw data folder, and a Content-Security-Policy
of `'self'` makes the browser refuse anything else.

Mounted by the service's `create_app(...)` with `app.include_router(visalever.web.routes.router)`.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import jinja2
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from visalever.errors import InputError
from visalever.web.geo import atlas_dir, world_geojson_bytes

WEB_ROOT = Path(__file__).resolve().parent
STATIC_ROOT = WEB_ROOT / "static"
TEMPLATE_ROOT = WEB_ROOT / "templates"
ASSET_PREFIX = "/assets"

# Attributions required by ../shared/data/README.md wherever its figures are displayed.
ATTRIBUTIONS: tuple[str, ...] = (
    "UK: Contains public sector information licensed under the Open Government Licence v3.0 "
    "(Home Office, Immigration system statistics).",
    "EU: Source: European Commission (DG HOME) visa statistics; Eurostat.",
    "US: US Department of State and Department of Homeland Security (public domain).",
    "Maps: Natural Earth (public domain) via world-atlas (ISC licence).",
)

# 'self' only: the browser itself refuses any request to another host. Plotly writes inline styles
# and renders images from data:/blob: URLs, hence those two allowances.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self' 'unsafe-inline'; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    "": "text/plain; charset=utf-8",
}
_ISO3 = re.compile(r"^[A-Za-z]{3}$")

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_ROOT)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def plotly_js_path() -> Path:
    """The plotly.min.js bundled with the installed `plotly` Python package (no CDN at run time)."""
    import plotly

    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise RuntimeError(f"plotly.min.js not found at {path}: reinstall the plotly package")
    return path


def _page(request: Request, template: str, *, title: str, twins: list[tuple[str, str]], **extra: object):
    """Render a page shell with the shared header, JSON-twin links and attribution footer."""
    html = _environment().get_template(template).render(
        title=title,
        twins=twins,
        attributions=ATTRIBUTIONS,
        assets=ASSET_PREFIX,
        today=date.today().isoformat(),
        path=request.url.path,
        **extra,
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    """World map of agreements, tiers, designations and visas at stake, with the same data as a table."""
    return _page(
        request,
        "overview.html",
        title="Overview",
        twins=[
            ("Countries", "/v1/countries"),
            ("Agreements", "/v1/agreements"),
            ("Designations", "/v1/designations"),
            ("Visas", "/v1/indicators"),
            ("Assessments", "/v1/assessments"),
        ],
        script="overview.js",
    )


@router.get("/countries/{iso3}", response_class=HTMLResponse)
def dossier(request: Request, iso3: str) -> Response:
    """One country's dossier; codes are normalised to upper case so links from any source work."""
    if not _ISO3.match(iso3):
        raise HTTPException(status_code=404, detail=f"iso3: {iso3!r} is not a three-letter ISO code")
    if iso3 != iso3.upper():
        return RedirectResponse(f"/countries/{iso3.upper()}", status_code=307)
    return _page(
        request,
        "country.html",
        title=f"Country dossier {iso3}",
        twins=[("Dossier", f"/v1/countries/{iso3}")],
        script="country.js",
        iso3=iso3,
    )


@router.get("/policies", response_class=HTMLResponse)
def policies(request: Request) -> HTMLResponse:
    """Browse a policy as of a date, or compare two side by side."""
    return _page(
        request,
        "policies.html",
        title="Policies",
        twins=[("Policies", "/v1/policies")],
        script="policies.js",
    )


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios(request: Request) -> HTMLResponse:
    """Baseline against reform: run a simulation, watch its progress, read and download the result."""
    return _page(
        request,
        "scenarios.html",
        title="Scenarios",
        twins=[("Policies", "/v1/policies")],
        script="scenarios.js",
    )


@router.get("/designations", response_class=HTMLResponse)
def designations(request: Request) -> HTMLResponse:
    """Designations in force and due for review; policy_admin edits through the same API."""
    return _page(
        request,
        "designations.html",
        title="Designations",
        twins=[
            ("Designations", "/v1/designations"),
            ("Due for review", "/v1/designations?due_for_review=true"),
        ],
        script="designations.js",
    )


@router.get(ASSET_PREFIX + "/plotly.min.js")
def plotly_js() -> FileResponse:
    """Plotly.js from the installed Python package."""
    return FileResponse(
        plotly_js_path(), media_type=_MEDIA_TYPES[".js"], headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get(ASSET_PREFIX + "/world.geojson")
def world_geojson() -> Response:
    """World-atlas outlines as GeoJSON keyed by ISO3 (see `visalever.web.geo`)."""
    try:
        body = world_geojson_bytes()
    except InputError as err:
        raise HTTPException(status_code=503, detail=str(err)) from None
    cache = {"Cache-Control": "public, max-age=3600"}
    return Response(body, media_type="application/geo+json", headers=cache)


@router.get(ASSET_PREFIX + "/world-atlas-LICENSE")
def world_atlas_licence() -> FileResponse:
    """The world-atlas licence, from the same raw folder as the outlines."""
    path = atlas_dir() / "LICENSE"
    if not path.is_file():
        raise HTTPException(status_code=503, detail=f"{path}: world-atlas licence not found")
    return FileResponse(path, media_type="text/plain; charset=utf-8")


@router.get(ASSET_PREFIX + "/{asset_path:path}")
def static_asset(asset_path: str) -> FileResponse:
    """Files under web/static, refusing anything that resolves outside that folder."""
    target = (STATIC_ROOT / asset_path).resolve()
    if not target.is_file() or STATIC_ROOT not in target.parents:
        raise HTTPException(status_code=404, detail=f"asset: {asset_path!r} not found")
    media_type = _MEDIA_TYPES.get(target.suffix, "application/octet-stream")
    if target.suffix == "" or target.name == "LICENSE":
        media_type = _MEDIA_TYPES[""]
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "no-cache"})
