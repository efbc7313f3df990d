"""What can be checked of deploy/ without Docker or a cluster: build context, unit file,
manifests against the Kubernetes schemas, and the shipped configs loading cleanly."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from mailer.config.settings import load_settings
from mailer.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
MANIFESTS = sorted((DEPLOY / "k8s").glob("*.yaml"))


def dockerfile_copy_sources() -> list[str]:
    sources = []
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def test_dockerfile_copies_only_what_exists_in_the_build_context() -> None:
    sources = dockerfile_copy_sources()
    assert "mailer/" in sources
    assert "pyproject.toml" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the build context"


def test_dockerignore_keeps_every_copied_path() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    kept = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for source in dockerfile_copy_sources():
        assert source.split("/")[0].rstrip("/") in kept, f"{source} is ignored by .dockerignore"


def test_dockerfile_runs_as_non_root_with_a_healthcheck() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert re.search(r"^USER mailer", text, re.M)
    assert "HEALTHCHECK" in text
    assert "/livez" in text  # a mailbox outage must not mark the container unhealthy
    assert '"--http", "0.0.0.0:9464"' in text


def test_systemd_unit_verifies() -> None:
    analyze, mailer = shutil.which("systemd-analyze"), shutil.which("mailer")
    if not analyze or not mailer:
        pytest.skip("systemd-analyze or the mailer script is not installed")
    unit = (DEPLOY / "paper-mailer.service").read_text()
    for needed in ("DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=", "NoNewPrivileges"):
        assert needed in unit
    # verify checks that ExecStart exists: point it at this machine's mailer
    tmp = Path(subprocess.check_output(["mktemp", "-d"], text=True).strip())
    try:
        local = tmp / "paper-mailer.service"
        local.write_text(unit.replace("/opt/paper-mailer/bin/mailer", mailer))
        done = subprocess.run(
            [analyze, "verify", str(local)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip() == "", done.stderr
    finally:
        shutil.rmtree(tmp)


def test_systemd_unit_leaves_proc_stat_readable_for_process_metrics() -> None:
    """prometheus-client reads the boot time from /proc/stat; `ProcSubset=pid` hides it
    and /metrics then has no process_* series at all (docs/deploy.md lists them)."""
    lines = (DEPLOY / "paper-mailer.service").read_text().splitlines()
    settings = [line.replace(" ", "") for line in lines if not line.startswith("#")]
    assert "ProcSubset=pid" not in settings


def test_systemd_unit_exposure_is_what_the_docs_say() -> None:
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed")
    unit = str(DEPLOY / "paper-mailer.service")
    done = subprocess.run(
        [analyze, "security", "--offline=true", unit], capture_output=True, text=True, timeout=60
    )
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout)
    assert found, done.stdout[-500:] + done.stderr
    assert f"rates it {found.group(1)}" in (ROOT / "docs" / "deploy.md").read_text()


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.name)
def test_kubernetes_manifest_matches_its_schema(manifest: Path) -> None:
    validate = pytest.importorskip("kubernetes_validate")
    for document in yaml.safe_load_all(manifest.read_text()):
        if document.get("kind") == "Kustomization":
            for resource in document["resources"]:
                assert (manifest.parent / resource).exists()
            continue
        validate.validate(document, "1.30.0", strict=True)


def test_schema_validation_would_catch_a_typo() -> None:
    validate = pytest.importorskip("kubernetes_validate")
    document = yaml.safe_load((DEPLOY / "k8s" / "deployment.yaml").read_text())
    document["spec"]["replica"] = 1
    with pytest.raises(validate.ValidationError):
        validate.validate(document, "1.30.0", strict=True)


def test_deployment_runs_two_replicas_kept_through_disruptions_with_live_and_ready_probes() -> None:
    deployment = yaml.safe_load((DEPLOY / "k8s" / "deployment.yaml").read_text())
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    budget = yaml.safe_load((DEPLOY / "k8s" / "pdb.yaml").read_text())
    assert budget["kind"] == "PodDisruptionBudget"
    assert budget["spec"]["minAvailable"] == 1
    assert budget["spec"]["selector"] == deployment["spec"]["selector"]
    assert "state:" in configmap_file("mailer.yaml")
    assert "postgresql://" in configmap_file("mailer.yaml")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["envFrom"][0]["secretRef"]["name"] == "paper-mailer-credentials"


def test_a_mailbox_outage_at_deploy_time_does_not_restart_the_pod_in_a_loop() -> None:
    """/healthz is 503 while a source fails: no probe depends on it (/livez and /readyz
    leave sources out, tests/test_health.py), and the startup probe is the port alone."""
    deployment = yaml.safe_load((DEPLOY / "k8s" / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert "httpGet" not in container["startupProbe"]
    assert container["startupProbe"]["tcpSocket"]["port"] == "metrics"
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe].get("httpGet", {}).get("path") != "/healthz", probe


def configmap_file(name: str) -> str:
    for document in yaml.safe_load_all((DEPLOY / "k8s" / "configmap.yaml").read_text()):
        if name in document["data"]:
            return str(document["data"][name])
    raise KeyError(name)


@pytest.mark.parametrize("where", ["compose", "k8s"])
def test_shipped_container_configs_load(where: str, tmp_path: Path) -> None:
    if where == "compose":
        text = (DEPLOY / "config" / "mailer.yaml").read_text()
    else:
        text = configmap_file("mailer.yaml")
    (tmp_path / "mailer.yaml").write_text(text)
    settings = load_settings(tmp_path / "mailer.yaml", {})
    assert settings.admin
    assert settings.sources
    assert make_url(settings.state).password is None, "a secret in the shipped config"


def test_compose_paths_exist() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["paper-mailer"]
    assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).exists()
    for volume in service["volumes"]:
        host = volume.split(":")[0]
        assert (DEPLOY / host).exists(), f"compose mounts {host}, which does not exist"
    assert "postgres" in compose["services"]
    assert service["deploy"]["replicas"] == 2


def test_shipped_kubernetes_rules_load(tmp_path: Path) -> None:
    (tmp_path / "papers.yaml").write_text(configmap_file("papers.yaml"))
    (tmp_path / "mailer.yaml").write_text(configmap_file("mailer.yaml"))
    settings = load_settings(tmp_path / "mailer.yaml", {})
    ruleset = load_rules([tmp_path / "papers.yaml"], has_destination=settings.has_destination)
    assert ruleset.is_ok, [str(e) for e in ruleset.errors]
    assert ruleset.rules


def test_every_file_the_package_reads_is_in_its_package_data() -> None:
    # a file under mailer/ that is not Python ships only if package-data names it: the
    # web pages' CSS and JS were left out of `pip install .` (the Dockerfile's install)
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["mailer"]
    data = [
        p.relative_to(ROOT / "mailer").as_posix()
        for p in (ROOT / "mailer").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert data, "the walk found the templates and static files"
    missing = [d for d in data if not any(fnmatch.fnmatch(d, pat) for pat in patterns)]
    assert missing == []
