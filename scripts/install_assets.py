"""Install the map's browser libraries from npm and copy them into static/vendor/.

Run from anywhere: ``python scripts/install_assets.py`` (``--force`` reinstalls). It runs
``npm ci`` in ``frontend/`` (``npm install`` when there is no lock file) unless the
installed packages already match the lock, then copies the files listed in
``layers/_assets.py`` and writes the two small CSS files no npm package carries. Running it
again changes nothing and says so.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layers._assets import ASSETS, SUPPORT_DIRS, vendor_dir  # noqa: E402

FRONTEND = ROOT / "frontend"
MODULES = FRONTEND / "node_modules"
STAMP = MODULES / ".atlas-lock-sha256"
NPM_FLAGS = ("--ignore-scripts", "--no-audit", "--no-fund")
_GLYPH_RULE = re.compile(r"(?P<selector>[^{}]+)\{(?P<body>[^{}]*)\}")


def main(argv: list[str] | None = None) -> int:
    """Install the assets; return the process exit code.

    Parameters
    ----------
    argv
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when npm is missing or fails.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="run npm even when up to date")
    parser.add_argument("--static-dir", type=Path, default=ROOT / "static")
    args = parser.parse_args(argv)
    if not _npm_install(force=args.force):
        return 1
    target = vendor_dir(args.static_dir)
    missing = _missing_sources()
    if missing:
        print(f"npm did not provide {missing}: rerun with --force, or check frontend/package.json")
        return 1
    copied, unchanged = _copy_assets(target)
    written = _write_generated(target)
    (target / ".installed").write_text("installed by scripts/install_assets.py\n")
    print(
        f"static/vendor: {copied} file(s) copied, {unchanged} already up to date, "
        f"{written} generated file(s) written ({target})"
    )
    return 0


def _missing_sources() -> list[str]:
    wanted = [a.source for a in ASSETS if a.source] + [source for source, _ in SUPPORT_DIRS]
    return [path for path in wanted if not (MODULES / path).exists()]


def _npm_install(*, force: bool) -> bool:
    lock = FRONTEND / "package-lock.json"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else ""
    if not force and wanted and STAMP.is_file() and STAMP.read_text().strip() == wanted:
        print("npm: node_modules already matches package-lock.json; nothing to install")
        return True
    npm = shutil.which("npm")
    if npm is None:
        print("npm not found: install Node.js and npm (Debian: apt-get install npm)")
        return False
    command = [npm, "ci" if wanted else "install", *NPM_FLAGS]
    print("npm: running", " ".join(command[1:]), "in frontend/")
    if subprocess.run(command, cwd=FRONTEND, check=False).returncode != 0:
        print("npm failed: see its messages above (is the npm registry reachable?)")
        return False
    if lock.is_file():
        STAMP.write_text(hashlib.sha256(lock.read_bytes()).hexdigest() + "\n")
    return True


def _copy_assets(target: Path) -> tuple[int, int]:
    pairs = [(MODULES / a.source, target / a.local) for a in ASSETS if a.source]
    for source_dir, local_dir in SUPPORT_DIRS:
        pairs += [
            (f, target / local_dir / f.relative_to(MODULES / source_dir))
            for f in sorted((MODULES / source_dir).rglob("*"))
            if f.is_file()
        ]
    copied = 0
    for source, dest in pairs:
        if dest.is_file() and filecmp.cmp(source, dest, shallow=False):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        copied += 1
    return copied, len(pairs) - copied


def _write_generated(target: Path) -> int:
    texts = {
        "glyphicons/css/bootstrap-glyphicons.css": _glyphicons_css(),
        "folium/leaflet.awesome.rotate.min.css": _rotate_css(),
    }
    written = 0
    for local, text in texts.items():
        dest = target / local
        if dest.is_file() and dest.read_text() == text:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text)
        written += 1
    return written


def _glyphicons_css() -> str:
    """Cut the Glyphicons rules out of Bootstrap 3.4.1 (3.0.0's separate file is not on npm)."""
    css = (MODULES / "bootstrap3" / "dist" / "css" / "bootstrap.css").read_text()
    start = css.index("@font-face")
    rules = [
        m.group(0).strip()
        for m in _GLYPH_RULE.finditer(css, start)
        if m.group("selector").strip().startswith((".glyphicon", "@font-face"))
        and (".glyphicon" in m.group("selector") or "Glyphicons" in m.group("body"))
    ]
    header = "/* Glyphicons Halflings rules from Bootstrap 3.4.1 (MIT), for awesome markers. */"
    return "\n".join([header, *rules]) + "\n"


def _rotate_css() -> str:
    """Folium's icon-rotation classes (``.fa-rotate-1`` .. ``.fa-rotate-360``)."""
    rule = ".fa-rotate-{0}{{-ms-transform:rotate({0}deg);transform:rotate({0}deg)}}"
    return "".join(rule.format(degrees) for degrees in range(1, 361)) + "\n"


if __name__ == "__main__":
    sys.exit(main())
