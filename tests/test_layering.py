"""The layering is enforced (issue 10 part 8): the core (parsing, rules, rendering, alert
planning, value types) imports no part of the shell. The contract lives in pyproject.toml
under [tool.importlinter]; these tests run it, show it can fail, and check what a fresh
interpreter really loads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CORE_ROOTS: list[str] = CONTRACTS["contracts"][0]["source_modules"]
SHELL: list[str] = CONTRACTS["contracts"][0]["forbidden_modules"]
NOT_CLI: list[str] = CONTRACTS["contracts"][1]["source_modules"]
CLI = {"mailer.__init__", "mailer.__main__", "mailer.cli", "mailer.commands"}
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_core_imports_no_shell_by_the_contract() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(CONTRACTS['contracts'])} kept, 0 broken" in done.stdout


def test_every_module_outside_the_cli_is_under_the_cli_contract() -> None:
    # a new top-level module must be listed, so the contract cannot silently miss it
    top_level = {f"mailer.{p.stem}" for p in (ROOT / "mailer").iterdir()
                 if p.suffix == ".py" or (p / "__init__.py").exists()}  # fmt: skip
    assert sorted(top_level - CLI) == sorted(NOT_CLI)


def test_the_contract_fails_when_alert_planning_imports_the_store(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "mailer", tmp_path / "mailer", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    batching = tmp_path / "mailer" / "core" / "batching.py"
    batching.write_text(batching.read_text() + "\nfrom mailer.store import Store  # noqa\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = lint_imports(tmp_path, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "mailer.core is not allowed to import mailer.store" in done.stdout
    assert "mailer.core.batching -> mailer.store" in done.stdout
    assert "mailer.core is not allowed to import sqlalchemy" in done.stdout


def _with_submodules(name: str) -> list[str]:
    """A module, or a package with every module under it."""
    path = ROOT.joinpath(*name.split("."))
    if not path.is_dir():
        return [name]
    return [name] + [
        ".".join(f.relative_to(ROOT).with_suffix("").parts)
        for f in sorted(path.rglob("*.py"))
        if f.name != "__init__.py"
    ]


CORE = [module for root in CORE_ROOTS for module in _with_submodules(root)]


def loaded_after_import(modules: list[str]) -> list[str]:
    """The modules a fresh interpreter has loaded after importing `modules`."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return list(json.loads(done.stdout))


def is_shell(name: str) -> bool:
    return any(name == s or name.startswith(s + ".") for s in SHELL)


def test_importing_the_core_loads_no_shell_library() -> None:
    loaded = loaded_after_import(CORE)
    assert set(CORE) <= set(loaded)
    assert [name for name in loaded if is_shell(name)] == []


def test_the_check_sees_shell_libraries_when_they_are_loaded() -> None:
    # the same check over a module of the shell must notice (so the test above can fail)
    seen = {name for name in loaded_after_import(["mailer.runtime.delivery"]) if is_shell(name)}
    assert {"sqlalchemy", "mailer.store", "prometheus_client"} <= seen
