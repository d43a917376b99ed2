"""Profiles for a signed-in user: who may print which area, and only disclosed figures out."""

from __future__ import annotations

import h3
import pytest
import shapely

from assessments.disclosure import get_policy
from assessments.printable import PrintableProfile, printable_profile
from assessments.profile import area_profile, disclosed_profile
from layers._errors import AccessDenied
from layers.access import Role, User
from layers.demo_store import build_demo_store
from layers.settings import load_settings
from layers.store import Store

FIRST, LAST = "2025-01", "2025-12"
ADMIN = User("admin", Role.ADMIN)
NORTH = User("north", Role.LOCALITY, locality="North")
ENGAGE = User("engage", Role.ENGAGEMENT)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    home = tmp_path_factory.mktemp("printable")
    settings = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(settings, seed=7, scale=0.2)
    return Store(settings.store)


def _ward(store: Store, locality: str) -> str:
    wards = store.boundaries("ward")
    return str(wards.loc[wards["parent_code"] == locality, "code"].sort_values().iloc[0])


def _cell_in(store: Store, ward: str, resolution: int = 9) -> str:
    """Return a cell lying wholly inside the ward (its polygon within the ward's)."""
    found = store.query(
        "SELECT h3_cell FROM coverage WHERE resolution = ? AND ward_code = ? ORDER BY h3_cell",
        [resolution, ward],
    )
    outline = store.boundaries("ward").set_index("code").loc[ward, "geometry"]
    for cell in found["h3_cell"]:
        text = h3.int_to_str(int(cell))
        shape = shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(text)])
        if outline.contains(shape):
            return text
    raise AssertionError(f"no cell wholly inside {ward}")


def _straddling(store: Store, locality: str, resolution: int = 9) -> str:
    """Return a cell whose centre is in the locality but which reaches beyond it."""
    wards = store.boundaries("ward")
    inside = shapely.union_all(wards.loc[wards["parent_code"] == locality, "geometry"])
    codes = sorted(wards.loc[wards["parent_code"] == locality, "code"])
    found = store.query(
        "SELECT h3_cell FROM coverage WHERE resolution = ? AND ward_code IN (SELECT unnest(?))",
        [resolution, codes],
    )
    for cell in found["h3_cell"]:
        text = h3.int_to_str(int(cell))
        shape = shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(text)])
        if not inside.buffer(1e-7).covers(shape) and inside.contains(shape.centroid):
            return text
    raise AssertionError("no straddling cell")


@pytest.mark.parametrize("user", [ADMIN, NORTH, ENGAGE], ids=lambda u: u.role.value)
def test_every_role_prints_any_ward_with_the_same_disclosed_figures(
    store: Store, user: User
) -> None:
    ward = f"ward:{_ward(store, 'South')}"
    policy = get_policy("partnership")
    printable = printable_profile(store, user, ward, date_from=FIRST, date_to=LAST)
    expected = disclosed_profile(area_profile(store, ward, date_from=FIRST, date_to=LAST), policy)
    got = printable.disclosed(policy)
    assert got["summary"] == expected["summary"]
    assert got["policy"] == expected["policy"]
    assert printable.pdf(policy).startswith(b"%PDF")


def test_the_printable_profile_exposes_no_raw_figures() -> None:
    public = [name for name in dir(PrintableProfile) if not name.startswith("_")]
    assert sorted(public) == ["disclosed", "html", "map_svg", "pdf", "title"]


def test_engagement_officer_cannot_profile_a_hexagon(store: Store) -> None:
    cell = _cell_in(store, _ward(store, "North"))
    with pytest.raises(AccessDenied, match="ward and locality profiles"):
        printable_profile(store, ENGAGE, f"h3:{cell}", date_from=FIRST, date_to=LAST)


def test_locality_officer_profiles_hexagons_only_in_their_locality(store: Store) -> None:
    own = _cell_in(store, _ward(store, "North"))
    other = _cell_in(store, _ward(store, "South"))
    printable_profile(store, NORTH, f"h3:{own}", date_from=FIRST, date_to=LAST)
    with pytest.raises(AccessDenied, match="not wholly inside North"):
        printable_profile(store, NORTH, f"h3:{other}", date_from=FIRST, date_to=LAST)
    edge = _straddling(store, "North")  # its centre is in North, not all of it
    with pytest.raises(AccessDenied, match="not wholly inside North"):
        printable_profile(store, NORTH, f"h3:{edge}", date_from=FIRST, date_to=LAST)
    printable_profile(store, ADMIN, f"h3:{other}", date_from=FIRST, date_to=LAST)
