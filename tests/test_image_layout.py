"""The container's file layout, built without Docker: every COPY of deploy/Dockerfile is
replayed into a temporary directory standing for the image, and the image's own config
(the CMD's --config) must find every path it names there, pass `mailer check`, and run
with every source read (what /healthz reports as healthy)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from mailer.config.settings import FileDestination, load_settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined."""
    joined, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") and not current:
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            if current.strip():
                word, _, rest = current.strip().partition(" ")
                joined.append((word.upper(), rest))
            current = ""
    return joined


def build_image_tree(into: Path) -> PurePosixPath:
    """Replay COPY into `into` (the image's /), return the final WORKDIR."""
    workdir = PurePosixPath("/")
    for word, rest in instructions():
        if word == "WORKDIR":
            workdir = workdir / rest
        elif word == "RUN" and "mkdir -p" in rest:
            command = rest.split("mkdir -p", 1)[1].split("&&")[0]
            for folder in shlex.split(command):
                (into / folder.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif word == "COPY":
            args = [a for a in shlex.split(rest) if not a.startswith("--")]
            *sources, dest = args
            target = into / str(workdir / dest).lstrip("/")
            for source in sources:
                origin = ROOT / source
                if origin.is_dir():
                    shutil.copytree(origin, target, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy(origin, target / origin.name)
    return workdir


def cmd_config() -> str:
    [cmd] = [rest for word, rest in instructions() if word == "CMD"]
    args = [a.strip('[]", ') for a in cmd.split(",")]
    return args[args.index("--config") + 1]


@pytest.fixture
def image(tmp_path: Path) -> Path:
    workdir = build_image_tree(tmp_path)
    return tmp_path / str(workdir).lstrip("/")


def test_every_path_the_image_config_names_is_in_the_image(image: Path) -> None:
    config = image / cmd_config()
    assert config.is_file(), f"the image has no {cmd_config()}"
    os.chdir(image)
    try:
        settings = load_settings(Path(cmd_config()), {})
        for rules in settings.rules:
            assert rules.exists(), f"rules: {rules} is not in the image"
        for source in settings.sources:
            path = getattr(source, "path", None)
            assert path is None or path.is_dir(), f"source {source.name}: {path} not in image"
        for name, destination in settings.destinations.items():
            if isinstance(destination, FileDestination):
                top = destination.path.parts[0]
                assert (image / top).is_dir(), f"{name}: {top}/ is not a writable volume"
    finally:
        os.chdir(ROOT)


@pytest.mark.slow  # two mailer processes
def test_the_image_config_passes_check_and_runs_healthy_on_its_own(image: Path) -> None:
    installed = shutil.which("mailer")
    command = [installed] if installed else [sys.executable, "-m", "mailer"]
    check = subprocess.run([*command, "check", "--config", cmd_config()], cwd=image,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    run = subprocess.run([*command, "run", "--config", cmd_config()], cwd=image,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "could not be read" not in run.stdout
