"""Start-up of `mailer --help` against a bare click + rich start, measured in one run.

Each round runs every contender once as a subprocess, in turn (interleaved, so a busy
machine slows them alike); the medians over the rounds and their ratio to the bare start
are printed, in wall time and in CPU time (user + system of the child, steadier on a
shared machine). The target (issue 10 part 8): `mailer --help` within 4x the bare start.

    python3 bench/cli_start.py              # 15 rounds
    python3 bench/cli_start.py --rounds 30
    python3 bench/cli_start.py --other-tree ../main   # and `mailer --help` of that checkout

Contenders:
- bare: `python -c "import click, rich.console"`
- mailer --help: the installed console script, as a user runs it
- every command loaded: `mailer.cli` plus every subcommand's module, which is what
  `--help` imported before the command list came from the registry (for comparison)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

EAGER = (
    "import importlib, mailer.cli as c\n"
    "for target, _ in c.COMMANDS.values(): importlib.import_module(target.split(':')[0])\n"
)


HELP = "from mailer.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"


def mailer_script() -> str:
    beside = Path(sys.executable).parent / "mailer"
    found = str(beside) if beside.exists() else shutil.which("mailer")
    if not found:
        sys.exit("no `mailer` script: pip install -e . first")
    return found


def run_once(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run of `argv`."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        error = child.stderr.read().decode() if child.stderr else ""
        sys.exit(f"{argv} exited {child.returncode}: {error}")
    if child.stderr:
        child.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def modules_loaded(code: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(len(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--other-tree",
        type=Path,
        help="another checkout: its `mailer --help` runs too (its mailer/ first on the path)",
    )
    args = parser.parse_args()

    codes = {  # what each contender runs, for counting its modules
        "bare click + rich.console": "import click, rich.console",
        "mailer --help": HELP,
        "every command loaded": EAGER,
    }
    contenders = {
        "bare click + rich.console": [sys.executable, "-c", codes["bare click + rich.console"]],
        "mailer --help": [mailer_script(), "--help"],
        "every command loaded": [sys.executable, "-c", EAGER],
    }
    if args.other_tree:
        name = f"mailer --help in {args.other_tree}"
        codes[name] = f"import sys; sys.path.insert(0, {str(args.other_tree.resolve())!r})\n" + HELP
        contenders[name] = [sys.executable, "-c", codes[name]]
    modules = {name: modules_loaded(code) for name, code in codes.items()}
    for argv in contenders.values():  # warm the file cache once
        run_once(argv)
    walls: dict[str, list[float]] = {name: [] for name in contenders}
    cpus: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, argv in contenders.items():
            wall, cpu = run_once(argv)
            walls[name].append(wall)
            cpus[name].append(cpu)

    base_wall = statistics.median(walls["bare click + rich.console"])
    base_cpu = statistics.median(cpus["bare click + rich.console"])
    width = max(len(name) for name in contenders)
    print(f"{args.rounds} rounds, interleaved; medians; ratios to the bare start")
    print(f"{'':{width}} {'wall ms':>8} {'ratio':>6} {'cpu ms':>8} {'ratio':>6} {'modules':>8}")
    for name in contenders:
        wall = statistics.median(walls[name])
        cpu = statistics.median(cpus[name])
        print(
            f"{name:{width}} {wall * 1000:8.1f} {wall / base_wall:5.2f}x"
            f" {cpu * 1000:8.1f} {cpu / base_cpu:5.2f}x {modules[name]:8d}"
        )
    ratio = statistics.median(walls["mailer --help"]) / base_wall
    print(f"mailer --help / bare start: {ratio:.2f}x wall (target <= 4x)")


if __name__ == "__main__":
    main()
