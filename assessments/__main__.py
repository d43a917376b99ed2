"""Command line: ``python -m assessments profile --area ward:CODE --out FILE`` (printed profiles).

Exit status: 0 when the profile was written, 2 when an argument was refused (the reason
on stderr), as ``python -m layers`` does. Every figure written passes the disclosure
policy chosen (``--policy``, public by default).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from assessments.disclosure import get_policy
from assessments.profile import area_profile, disclosed_profile
from assessments.report import render_html, render_pdf
from layers._errors import AtlasError, SettingsError
from layers.settings import Settings, load_settings
from layers.store import Store

EXIT_OK = 0
EXIT_REFUSED = 2

FORMATS: tuple[str, ...] = ("pdf", "html", "json")
"""What ``profile`` writes; by default the one the file name ends in, else pdf."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(store=args.store)
        return int(args.run(args, settings))
    except (AtlasError, ValueError, OSError) as error:
        print(f"refused: {error}", file=sys.stderr)
        return EXIT_REFUSED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assessments", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    prof = commands.add_parser(
        "profile", help="write the profile of a ward, locality or H3 cell (PDF, HTML or JSON)"
    )
    prof.add_argument(
        "--area", required=True, help="ward:CODE, locality:NAME, h3:CELL or hotspot:CELL"
    )
    prof.add_argument("--from", dest="date_from", metavar="YYYY-MM", help="first month")
    prof.add_argument("--to", dest="date_to", metavar="YYYY-MM", help="last month")
    prof.add_argument(
        "--policy",
        choices=["public", "partnership"],
        default="public",
        help="disclosure policy (default public: counts under 5 hidden, others rounded to 5)",
    )
    prof.add_argument(
        "--format", dest="fmt", choices=FORMATS, help="default: from --out's suffix, else pdf"
    )
    prof.add_argument("--out", required=True, type=Path, metavar="FILE")
    prof.add_argument("--store", type=Path, default=None, help="store file (default: ATLAS_STORE)")
    prof.set_defaults(run=_run_profile)
    return parser


def _run_profile(args: argparse.Namespace, settings: Settings) -> int:
    fmt = args.fmt or _format_of(args.out)
    policy = get_policy(args.policy, settings=settings)
    store = Store(settings.store, lock_timeout_s=settings.lock_timeout_s)
    if not store.exists():
        raise SettingsError(
            f"no store at {settings.store}: build the demo store (python -m layers demo) or "
            "pass --store PATH"
        )
    profile = area_profile(store, args.area, date_from=args.date_from, date_to=args.date_to)
    if fmt == "json":
        text = json.dumps(disclosed_profile(profile, policy), indent=2, ensure_ascii=False)
        args.out.write_text(text + "\n", encoding="utf-8")
    elif fmt == "html":
        args.out.write_text(render_html(profile, policy=policy), encoding="utf-8")
    else:
        args.out.write_bytes(render_pdf(profile, policy=policy))
    print(f"{profile.title}: {fmt} profile ({policy.name} policy) written to {args.out}")
    return EXIT_OK


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return {"htm": "html"}.get(suffix, suffix) if suffix in (*FORMATS, "htm") else "pdf"


if __name__ == "__main__":
    raise SystemExit(main())
