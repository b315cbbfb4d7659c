"""What a plain (non-editable) install gets: every package, the migrations and the bundled
catalogue, and the dependencies the code imports declared."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
TOP = ("bot", "cogs", "localcord", "localtvmaze")


def test_every_package_in_the_tree_is_shipped() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in TOP
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_every_outside_import_is_declared() -> None:
    declared = {
        d.split("==")[0].lower().replace("-", "_").replace(".", "_")
        for d in PYPROJECT["project"]["dependencies"]
    }
    names = {"discord": "discord_py", "dotenv": "python_dotenv", "apscheduler": "apscheduler"}
    local = set(TOP) | {"tests", "bench"}
    imported: set[str] = set()
    optional: set[str] = set()  # imported under `try: ... except ImportError`
    for top in TOP:
        for path in (ROOT / top).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Try) and any(
                    isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                    for h in node.handlers
                ):
                    optional |= _modules(node.body)
            imported |= _modules([tree])
    outside = {m for m in imported - optional if m not in sys.stdlib_module_names and m not in local}
    missing = {m for m in outside if names.get(m, m).lower() not in declared}
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def _modules(nodes: list[ast.AST] | list[ast.stmt]) -> set[str]:
    out: set[str] = set()
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Import):
                out |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.add(node.module.split(".")[0])
    return out


def test_the_wheel_holds_the_catalogue_and_the_migrations(tmp_path: Path) -> None:
    # Built from a copy, so that the build's own folders land in the temporary folder.
    src = tmp_path / "src"
    for part in ("bot", "cogs", "localcord", "localtvmaze", "data/catalogue"):
        shutil.copytree(ROOT / part, src / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    wheel = next(tmp_path.glob("premiere-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "bot/catalogue_data/all-of-us-are-dead.toml" in names
    catalogue = {n for n in names if n.startswith("bot/catalogue_data/") and n.endswith(".toml")}
    assert len(catalogue) == len(list((ROOT / "data" / "catalogue").glob("*.toml")))
    assert any(n.startswith("bot/store/migrations/0001_") for n in names)
    assert "localtvmaze/server.py" in names and "cogs/catalogue.py" in names
