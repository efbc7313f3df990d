"""One error root (issue 10 part 6): every product exception is a `MailerError` with a
hint and an exit status; the CLI turns one into `error:` lines and that status in one
place, and `-v` shows its traceback."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.exc import OperationalError

import mailer
from mailer.cli import cli
from mailer.config.settings import ConfigError
from mailer.core.errors import MailerError, UsageError
from mailer.core.exit_codes import ExitCode, exit_code_for
from mailer.notify import DeliveryError
from mailer.runtime.app import RulesUnavailable
from mailer.sources import SourceError
from mailer.store import Store, StoreError

ROOT = Path(__file__).resolve().parent.parent
# Not product errors: signals to a library's own machinery, raised and caught inside one module
NOT_PRODUCT_ERRORS = {
    "mailer.runtime.election._Reconnect",  # a SQLAlchemyError, so the driver's reconnect path takes it
    "mailer.rules.plainscalars.NotPlain",  # "hand this file to PyYAML", caught in rules.documents
    "mailer.notify.file._NotPlainJson",  # "use json.dumps instead", caught in the same function
}


def product_exception_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(mailer.__path__, "mailer."):
        if info.name == "mailer.__main__":  # runs the CLI
            continue
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == info.name:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [cls for name, cls in sorted(found.items()) if name not in NOT_PRODUCT_ERRORS]


def test_every_product_exception_is_a_mailer_error() -> None:
    classes = product_exception_classes()
    assert len(classes) > 20  # the walk found them (it would pass vacuously otherwise)
    assert [cls.__qualname__ for cls in classes if not issubclass(cls, MailerError)] == []


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError(["config/mailer.yaml:1:1: bad"]), ExitCode.USAGE),
        (StoreError("cannot open the state database: locked"), ExitCode.USAGE),
        (RulesUnavailable(["rules/a.yaml:3:5: unknown key"]), ExitCode.USAGE),
        (DeliveryError("channel_not_found", permanent=True), ExitCode.FAILURES),
        (SourceError("inbox", "cannot connect"), ExitCode.FAILURES),
        (MailerError("no code given"), ExitCode.FAILURES),
        (MailerError("told", exit_code=ExitCode.USAGE), ExitCode.USAGE),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (RuntimeError("a bug"), ExitCode.FAILURES),
    ],
)
def test_each_error_maps_to_its_documented_exit_status(error: BaseException, code: int) -> None:
    assert exit_code_for(error) == code


def test_a_mailer_error_shows_its_problems_then_its_hint() -> None:
    error = RulesUnavailable(["rules/a.yaml:3:5: unknown key", "rules/b.yaml:1:1: bad"])
    assert error.messages() == [
        "rules/a.yaml:3:5: unknown key",
        "rules/b.yaml:1:1: bad",
        "fix the rules above (check them with `mailer rules check`)",
    ]
    assert UsageError("x", hint="do y").messages() == ["x", "do y"]
    assert ConfigError(["a", "b"]).problems == ["a", "b"]  # the attribute callers read


@pytest.fixture
def unusable_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    path = tmp_path / "config" / "mailer.yaml"
    (tmp_path / "afile").write_text("a file where the state's folder should be\n")
    path.write_text(path.read_text().replace("sqlite:///var/mailer.db", "sqlite:///afile/m.db"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_store_error_exits_2_with_one_line_and_no_traceback(unusable_state: Path) -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: state: cannot create the folder")
    assert result.stderr.count("\n") == 1


def test_verbose_shows_the_traceback_then_the_error(unusable_state: Path) -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade", "-v"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "mailer.store.db.StoreError: state: cannot create the folder" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: state: cannot create the folder")


def test_a_config_error_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "mailer.yaml"
    config.write_text("state: sqlite:///x.db\nrules: rules/\nsourcez: []\ntimezone: Mars/Base\n")
    result = CliRunner().invoke(cli, ["--config", str(config), "status"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) >= 2
    assert all(line.startswith("error: ") for line in lines)
    assert "Traceback" not in result.stderr


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("config", "rules"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "examples" / "inbox")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def locked(*args: object, **kwargs: object) -> None:
    raise OperationalError("SELECT ...", {}, Exception("database is locked"))


def test_a_driver_error_no_command_handled_is_one_line_and_exit_1(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Store, "activity_since", locked)  # `status` does not catch it itself
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: the state database failed: database is locked; nothing is lost, run again"
    ]
    verbose = CliRunner().invoke(cli, ["status", "-v"])
    assert verbose.exit_code == 1
    assert "sqlalchemy.exc.OperationalError" in verbose.stderr  # the driver's, as the cause


def test_a_bug_is_not_dressed_up_as_a_product_error(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bug(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(Store, "activity_since", bug)
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 1
    assert isinstance(result.exception, ZeroDivisionError)
    assert "error:" not in result.stderr
