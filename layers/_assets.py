"""Front-end assets: folium's CDN files, their local copies, and pointing a map at them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the installer imports this module without the map libraries
    import folium
    from branca.element import Element

VENDOR_URL = "/app/static/vendor"
"""URL at which Streamlit serves ``static/vendor/`` (``server.enableStaticServing``)."""


@dataclass(frozen=True)
class Asset:
    """One file a folium element loads from a CDN, and where its local copy lives.

    Attributes
    ----------
    cdn_url
        The URL folium (or a plugin) asks for.
    local
        Path of the local copy under ``static/vendor/``.
    source
        Path of the file under ``frontend/node_modules/`` that the installer copies; empty
        when the installer writes the file itself (see ``scripts/install_assets.py``).
    """

    cdn_url: str
    local: str
    source: str


ASSETS: tuple[Asset, ...] = (
    Asset(
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "leaflet/leaflet.js",
        "leaflet/dist/leaflet.js",
    ),
    Asset(
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
        "leaflet/leaflet.css",
        "leaflet/dist/leaflet.css",
    ),
    Asset(
        "https://code.jquery.com/jquery-3.7.1.min.js",
        "jquery/jquery.min.js",
        "jquery/dist/jquery.min.js",
    ),
    Asset(
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        "bootstrap/js/bootstrap.bundle.min.js",
        "bootstrap/dist/js/bootstrap.bundle.min.js",
    ),
    Asset(
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
        "bootstrap/css/bootstrap.min.css",
        "bootstrap/dist/css/bootstrap.min.css",
    ),
    Asset(
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
        "glyphicons/css/bootstrap-glyphicons.css",
        "",
    ),
    Asset(
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
        "fontawesome/css/all.min.css",
        "@fortawesome/fontawesome-free/css/all.min.css",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        "awesome-markers/leaflet.awesome-markers.js",
        "drmonty-leaflet-awesome-markers/js/leaflet.awesome-markers.js",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
        "awesome-markers/leaflet.awesome-markers.css",
        "drmonty-leaflet-awesome-markers/css/leaflet.awesome-markers.css",
    ),
    Asset(
        "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
        "folium/leaflet.awesome.rotate.min.css",
        "",
    ),
)
"""Every CDN file of ``folium.Map.default_js`` / ``default_css`` (folium 0.20)."""

SUPPORT_DIRS: tuple[tuple[str, str], ...] = (
    ("leaflet/dist/images", "leaflet/images"),
    ("@fortawesome/fontawesome-free/webfonts", "fontawesome/webfonts"),
    ("drmonty-leaflet-awesome-markers/css/images", "awesome-markers/images"),
    ("bootstrap3/dist/fonts", "glyphicons/fonts"),
)
"""Folders the CSS files refer to by relative URL (images, fonts): source -> vendor path."""

_BY_URL: dict[str, Asset] = {asset.cdn_url: asset for asset in ASSETS}


def vendor_dir(static_dir: Path) -> Path:
    """Return the folder of the local asset copies inside Streamlit's static folder.

    Parameters
    ----------
    static_dir
        The app's static folder (``settings.static_dir``).

    Returns
    -------
    pathlib.Path
        ``static_dir / "vendor"``.
    """
    return Path(static_dir) / "vendor"


def local_url(url: str, *, static_dir: Path, url_prefix: str = VENDOR_URL) -> str:
    """Return the local URL of a CDN file when its copy is installed, else the URL unchanged.

    Parameters
    ----------
    url
        A URL from an element's ``default_js`` or ``default_css``.
    static_dir
        The app's static folder.
    url_prefix
        URL under which ``static/vendor/`` is served.

    Returns
    -------
    str
        ``url_prefix/<local path>`` or ``url``.
    """
    asset = _BY_URL.get(url)
    if asset is None or not (vendor_dir(static_dir) / asset.local).is_file():
        return url
    return f"{url_prefix.rstrip('/')}/{asset.local}"


def with_local_assets(
    m: folium.Map, *, static_dir: Path, url_prefix: str = VENDOR_URL
) -> folium.Map:
    """Return a copy of a map whose elements load their JS and CSS from local copies.

    Every element with ``default_js`` / ``default_css`` (the map and any plugin) gets its
    own lists with each CDN URL replaced by its local URL where the copy is installed; a
    URL without a local copy is kept (see :func:`offline_gaps`). Class-level lists are
    never touched.

    Parameters
    ----------
    m
        The map; not changed.
    static_dir
        The app's static folder (``settings.static_dir``).
    url_prefix
        URL under which ``static/vendor/`` is served.

    Returns
    -------
    folium.Map
        A deep copy of ``m``.
    """
    out = copy.deepcopy(m)
    for element in _walk(out):
        relink(element, static_dir=static_dir, url_prefix=url_prefix)
    return out


def relink(element: Element, *, static_dir: Path, url_prefix: str = VENDOR_URL) -> None:
    """Point one element you have just created at the local copies of its JS and CSS.

    Sets the element's own ``default_js`` / ``default_css`` (the class lists stay as they
    are); for a finished map use :func:`with_local_assets`, which leaves its input alone.

    Parameters
    ----------
    element
        A folium element, e.g. a new ``folium.Map``; changed in place.
    static_dir
        The app's static folder.
    url_prefix
        URL under which ``static/vendor/`` is served.
    """
    for attribute in ("default_js", "default_css"):
        links = getattr(element, attribute, None)
        if links:
            relinked = [
                (name, local_url(url, static_dir=static_dir, url_prefix=url_prefix))
                for name, url in links
            ]
            setattr(element, attribute, relinked)


def with_cdn_assets(m: folium.Map) -> folium.Map:
    """Return a copy of a map whose elements load their JS and CSS from the CDN again.

    The inverse of :func:`with_local_assets`, for a map saved as a file: every local URL
    of :data:`ASSETS` goes back to its CDN URL; other URLs are kept.

    Parameters
    ----------
    m
        The map; not changed.

    Returns
    -------
    folium.Map
        A deep copy of ``m``.
    """
    out = copy.deepcopy(m)
    for element in _walk(out):
        for attribute in ("default_js", "default_css"):
            links = element.__dict__.get(attribute)
            if links:
                setattr(element, attribute, [(name, _cdn_url(url)) for name, url in links])
    return out


def offline_gaps(m: folium.Map) -> list[str]:
    """List what a map would still fetch from the internet.

    Parameters
    ----------
    m
        The map, usually after :func:`with_local_assets`.

    Returns
    -------
    list of str
        Remote URLs still in an element's ``default_js`` / ``default_css``, and one entry
        per branca colormap (streamlit-folium loads d3 from a CDN for those, so use
        ``layers.maps`` legends instead). Empty when the map works without internet.
    """
    import branca.colormap

    gaps: list[str] = []
    for element in _walk(m):
        if isinstance(element, branca.colormap.ColorMap):
            gaps.append(f"branca colormap {element.get_name()} (streamlit-folium loads d3)")
        for attribute in ("default_js", "default_css"):
            gaps.extend(url for _, url in getattr(element, attribute, []) if _is_remote(url))
    return list(dict.fromkeys(gaps))


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _cdn_url(url: str) -> str:
    if _is_remote(url):
        return url
    for asset in ASSETS:
        if url.endswith("/" + asset.local):
            return asset.cdn_url
    return url


def _is_remote(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))
