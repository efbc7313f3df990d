"""`mailer rules check|test|schema|export`: edit rule files safely, see what they would
match, export the Slack subscriptions as a rule file."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import time
from pathlib import Path

import click

from mailer.commands.common import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    EXIT_OK,
    config_option,
    echo_json,
    json_option,
    load_settings_or_exit,
    root_option,
)
from mailer.commands.pipeline_cli import open_store_or_exit
from mailer.config.rule_errors import describe_rule_errors
from mailer.config.settings import DEFAULT_CONFIG, Settings
from mailer.core.clock import utc_now
from mailer.core.models import Match, Paper
from mailer.rules import Rule, RuleSet, compile_rules, load_rules
from mailer.rules.schema import schema_json
from mailer.slackapp.rules import subscription_rules
from mailer.store.subscriptions import Subscription, SubscriptionStore

DEFAULT_RULES = Path("rules")
_POSITION = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<message>.*)$", re.S)


def _config_value(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """The config like every command uses (--config, else config/mailer.yaml); None when
    none was named and the default file does not exist (rules alone are still checked)."""
    named = value or root_option(ctx, "config")
    if named:
        return Path(named)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


_config = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    callback=_config_value,
    help=f"The config (default: {DEFAULT_CONFIG}, if there is one): every notify `to:` "
    "must be a destination it defines, and its `rules:` paths are used when none are given.",
)


@dataclass(frozen=True, slots=True)
class _Loaded:
    ruleset: RuleSet
    errors: list[str]  # file:line:column: ... (a missing rules folder: the config's line)
    settings: Settings | None


def _load(paths: Sequence[Path], config_path: Path | None) -> _Loaded:
    if config_path is None:
        ruleset = load_rules(list(paths) or [DEFAULT_RULES])
        return _Loaded(ruleset, [str(e) for e in ruleset.errors], None)
    settings = load_settings_or_exit(config_path)
    ruleset = load_rules(list(paths) or settings.rules, has_destination=settings.has_destination)
    ruleset = _with_subscriptions(ruleset, settings)
    errors = [str(e) for e in ruleset.errors] if paths else describe_rule_errors(ruleset, settings)
    return _Loaded(ruleset, errors, settings)


def _with_subscriptions(ruleset: RuleSet, settings: Settings) -> RuleSet:
    """The rule files plus the Slack subscriptions in the config's state, as a run sees
    them. A SQLite state that does not exist yet holds none and is not created here."""
    if _is_missing_sqlite(settings.state):
        return ruleset
    subscriptions = _subscriptions(settings)
    if not subscriptions:
        return ruleset
    extra, errors = subscription_rules(subscriptions, (rule.name for rule in ruleset.rules))
    return replace(ruleset, rules=(*ruleset.rules, *extra), errors=(*ruleset.errors, *errors))


def _is_missing_sqlite(url: str) -> bool:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or ":memory:" in url:
        return False
    return not Path(url[len(prefix) :].split("?", 1)[0]).exists()


def _subscriptions(settings: Settings) -> list[Subscription]:
    store = open_store_or_exit(settings)
    try:
        return SubscriptionStore(store.engine).all()
    finally:
        store.close()


def _error_json(line: str) -> dict[str, object]:
    """`file:line:column: message` as an object (file names may hold colons: split right)."""
    match = _POSITION.match(line)
    if not match:
        return {"file": None, "line": None, "column": None, "message": line}
    return {
        "file": match["file"],
        "line": int(match["line"]),
        "column": int(match["column"]),
        "message": match["message"],
    }


def _plural(count: int, word: str) -> str:
    suffix = "" if count == 1 else ("es" if word.endswith("ch") else "s")
    return f"{count} {word}{suffix}"


@click.group()
def rules() -> None:
    """Check rule files, try them on digests, print their JSON Schema.

    Rule files are YAML (see docs/rules.md and the commented examples in rules/).

    \b
    Examples:
      mailer rules check                      # every file in rules/
      mailer rules test examples/inbox        # what each rule matches
      mailer rules schema > rules/schema.json
      mailer rules export --slack > rules/slack.yaml
    """


@rules.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
              help="Rule file or directory, as PATH (repeatable; as `rules test` takes them).")  # fmt: skip
@_config
@json_option
def check(
    paths: tuple[Path, ...], rule_paths: tuple[Path, ...], config_path: Path | None, as_json: bool
) -> None:
    """Validate rule files; print every problem as file:line:column.

    Each PATH (or --rules PATH) is a rule file or a directory of *.yaml files (default:
    the config's `rules:`). Destinations are checked against the config (config/mailer.yaml unless
    --config says otherwise). Exit status 1 when any problem was found.

    \b
    Examples:
      mailer rules check
      mailer rules check rules/alice.yaml --config config/mailer.yaml
      mailer rules check --json | jq '.errors[]'
    """
    loaded = _load((*paths, *rule_paths), config_path)
    ruleset = loaded.ruleset
    named = {str(f) for f in ruleset.files} | {e.position.file for e in ruleset.errors}
    disabled = len(ruleset.rules) - len(ruleset.enabled)
    if as_json:
        echo_json(
            {
                "ok": not loaded.errors,
                "rules": len(ruleset.rules),
                "disabled": disabled,
                "files": sorted(str(f) for f in ruleset.files),
                "config": str(config_path) if config_path else None,
                "destinations_checked": config_path is not None,
                "errors": [_error_json(line) for line in loaded.errors],
            }
        )
        raise SystemExit(EXIT_FAILURES if loaded.errors else EXIT_OK)
    for error in loaded.errors:
        click.echo(error)
    files = _plural(len(ruleset.files), "file")
    if loaded.errors:  # a path that does not exist counts too: "1 error in 0 files" is odd
        click.echo(
            f"{_plural(len(loaded.errors), 'error')} in {_plural(len(named), 'file')}", err=True
        )
        raise SystemExit(EXIT_FAILURES)
    note = f" ({disabled} disabled)" if disabled else ""
    checked = (
        f"; destinations checked against {config_path}"
        if config_path
        else "; destinations not checked (no config/mailer.yaml here; add --config PATH)"
    )
    click.echo(f"ok: {_plural(len(ruleset.rules), 'rule')}{note} in {files}{checked}")
    raise SystemExit(EXIT_OK)


def _plan(
    inputs: Sequence[Path], ruleset: RuleSet, default_at: time
) -> tuple[list[Paper], list[Match], int]:
    """Every paper in the documents once, the matches a run on a fresh state would alert
    on, and how many documents could not be read (each reported on stderr; the rest go on).

    The same planner as `mailer run` (`mailer.core.planning.plan_message`), against a fresh
    state in memory that each document is recorded in, as a run records it: a paper in
    two digests, or known in the second one only by its title, matches once."""
    from mailer.core.planning import Item, RulesView, plan_message
    from mailer.parse.inputs import parse_document
    from mailer.runtime.app import StoreKnown
    from mailer.sources.files import UnreadableDocument, iter_documents
    from mailer.store import MessageRecord, Store, message_key
    from mailer.store.schema import FAILED, PARSED

    unreadable = 0

    def report(document: UnreadableDocument) -> None:
        nonlocal unreadable
        unreadable += 1
        click.echo(f"error: cannot read {document.name}: {document.reason}; skipped", err=True)

    enabled = ruleset.enabled
    rules = RulesView(
        compile_rules(enabled),
        {rule.name: rule.notify for rule in enabled},
        {rule.name: rule.description for rule in enabled},
        default_at,
    )
    papers: dict[str, Paper] = {}
    matches: dict[tuple[str, str], Match] = {}
    now = utc_now()
    store = Store.open_snapshot("sqlite://")  # a fresh state that lives in memory
    try:
        known = StoreKnown(store)
        for path in inputs:
            for name, raw in iter_documents(path, on_error=report):
                digest = parse_document(name, raw)
                for problem in digest.problems:
                    click.echo(f"problem: {name}: {problem.reason}", err=True)
                reason = "; ".join(p.reason for p in digest.problems) or None
                status = FAILED if not digest.papers and reason else PARSED
                folder = str(path)
                item = Item(
                    "rules-test", folder, 0, name, message_key("rules-test", folder, 0, name),
                    digest.message_id, digest, status, reason,
                )  # fmt: skip
                plan = plan_message(item, rules, known, now)
                record = MessageRecord(
                    source="rules-test", folder=folder, uidvalidity=0, uid=name,
                    status=plan.status, processed_at=now, message_id=digest.message_id,
                    reason=plan.reason, raw=None,
                )  # fmt: skip
                store.record_message(record, list(plan.papers), list(plan.alerts))
                for paper in plan.papers:
                    papers.setdefault(paper.id, paper)
                for match in plan.matches:
                    matches.setdefault((match.rule, match.paper_id), match)
    finally:
        store.close()
    return list(papers.values()), list(matches.values()), unreadable


def _targets(rule: Rule, default_at: time) -> str:
    shown = []
    for target in rule.notify:
        when: str = target.mode
        if target.mode == "daily":
            when = f"daily {target.at or default_at:%H:%M} {target.timezone}"
        shown.append(f"{target.to.to_str()} ({when})")
    return ", ".join(shown) or "nothing (no notify:)"


def _print_text(
    rule_list: Sequence[Rule], matches: list[Match], papers: list[Paper], default_at: time
) -> None:
    titles = {paper.id: paper.title for paper in papers}
    by_rule: dict[str, list[Match]] = {}
    for match in matches:
        by_rule.setdefault(match.rule, []).append(match)
    quiet = []
    for rule in rule_list:
        found = by_rule.get(rule.name, [])
        if not rule.enabled:
            quiet.append(f"{rule.name} (disabled)")
            continue
        if not found:
            quiet.append(rule.name)
            continue
        click.echo(f"{rule.name}: {_plural(len(found), 'paper')} → {_targets(rule, default_at)}")
        for match in found:
            click.echo(f"  {match.paper_id}  {titles[match.paper_id]}")
            click.echo(f"      matched {match.explain() or 'no term conditions'}")
    if quiet:
        shown = ", ".join(quiet[:20]) + (f" and {len(quiet) - 20} more" if len(quiet) > 20 else "")
        click.echo(f"no matches: {shown}")
    click.echo(
        f"{_plural(len(matches), 'match')}: {_plural(len(papers), 'paper')} against "
        f"{_plural(len(rule_list), 'rule')}",
        err=True,
    )


@rules.command(name="test")
@click.argument("inputs", metavar="EMAIL_OR_PAGE...", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))  # fmt: skip
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
              help="Rule file or directory (repeatable; default rules/ or the config's).")  # fmt: skip
@json_option
@click.option("--why-not", "why_not", metavar="PAPER_ID",
              help="For one paper (arXiv id or id from `mailer parse --json`), say which "
                   "condition of each rule failed.")  # fmt: skip
@_config
def test_rules(
    inputs: tuple[Path, ...],
    rule_paths: tuple[Path, ...],
    as_json: bool,
    why_not: str | None,
    config_path: Path | None,
) -> None:
    """Show which papers of the given digests each rule matches, and why.

    EMAIL_OR_PAGE is an .eml file, an mbox, a .txt page or a directory of them; a file
    that is neither (a rule file given by mistake) is refused. Nothing is sent and
    nothing is recorded. With --json: one object per match (rule, paper_id, title,
    reasons). Rules with errors, and documents that cannot be read, are reported on
    stderr and skipped (the rest go on); the exit status is then 1.

    \b
    Examples:
      mailer rules test examples/inbox
      mailer rules test --rules rules/alice.yaml digest.eml --json | jq .rule
      mailer rules test --why-not 2106.09685 --rules rules/team.yaml examples/inbox
    """
    from mailer.rules.inputs_check import not_a_document

    for path in inputs:
        problem = not_a_document(path)
        if problem is not None:
            raise click.BadParameter(problem, param_hint="EMAIL_OR_PAGE")
    loaded = _load(rule_paths, config_path)
    ruleset = loaded.ruleset
    for error in loaded.errors:
        click.echo(f"error: {error}", err=True)
    settings = loaded.settings
    default_at = settings.delivery.default_daily_at if settings else time(9, 0)
    papers, matches, unreadable = _plan(inputs, ruleset, default_at)
    if why_not is not None:
        _print_why_not(why_not, ruleset.rules, papers, as_json)
        raise SystemExit(EXIT_FAILURES if ruleset.errors or unreadable else EXIT_OK)
    if as_json:
        titles = {paper.id: paper.title for paper in papers}
        lines = [
            json.dumps(
                {
                    "rule": m.rule,
                    "paper_id": m.paper_id,
                    "title": titles[m.paper_id],
                    "reasons": [r.detail for r in m.reasons],
                },
                ensure_ascii=False,
            )
            for m in matches
        ]
        if lines:
            sys.stdout.write("\n".join(lines) + "\n")
    else:
        _print_text(ruleset.rules, matches, papers, default_at)
    raise SystemExit(EXIT_FAILURES if ruleset.errors or unreadable else EXIT_OK)


def _print_why_not(
    wanted: str, rule_list: Sequence[Rule], papers: list[Paper], as_json: bool
) -> None:
    from mailer.rules.explain import check_conditions

    ids = {wanted, f"arxiv:{wanted}", wanted.removeprefix("arxiv:")}
    found = [p for p in papers if p.id in ids or p.arxiv_id in ids]
    if not found:
        raise click.BadParameter(
            f"no paper {wanted!r} in the given digests; `mailer parse --json` lists their ids",
            param_hint="--why-not",
        )
    paper = found[0]
    if not as_json:
        click.echo(f"{paper.id}  {paper.title}")
    for rule in rule_list:
        checks = check_conditions(rule, paper)
        failed = [c for c in checks if not c.passed]
        matched = rule.enabled and not failed
        if as_json:
            shown = [
                {"condition": c.condition, "passed": c.passed, "detail": c.detail} for c in checks
            ]
            row = {"rule": rule.name, "enabled": rule.enabled, "matched": matched, "checks": shown}
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        if matched:
            click.echo(f"  {rule.name}: matches ({'; '.join(c.detail for c in checks)})")
            continue
        why = "; ".join(f"{c.condition}: {c.detail}" for c in failed)
        if not rule.enabled:
            why = "disabled" + (f"; also {why}" if why else "")
        click.echo(f"  {rule.name}: no match, {why}")


@rules.command()
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the schema to this file instead of standard output.")  # fmt: skip
def schema(output: Path | None) -> None:
    """Print the JSON Schema of rule files (for editors and CI).

    The shipped rule files start with `# yaml-language-server: $schema=schema.json`,
    so editors with the YAML language server complete keys and flag mistakes.

    \b
    Examples:
      mailer rules schema -o rules/schema.json
    """
    text = schema_json()
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            click.echo(f"error: cannot write {output}: {e.strerror}", err=True)
            raise SystemExit(EXIT_CONFIG) from e
        click.echo(f"wrote {output}", err=True)


@rules.command(name="export")
@click.option("--slack", "slack", is_flag=True, required=True,
              help="Export the Slack subscriptions (the only kind there is to export).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the rules to this file instead of standard output.")  # fmt: skip
@config_option
def export(slack: bool, output: Path | None, config_path: Path) -> None:
    """Write the Slack subscriptions as a rule file (YAML), for those who keep rules in git.

    Each subscription becomes the rule it runs as: name `slack/<user>/<name>`, its
    match, its target and delivery; paused ones are `enabled: false`.

    \b
    Examples:
      mailer rules export --slack > rules/slack.yaml
      mailer rules export --slack -o rules/slack.yaml --config /etc/paper-mailer/mailer.yaml
    """
    from mailer.slackapp.export import export_yaml

    del slack  # a required flag: Slack subscriptions are the only kind there is to export
    settings = load_settings_or_exit(config_path)
    subscriptions = _subscriptions(settings)
    text = export_yaml(subscriptions, utc_now())
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            click.echo(f"error: cannot write {output}: {e.strerror}", err=True)
            raise SystemExit(EXIT_CONFIG) from e
    click.echo(f"exported {_plural(len(subscriptions), 'subscription')}", err=True)
