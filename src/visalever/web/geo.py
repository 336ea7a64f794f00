"""Country outlines for the dashboard map: world-atlas TopoJSON (read from the raw data folder,
`geo/world_atlas/`, like every other official input, never copied into the repository) decoded to GeoJSON.

Plotly's choropleth reads GeoJSON, while world-atlas (Natural Earth, ISC licence) ships TopoJSON
keyed by ISO 3166-1 *numeric* codes. The data API keys every figure by ISO *alpha-3*, so the
conversion happens once here, in plain Python, and each feature carries `id = ISO3`. Outlines with
no ISO code in the file (Kosovo, Northern Cyprus, Somaliland) are kept with `id = null` so they are
still drawn as land but never coloured by a figure that does not belong to them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry

from visalever.errors import InputError
from visalever.paths import raw_data_root


def atlas_dir() -> Path:
    """`geo/world_atlas/` under the raw data root (VISALEVER_RAW_DATA or ../shared/data)."""
    return raw_data_root() / "geo" / "world_atlas"

Point = list[float]


def numeric_to_iso3(numeric: str | None) -> str | None:
    """ISO 3166-1 numeric code (zero-padded string) -> alpha-3, or None when pycountry has no entry."""
    if not numeric:
        return None
    country = pycountry.countries.get(numeric=str(numeric).zfill(3))
    return country.alpha_3 if country is not None else None


def _decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Undo TopoJSON quantisation and delta encoding: absolute longitude/latitude per arc point."""
    transform = topology.get("transform")
    decoded: list[list[Point]] = []
    for arc in topology["arcs"]:
        if transform is None:
            decoded.append([[float(p[0]), float(p[1])] for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points: list[Point] = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            points.append([round(x * sx + tx, 5), round(y * sy + ty, 5)])
        decoded.append(points)
    return decoded


def _ring(arc_indexes: list[int], arcs: list[list[Point]]) -> list[Point]:
    """Stitch arcs into one closed ring; a negative index (~i) means arc i reversed."""
    ring: list[Point] = []
    for index in arc_indexes:
        points = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        ring.extend(points if not ring else points[1:])
    return ring


def _geometry(geom: dict[str, Any], arcs: list[list[Point]]) -> dict[str, Any] | None:
    kind = geom.get("type")
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(r, arcs) for r in geom["arcs"]]}
    if kind == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [[_ring(r, arcs) for r in polygon] for polygon in geom["arcs"]],
        }
    return None


def topology_to_geojson(topology: dict[str, Any], object_name: str = "countries") -> dict[str, Any]:
    """A GeoJSON FeatureCollection with `id` = ISO3 and properties `name`, `iso_numeric`, `iso3`."""
    arcs = _decode_arcs(topology)
    features = []
    for geom in topology["objects"][object_name]["geometries"]:
        geometry = _geometry(geom, arcs)
        if geometry is None:
            continue
        numeric = geom.get("id")
        iso3 = numeric_to_iso3(numeric)
        features.append(
            {
                "type": "Feature",
                "id": iso3,
                "properties": {
                    "name": (geom.get("properties") or {}).get("name"),
                    "iso_numeric": numeric,
                    "iso3": iso3,
                },
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=1)
def world_geojson_bytes() -> bytes:
    """The 110m world as compact GeoJSON bytes (computed once per process); a missing file is an
    InputError naming it (the page then says the map is unavailable)."""
    path = atlas_dir() / "countries-110m.json"
    if not path.is_file():
        raise InputError("world-atlas outlines not found (set VISALEVER_RAW_DATA)", location=str(path))
    topology = json.loads(path.read_text(encoding="utf-8"))
    return json.dumps(topology_to_geojson(topology), separators=(",", ":")).encode("utf-8")
