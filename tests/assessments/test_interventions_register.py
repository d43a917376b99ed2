"""The intervention register: adding and editing entries, refusing bad ones, reading shapes."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import shapely

from assessments.interventions import add_intervention, edit_intervention, geometry_from_text
from layers import schema as S
from layers._errors import SchemaError
from layers.queries import import_log, interventions
from layers.settings import Settings, load_settings
from layers.store import Store


@pytest.fixture
def own_store(settings: Settings, tmp_path: Path) -> tuple[Store, Settings]:
    """A private copy of the demo store, for tests that write."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(settings.store, copy)
    config = load_settings(
        store=copy, secret_file=settings.secret_file, rejected_dir=tmp_path / "rejected"
    )
    return Store(copy), config


# --- the register ---------------------------------------------------------------------------


def test_an_added_intervention_is_stored_indexed_and_logged(
    own_store: tuple[Store, Settings],
) -> None:
    store, config = own_store
    square = shapely.box(-2.600, 51.440, -2.596, 51.443)
    event_id = add_intervention(
        store,
        settings=config,
        name="  Test lighting ",
        intervention_type="street lighting",
        geometry=square,
        start_date=date(2024, 5, 1),
        lead_agency="Bristol City Council",
    )
    assert event_id.startswith("int-")
    assert len(event_id) == 16
    row = interventions(store).set_index(S.EVENT_ID).loc[event_id]
    assert row[S.NAME] == "Test lighting"
    assert row[S.START_DATE] == pd.Timestamp("2024-05-01")
    assert pd.isna(row[S.END_DATE])
    assert pd.isna(row[S.NOTES])
    assert row.geometry.equals_exact(square, 1e-7)
    assert isinstance(row[S.WARD], str)
    assert import_log(store)["files"].iloc[0] == "register entry made by hand"


def test_an_edit_keeps_the_id_and_changes_only_what_is_given(
    own_store: tuple[Store, Settings],
) -> None:
    store, config = own_store
    point = shapely.Point(-2.59, 51.46)
    event_id = add_intervention(
        store,
        settings=config,
        name="Patrols",
        intervention_type="patrol",
        geometry=point,
        start_date="2024-01-01",
        notes="first",
    )
    moved = shapely.Point(-2.58, 51.45)
    edit_intervention(
        store,
        settings=config,
        event_id=event_id,
        end_date=date(2024, 12, 31),
        geometry=moved,
        notes=None,
    )
    register = interventions(store)
    assert (register[S.EVENT_ID] == event_id).sum() == 1
    row = register.set_index(S.EVENT_ID).loc[event_id]
    assert row[S.END_DATE] == pd.Timestamp("2024-12-31")
    assert row[S.NAME] == "Patrols"
    assert pd.isna(row[S.NOTES])
    assert row.geometry.equals(moved)
    lon, lat = store.query(
        "SELECT lon, lat FROM interventions WHERE event_id = ?", [event_id]
    ).iloc[0]
    assert (lon, lat) == pytest.approx((-2.58, 51.45))


def test_bad_entries_are_refused_with_every_problem_named(
    own_store: tuple[Store, Settings],
) -> None:
    store, config = own_store
    with pytest.raises(SchemaError) as caught:
        add_intervention(
            store,
            settings=config,
            name=" ",
            intervention_type="x",
            geometry=shapely.LineString([(0, 0), (1, 1)]),
            start_date=date(2024, 5, 1),
            end_date=date(2024, 1, 1),
        )
    message = str(caught.value)
    assert "name must be non-empty" in message
    assert "geometry must be a shapely Point" in message
    assert "end_date 2024-01-01 is before start_date" in message
    with pytest.raises(SchemaError, match="outside the study area"):
        add_intervention(
            store,
            settings=config,
            name="Swapped",
            intervention_type="x",
            geometry=shapely.Point(51.45, -2.59),
            start_date="2024-01-01",
        )
    with pytest.raises(SchemaError, match="start_date must be a date"):
        add_intervention(
            store,
            settings=config,
            name="No start",
            intervention_type="x",
            geometry=shapely.Point(-2.59, 51.45),
            start_date="May 2024",
        )
    assert len(interventions(store)) == len(interventions(Store(config.store)))


def test_bad_edits_are_refused(own_store: tuple[Store, Settings]) -> None:
    store, config = own_store
    with pytest.raises(SchemaError) as caught:
        edit_intervention(store, settings=config, event_id="nope", colour="red")
    assert "unknown field(s) ['colour']" in str(caught.value)
    assert "'nope' is not in the register" in str(caught.value)
    with pytest.raises(SchemaError, match="no change given"):
        edit_intervention(store, settings=config, event_id="demo-int-01")


def test_geometry_from_text_reads_wkt_and_geojson() -> None:
    assert geometry_from_text("POINT (-2.59 51.45)").equals(shapely.Point(-2.59, 51.45))
    polygon = geometry_from_text('{"type": "Point", "coordinates": [-2.59, 51.45]}')
    assert polygon.equals(shapely.Point(-2.59, 51.45))
    with pytest.raises(SchemaError, match="neither WKT"):
        geometry_from_text("somewhere near the park")
