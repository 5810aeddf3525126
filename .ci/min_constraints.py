"""Print a pip constraints file pinning every core dependency of pyproject.toml to its declared floor.

Used by ``.ci/run`` to check that the floors are true: the suite runs once more with
``pip install -c <this output> -e ".[dev]"``. Only ``name>=X`` requirements are pinned (``name==X``).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

FLOOR = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)")


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        match = FLOOR.match(requirement)
        if match is None:
            print(f"min_constraints: no floor in {requirement!r}", file=sys.stderr)
            return 1
        print(f"{match.group(1)}=={match.group(2)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
