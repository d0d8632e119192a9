"""The README's quarantine tables list every reason the code can write."""
from __future__ import annotations

import re
from pathlib import Path

from claimhouse.checks import quality

REPO = Path(__file__).resolve().parents[1]

# the ways the code names a quarantine reason
PATTERNS = (
    r'RejectedInput\(\s*"([a-z_]+)"',
    r'RejectedRecord\([^,()]+,\s*"([a-z_]+)"',
    r'"reason":\s*"([a-z_]+)"',
    r'reason(?:, detail)?\s*=\s*"([a-z_]+)"',
    r'row_rule\(\s*"([a-z_]+)"',
    r'refuse\([^,()]+,\s*"([a-z_]+)"',
)


def code_reasons() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "claimhouse").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in PATTERNS:
            found.update(re.findall(pattern, text))
    return found


def test_the_scan_finds_the_reasons_we_know():
    reasons = code_reasons()
    assert {"empty", "binary", "not_a_file", "symlink_outside", "vanished", "worker_crashed", "too_long", "timeout", "unsupported_language", "embedding_error",
            "markup_in_text", "sentence_offsets"} <= reasons


def test_readme_lists_every_reason_the_code_can_write():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rules = {c.rule for s in quality.SUITES.values() for c in s.checks if c.rule}
    missing = sorted(r for r in code_reasons() | rules if f"`{r}`" not in readme)
    assert not missing, f"quarantine reasons missing from the README's tables: {missing}"
