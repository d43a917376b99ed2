"""Where a user sees detail: the place clipped to their wards, and the shapes inside them."""

from __future__ import annotations

import shapely

from assessments.disclosure import DisclosurePolicy, get_policy
from layers import schema as S
from layers._errors import AccessDenied
from layers.access import Role, User, detail_wards, require_detail
from layers.aggregate import wards_within
from layers.store import Store

SCREEN_POLICY = "partnership"
"""Disclosure policy of figures shown on screen and exported (``get_policy`` applies the
settings' threshold)."""

UNIT_WORDS: dict[str, str] = {"h3": "hexagon", "lsoa": "LSOA", "points": "event point"}
"""How a detail unit is named in the scope sentence (``Hexagon detail is shown...``)."""


def screen_policy(policy: DisclosurePolicy | None) -> DisclosurePolicy:
    """Return the policy given, or the screen policy at the settings' threshold."""
    return policy if policy is not None else get_policy(SCREEN_POLICY)


def clipped_within(store: Store, user: User, within: str | None, what: str) -> str | None:
    """Return the place (``within`` of ``layers.aggregate``) clipped to the user's detail.

    Admins and VRU leads keep the place as asked. A locality officer asking for the city
    (or any place holding their locality) gets ``locality:THEIRS``; a place inside their
    locality is kept. Places are the city, a locality or a ward, so the wards the user
    may see of a place are always all of it, all of their locality, or none.

    Parameters
    ----------
    store
        The store whose wards apply.
    user
        The signed-in user.
    within
        The place asked for: None or ``city``, ``locality:NAME``, ``ward:CODE``.
    what
        What was asked, in words (``hexagon counts``), for the message.

    Returns
    -------
    str or None
        The place to read (None: the whole city).

    Raises
    ------
    AccessDenied
        For an engagement officer, or a place outside the officer's locality.
    """
    require_detail(user, what)
    if user.sees_all_detail:
        return within
    own = detail_wards(store, user) or frozenset()
    place = wards_within(store, within)
    if own and place is not None and set(place) <= own:
        return within
    if own and (place is None or own <= set(place)):
        return f"locality:{user.locality}"
    raise AccessDenied(
        f"{what[:1].upper()}{what[1:]} are detail, shown for {user.locality} only (your "
        f"locality); for {place_words(within)} you see ward figures under disclosure control."
    )


def scope_sentence(user: User, unit: str, within: str | None, clipped: str | None) -> str:
    """Return the sentence a page shows about the detail it got (empty when nothing is cut).

    Parameters
    ----------
    user
        The signed-in user.
    unit
        ``h3``, ``lsoa`` or ``points`` (detail) or ``ward`` / ``locality`` (figures).
    within, clipped
        The place asked for and the place read (see :func:`clipped_within`).
    """
    if user.sees_all_detail:
        return ""
    if unit in ("ward", "locality"):
        if user.role is Role.ENGAGEMENT:
            return f"{unit.capitalize()} figures are shown under disclosure control."
        return (
            f"{unit.capitalize()} figures for {user.locality} (your locality) are exact; "
            "the others are shown under disclosure control."
        )
    if clipped == within:
        return ""
    words = UNIT_WORDS.get(unit, unit)
    return f"{words.capitalize()} detail is shown for {user.locality} only (your locality)."


def place_words(within: str | None) -> str:
    """Return a place in words: ``the city``, ``South``, ``ward E05010885``."""
    if within in (None, "city"):
        return "the city"
    level, _, name = str(within).partition(":")
    return name if level == "locality" else f"{level} {name}"


def detail_shape(store: Store, user: User) -> shapely.Geometry | None:
    """Return the outline of the wards the user sees in detail (None: everywhere).

    Raises
    ------
    AccessDenied
        When the user sees detail nowhere.
    """
    require_detail(user, "area profiles with raw figures")
    own = detail_wards(store, user)
    if own is None:
        return None
    wards = store.boundaries(S.Level.WARD)
    shapes = wards.loc[wards[S.CODE].isin(own), "geometry"].to_numpy()
    if not len(shapes):
        raise AccessDenied(f"No ward of {user.locality} is loaded, so no detail can be shown.")
    return shapely.union_all(shapes)


def require_inside(
    shape: shapely.Geometry | None, geometry: shapely.Geometry, what: str, user: User
) -> None:
    """Raise :class:`AccessDenied` unless ``geometry`` lies wholly inside ``shape``.

    ``shape`` None means everywhere. A tolerance of about a centimetre absorbs rounding
    where a ward's own outline is the geometry.
    """
    if shape is None:
        return
    if not shapely.covered_by(geometry, shapely.buffer(shape, 1e-7)):
        raise AccessDenied(
            f"{what} is not wholly inside {user.locality} (your locality), so its raw "
            "figures are not shown; profile a ward of your locality, or ask for the "
            "disclosure-controlled profile (as printed)."
        )


def own_locality(user: User) -> str | None:
    """Return the locality a locality officer sees in detail (None for the other roles)."""
    return user.locality if user.role is Role.LOCALITY else None
