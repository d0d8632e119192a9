"""The README's table of environment variables lists every CLAIMHOUSE_* variable the code reads."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_readme_lists_every_environment_variable_the_code_reads():
    names: set[str] = set()
    for folder in ("claimhouse", "pipelines", "assets"):
        for path in (REPO / folder).rglob("*.py"):
            names.update(re.findall(r"\bCLAIMHOUSE_[A-Z0-9_]+\b", path.read_text(encoding="utf-8")))
    assert {"CLAIMHOUSE_WORKERS", "CLAIMHOUSE_DUCKDB_MEMORY_LIMIT", "CLAIMHOUSE_ATTRIBUTIONS"} <= names
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert not missing, f"CLAIMHOUSE_* variables the README does not document: {missing}"
