"""Command line: ``python -m layers import|counts|demo|status|users|audit``.

Exit status: 0 when the command did its work (an import with rejected rows included),
2 when a file or an argument was refused as a whole (the reason on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from layers import aggregate, audit
from layers import schema as S
from layers._cli_users import add_users_commands
from layers._errors import AtlasError
from layers.context import import_context
from layers.demo_store import build_demo_store
from layers.export import neutralise_formulas
from layers.ingest import (
    ImportReport,
    import_files,
    open_store,
)
from layers.readers import parse_mapping
from layers.settings import Settings, load_settings

EXIT_OK = 0
EXIT_REFUSED = 2


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
    parser = argparse.ArgumentParser(prog="python -m layers", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    imp = commands.add_parser("import", help="import files of one layer into the store")
    imp.add_argument("kind", choices=[*(k.value for k in S.Kind), "context"])
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument("--format", dest="fmt", choices=["police-uk", "csv", "geojson", "gpkg"])
    imp.add_argument(
        "--map", nargs="+", default=[], metavar="SRC=DST", help="file column -> layer column"
    )
    imp.add_argument(
        "--level", choices=[lv.value for lv in S.Level], default="ward", help="for boundaries"
    )
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    imp.set_defaults(run=_run_import)

    cnt = commands.add_parser("counts", help="print counts by area and period")
    cnt.add_argument("--by", required=True, help="h3:RES (6-11), ward, locality or lsoa")
    cnt.add_argument(
        "--kind", nargs="+", default=["incidents"], choices=[k.value for k in S.EVENT_KINDS]
    )
    cnt.add_argument("--category", nargs="+", default=None)
    cnt.add_argument("--flag", nargs="+", default=None, choices=list(S.FLAG_COLUMNS))
    cnt.add_argument("--from", dest="date_from", metavar="YYYY-MM")
    cnt.add_argument("--to", dest="date_to", metavar="YYYY-MM")
    cnt.add_argument("--period", choices=list(aggregate.PERIODS), default="none")
    cnt.add_argument("--format", dest="fmt", choices=["csv", "json"], default="csv")
    cnt.set_defaults(run=_run_counts)

    demo = commands.add_parser("demo", help="build the demo store (when it holds no data yet)")
    demo.add_argument("--seed", type=int, default=None)
    demo.add_argument("--scale", type=float, default=1.0, help="multiply the demo volumes")
    demo.set_defaults(run=_run_demo)

    status = commands.add_parser("status", help="what is loaded, date ranges, last imports")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_run_status)

    users = add_users_commands(commands)

    log = commands.add_parser("audit", help="print the audit log, newest first; check its chain")
    log.add_argument("--limit", type=int, default=50, help="most records shown (default 50)")
    log.add_argument("--user", default=None)
    log.add_argument("--action", default=None, choices=audit.ACTIONS)
    log.add_argument(
        "--verify", action="store_true", help="check the hash chain (exit 1 if broken)"
    )
    log.add_argument("--json", action="store_true")
    log.set_defaults(run=_run_audit)

    for sub in (imp, cnt, demo, status, *users, log):
        sub.add_argument(
            "--store", type=Path, default=None, help="store file (default: ATLAS_STORE)"
        )
    return parser


def _run_import(args: argparse.Namespace, settings: Settings) -> int:
    mapping = parse_mapping(args.map) if args.map else None
    if args.kind == "context":
        report = import_context(args.files, settings=settings, mapping=mapping)
    else:
        report = import_files(
            args.kind,
            args.files,
            settings=settings,
            fmt=args.fmt,
            mapping=mapping,
            level=args.level,
        )
    print(json.dumps(report.as_dict()) if args.json else _describe(report))
    return EXIT_OK


def _describe(report: ImportReport) -> str:
    lines = [
        f"{report.kind}: {', '.join(report.files)} ({report.rows_read:,} rows read)",
        f"  imported:   {report.imported:,}",
        f"  duplicates: {report.duplicates:,} (already in the store)",
        f"  rejected:   {report.rejected:,}"
        + (f" (rows and reasons in {report.rejected_path})" if report.rejected_path else ""),
    ]
    lines += [f"  note: {note}" for note in report.notes]
    return "\n".join(lines)


def _run_counts(args: argparse.Namespace, settings: Settings) -> int:
    table = aggregate.counts(
        open_store(settings),
        by=args.by,
        kinds=args.kind,
        categories=args.category,
        flags=args.flag,
        date_from=args.date_from,
        date_to=args.date_to,
        period=args.period,
    )
    if args.fmt == "json":
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        print(json.dumps(records))
    else:
        neutralise_formulas(table).to_csv(sys.stdout, index=False)
    return EXIT_OK


def _run_demo(args: argparse.Namespace, settings: Settings) -> int:
    reports = build_demo_store(settings, seed=args.seed, scale=args.scale)
    if not reports:
        print(f"{settings.store} already holds data; nothing built")
    for report in reports:
        print(f"{report.kind}: {report.imported:,} imported")
    return EXIT_OK


def _run_status(args: argparse.Namespace, settings: Settings) -> int:
    status: dict[str, Any] = open_store(settings).status()
    if args.json:
        print(json.dumps(status, default=str))
        return EXIT_OK
    print(f"store: {status['store']}")
    for kind, layer in status["layers"].items():
        span = f"{layer['from']} to {layer['to']}" if layer["from"] else ""
        print(f"  {kind:<14}{layer['rows']:>10,} rows  {span}")
    approx = " (shipped approximate demo wards)" if status["boundaries_approximate"] else ""
    print(f"  boundaries: {status['boundaries']}{approx}")
    print(f"  rejected rows kept: {status['rejected_rows']:,}")
    for imp in status["last_imports"]:
        print(
            f"  {imp['finished_at'][:19]}  {imp['kind']:<13} {imp['files'][:60]}: "
            f"{imp['imported']:,} imported, {imp['duplicates']:,} duplicates, "
            f"{imp['rejected']:,} rejected"
        )
    return EXIT_OK


def _run_audit(args: argparse.Namespace, settings: Settings) -> int:
    if args.verify:
        problems = audit.verify(settings.store)
        for problem in problems:
            print(f"broken: {problem}")
        if not problems:
            print("The audit log's hash chain is whole.")
        return 1 if problems else EXIT_OK
    log = audit.audit_log(settings.store, limit=args.limit, user=args.user, action=args.action)
    if args.json:
        print(json.dumps(log.astype({"time": "str"}).to_dict("records")))
    elif log.empty:
        print("The audit log is empty.")
    else:
        print(log.to_string(index=False, max_colwidth=80))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
