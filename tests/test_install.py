"""The install does not depend on this machine: the lock names no local file, every locked package has
a wheel for the platforms the README promises, and a fresh clone installs and runs with this machine's
local wheel folder hidden."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCAL_WHEELS = Path("/opt/wheels")  # where this machine keeps wheels that exist nowhere else

# (uv --python-platform, Python versions, environment) the README promises
PLATFORMS = [
    ("x86_64-manylinux_2_28", ["3.11", "3.12", "3.13", "3.14"], {}),
    ("aarch64-manylinux_2_28", ["3.11", "3.12", "3.13", "3.14"], {}),
    # onnxruntime's macOS wheels are arm64 only, built for macOS 14 and later
    ("aarch64-apple-darwin", ["3.11", "3.12", "3.13"], {"MACOSX_DEPLOYMENT_TARGET": "14.0"}),
]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH"} and not k.startswith("CLAIMHOUSE_")}
    env.update(extra)
    return env


def test_the_lock_names_no_local_path():
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    local = [(p["name"], p["source"]) for p in lock["package"]
             if set(p["source"]) & {"path", "directory", "url"} or "file:" in str(p["source"])]
    local = [(n, s) for n, s in local if n != "claimhouse"]  # the project itself is `editable = "."`
    assert local == []
    assert "/opt/" not in (ROOT / "uv.lock").read_text()
    assert not any(p["name"] in {"torch", "transformers", "sentence-transformers"} for p in lock["package"])
    assert lock["requires-python"] == ">=3.11"
    assert "supported-markers" not in lock and "environments" not in lock.get("manifest", {})
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "sources" not in project.get("tool", {}).get("uv", {})


@pytest.mark.parametrize("platform,versions,env", PLATFORMS, ids=[p[0] for p in PLATFORMS])
def test_every_locked_package_has_a_wheel_for(platform, versions, env, tmp_path):
    """Resolves the exact locked versions for another platform, wheels only (no build from source)."""
    uv = shutil.which("uv")
    assert uv, "uv is on PATH wherever the README's commands ran"
    req = tmp_path / "requirements.txt"
    subprocess.run([uv, "export", "--frozen", "--no-hashes", "--no-emit-project", "--no-dev", "-q", "-o", str(req)],
                   cwd=ROOT, check=True, env=_clean_env())
    for version in versions:
        done = subprocess.run([uv, "pip", "compile", "-q", "--python-platform", platform, "--python-version", version,
                               "--only-binary", ":all:", str(req), "-o", str(tmp_path / f"{version}.txt")],
                              cwd=tmp_path, capture_output=True, text=True, env=_clean_env(**env), timeout=600)
        assert done.returncode == 0, f"{platform} Python {version}: {done.stderr[-800:]}"
        pinned = (tmp_path / f"{version}.txt").read_text()
        assert "onnxruntime==" in pinned and "duckdb==1.5.5" in pinned


def _can_hide_folders(tmp: Path) -> bool:
    """A private mount namespace with a tmpfs in it: Linux, as root, with the capability to mount."""
    if sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = tmp / "probe"
    probe.mkdir()
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "none",
                           str(probe)], capture_output=True)
    return done.returncode == 0


def test_a_fresh_clone_installs_and_runs_the_seeds_with_the_local_wheels_hidden(tmp_path):
    """The committed tree (what `git clone` gives), then the README's first command, in a mount namespace where /opt/wheels is an empty
    tmpfs and with an empty uv cache: whatever the lock needed from this machine would fail here."""
    if not _can_hide_folders(tmp_path):
        pytest.skip("hiding a folder needs a private mount namespace: Linux, as root, allowed to mount")
    clone, cache = tmp_path / "clone", tmp_path / "uv-cache"
    script = f"""
set -euo pipefail
if [ -d {LOCAL_WHEELS} ]; then mount -t tmpfs none {LOCAL_WHEELS}; fi
test -z "$(ls -A {LOCAL_WHEELS} 2>/dev/null)"
mkdir -p {clone}
git -C {ROOT} archive HEAD | tar -x -C {clone}  # the committed tree, as a fresh clone has it
cd {clone}
export UV_CACHE_DIR={cache}
uv run --frozen claimhouse run --quiet --workers 1 --warehouse {tmp_path}/wh/claimhouse.duckdb
"""
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c", script],
                          capture_output=True, text=True, env=_clean_env(), timeout=1800)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "run succeeded" in done.stdout
    site = next((clone / ".venv" / "lib").glob("python*/site-packages"))
    assert (site / "onnxruntime").is_dir() and not (site / "torch").exists()
    con = duckdb.connect(str(tmp_path / "wh" / "claimhouse.published.duckdb"), read_only=True)
    # content, not counts: the seeds' bargaining-chip claim is embedded, and the ISW analyst is a speaker
    embedded = con.execute("""select count(*) from core.claims c join core.claim_embeddings e using (claim_id)
                              where c.content_text ilike '%Invading Kursk as a "bargaining chip"%'""").fetchone()[0]
    assert embedded == 1
    evans = con.execute("select count(*) from core.claims where source_canonical = 'Angelica Evans'").fetchone()[0]
    assert evans >= 5
    assert con.execute("select count(*) from core.story_clusters").fetchone()[0] > 0
