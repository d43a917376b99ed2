"""Named places, spatial profiles, incident categories and planted parameters of the demo."""

from __future__ import annotations

SITES: dict[str, tuple[float, float]] = {
    "city centre": (-2.5880, 51.4580),
    "stokes croft": (-2.5895, 51.4635),
    "bedminster": (-2.5960, 51.4420),
    "hartcliffe": (-2.6010, 51.4130),
    "southmead": (-2.5970, 51.5010),
    "lawrence hill": (-2.5700, 51.4590),
    "lockleaze": (-2.5640, 51.4880),
    "bus station": (-2.5930, 51.4590),
    "eastville park": (-2.5600, 51.4740),
    "hengrove retail park": (-2.5880, 51.4140),
}
"""Named places (lon, lat) used by clusters, planted patterns and interventions."""

POPULATION: tuple[tuple[float, float, float, float], ...] = (
    (-2.6150, 51.4600, 1200.0, 0.8),  # Clifton
    (-2.6010, 51.4700, 1200.0, 1.0),  # Redland, Cotham
    (-2.5900, 51.4850, 1300.0, 1.0),  # Bishopston, Horfield
    (-2.5970, 51.5010, 1200.0, 0.9),  # Southmead
    (-2.6300, 51.5000, 1500.0, 0.8),  # Henbury, Lawrence Weston
    (-2.6750, 51.4900, 1300.0, 0.4),  # Shirehampton, Avonmouth
    (-2.5300, 51.4800, 1500.0, 1.0),  # Fishponds
    (-2.5550, 51.4600, 1300.0, 1.2),  # Easton, St George
    (-2.5640, 51.4880, 1000.0, 0.6),  # Lockleaze
    (-2.6000, 51.4420, 1200.0, 1.0),  # Bedminster, Southville
    (-2.5750, 51.4250, 1300.0, 0.9),  # Knowle, Filwood
    (-2.6100, 51.4150, 1300.0, 0.9),  # Hartcliffe, Bishopsworth
    (-2.5450, 51.4350, 1300.0, 0.8),  # Brislington
    (-2.5550, 51.4100, 1300.0, 0.6),  # Stockwood, Whitchurch
)
"""Broad bumps of the population surface: lon, lat, spread (m), relative weight."""

CLUSTERS: dict[str, float] = {
    "city centre": 450.0,
    "bedminster": 200.0,
    "hartcliffe": 500.0,
    "southmead": 450.0,
    "lawrence hill": 450.0,
    "stokes croft": 500.0,
    "lockleaze": 300.0,
}
"""Tighter clusters: site name -> spread (m)."""

PROFILES: dict[str, dict[str, float]] = {
    "night": {"population": 0.50, "uniform": 0.05, "city centre": 0.18, "bedminster": 0.14,
              "lawrence hill": 0.06, "hartcliffe": 0.06, "southmead": 0.06, "lockleaze": 0.025},
    "retail": {"population": 0.30, "uniform": 0.03, "city centre": 0.42, "bedminster": 0.18,
               "lawrence hill": 0.03, "southmead": 0.02, "hartcliffe": 0.02},
    "residential": {"population": 0.80, "uniform": 0.10, "hartcliffe": 0.03,
                    "southmead": 0.03, "lawrence hill": 0.04},
    "drugs": {"population": 0.35, "uniform": 0.05, "city centre": 0.20, "lawrence hill": 0.15,
              "southmead": 0.10, "hartcliffe": 0.10, "bedminster": 0.05, "lockleaze": 0.05},
    "survey": {"population": 0.70, "uniform": 0.05, "stokes croft": 0.10, "lockleaze": 0.10,
               "city centre": 0.05},
    "homes": {"population": 0.60, "uniform": 0.06, "hartcliffe": 0.12, "southmead": 0.12,
              "lawrence hill": 0.10},
}  # fmt: skip
"""Where each kind of event happens: component -> weight ("population" is the surface)."""

VIOLENCE = "Violence and sexual offences"
ASB = "Anti-social behaviour"
DRUGS = "Drugs"
CATEGORIES: dict[str, tuple[float, str, float, float, float, float]] = {
    # category: share, profile, P(knife-enabled), P(CCE), P(CSE), P(SYV)
    VIOLENCE: (0.270, "night", 0.06, 0.01, 0.01, 0.05),
    ASB: (0.220, "night", 0.0, 0.0, 0.0, 0.0),
    "Public order": (0.110, "night", 0.0, 0.0, 0.0, 0.0),
    "Criminal damage and arson": (0.090, "residential", 0.0, 0.0, 0.0, 0.0),
    "Vehicle crime": (0.070, "residential", 0.0, 0.0, 0.0, 0.0),
    "Other theft": (0.070, "retail", 0.0, 0.0, 0.0, 0.0),
    "Burglary": (0.050, "residential", 0.0, 0.0, 0.0, 0.0),
    "Shoplifting": (0.050, "retail", 0.0, 0.0, 0.0, 0.0),
    "Bicycle theft": (0.030, "retail", 0.0, 0.0, 0.0, 0.0),
    DRUGS: (0.020, "drugs", 0.0, 0.08, 0.0, 0.0),
    "Robbery": (0.013, "night", 0.20, 0.02, 0.0, 0.10),
    "Other crime": (0.011, "residential", 0.0, 0.0, 0.0, 0.0),
    "Theft from the person": (0.009, "retail", 0.0, 0.0, 0.0, 0.0),
    "Possession of weapons": (0.005, "drugs", 0.50, 0.05, 0.0, 0.0),
}
"""Incident categories: share, spatial profile and flag probabilities."""

# Planted patterns (see layers.demo's docstring).
PERSISTENT = ("stokes croft", 250.0, 60.0)  # site, radius (m), extra per month at scale 1
EMERGING = ("lockleaze", 250.0, 6.0, 6)  # site, radius (m), rate ratio, last months
EFFECT = ("bedminster", 300.0, 0.4, "demo-int-02", 0.5)  # site, side m, reduction, id, start
FOUND = (
    ("bus station", "the bus station", 0.15),
    ("eastville park", "Eastville Park", 0.12),
    ("hengrove retail park", "the Hengrove retail park", 0.08),
)
FOUND_RADIUS = 150.0
SURVEY_HOT = ("stokes croft", "lockleaze", "city centre")
SURVEY_RADIUS = 600.0
SURVEY_SHIFT = -1.2

_Size = tuple[float, float] | None
INTERVENTIONS: tuple[tuple[str, str, str, _Size, float, float | None, str], ...] = (
    # name, type, site, rectangle size (m) or None for a point, start, end (share of the
    # period from its first month), lead agency
    ("Stokes Croft CCTV upgrade", "CCTV", "stokes croft", None, 0.15, None,
     "Avon and Somerset Police"),
    ("Bedminster high street lighting and green redesign", "environmental redesign",
     "bedminster", (EFFECT[1], EFFECT[1]), EFFECT[4], None, "Bristol City Council"),
    ("Lockleaze detached youth work", "detached youth work", "lockleaze", None, 0.92, None,
     "Safer Options"),
    ("Broadmead safe space hub", "safe space", "city centre", None, 0.05, None,
     "Community youth partner"),
    ("Hartcliffe park redesign", "environmental redesign", "hartcliffe", (220.0, 180.0),
     0.12, 0.45, "Bristol City Council"),
    ("Southmead detached youth work", "detached youth work", "southmead", None, 0.03, 0.4,
     "Community youth partner"),
    ("Lawrence Hill street lighting", "street lighting", "lawrence hill", (250.0, 150.0),
     0.3, None, "Bristol City Council"),
    ("Bus station safeguarding patrols", "safeguarding patrols", "bus station", None, 0.22,
     0.6, "Avon and Somerset Police"),
)  # fmt: skip
