"""Benchmark: loading big rule sets (10k and 100k rules), time and peak memory.

    python bench/rules_load.py                    # 10,000 and 100,000 rules
    python bench/rules_load.py --counts 100000 --repeat 3

Rules are generated the way people write them (fixed seed): block-style YAML with a
description, `any:` lists of 1-6 words or phrases, some `all:`, `none:`, `query:`,
`authors:`, `fields:`, sizes, upvotes, formats and announce conditions, and one or two
destinations (named ones and inline Slack/email targets, a third of them daily feeds
with a time and a time zone). Two layouts: one file per person of 100 rules each, and
everything in one big file.

Each contender runs in its own fresh subprocess, so each peak RSS (VmHWM, the whole
process: interpreter and imports included) is its own; the contenders are interleaved
and repeated, and the best run of each is printed:

* `yaml.CSafeLoader`: libyaml parsing every file into plain Python data, nothing else,
  with the collector paused (what the loader paid for YAML before it read plain YAML
  itself);
* `load_rules`: reading, validating and building the typed rules (what `mailer rules
  check` and every reload do);
* `load_rules + compile_rules`: that, then the matcher (what the service does).

"kept" is the RSS still in use after the load with the result alive and the collector
run (what the loaded rules keep), beside the process's RSS after imports.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261206
RULES_PER_FILE = 100

TOPICS = """speculative decoding; mixture of experts; low-rank adaptation; LoRA; QLoRA;
knowledge distillation; small language model; SLM; on-device; quantization; pruning;
retrieval augmented generation; RAG; long context; state space model; Mamba; diffusion
model; vision language model; VLM; reinforcement learning from human feedback; RLHF; DPO;
preference optimization; reward model; chain of thought; reasoning; tool use; agents;
code generation; program synthesis; theorem proving; instruction tuning; data curation;
synthetic data; tokenizer; byte-level model; multilingual; machine translation; speech
recognition; text to speech; video generation; world model; robotics; embodied agent;
graph neural network; protein folding; molecule generation; weather forecasting; time
series; recommender system; federated learning; differential privacy; watermarking;
jailbreak; red teaming; alignment; interpretability; sparse autoencoder; mechanistic
interpretability; hallucination; benchmark contamination; evaluation; KV cache; flash
attention; linear attention; test-time compute; scaling law; continual learning; model
merging; neural architecture search; edge inference; sub-billion; tiny language model;
contrastive learning; self-supervised learning; masked autoencoder; object detection;
semantic segmentation; 3D reconstruction; Gaussian splatting; NeRF; point cloud;
autonomous driving; medical imaging; clinical notes; legal documents; financial
forecasting; GPT-4; C++; on-device inference; energy efficiency; green AI""".replace("\n", " ")
TERMS = [t.strip() for t in TOPICS.split(";") if t.strip()]
NEGATIVES = ["survey", "benchmark", "position paper", "tutorial", "review", "dataset"]
AUTHORS = [
    f"{first} {last}"
    for first in ("Ada", "Alan", "Grace", "Yann", "Fei-Fei", "Tim", "Furu", "Percy", "Jo")
    for last in ("Lovelace", "Turing", "Hopper", "LeCun", "Li", "Dettmers", "Wei", "Liang")
]
SIZES: list[Any] = ["<= 8B", "1B..13B", ">= 70B", "< 3B", {"max": "13B", "unknown": "include"}]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London"]
DESTINATIONS = ["console", "preview", "team-slack", "digest-mail"]


def make_rule(rng: random.Random, user: str, index: int) -> dict[str, Any]:
    match = _make_match(rng)
    notify = _make_notify(rng, user)
    rule: dict[str, Any] = {"name": f"{user}-{index:05d}"}
    if rng.random() < 0.6:
        rule["description"] = f"Papers on {rng.choice(TERMS)} for {user}"
    if rng.random() < 0.03:
        rule["enabled"] = False
    rule["match"] = match
    rule["notify"] = notify
    return rule


def _make_match(rng: random.Random) -> dict[str, Any]:
    def term() -> str:
        word = rng.choice(TERMS)
        return f"={word}" if rng.random() < 0.03 else word

    match: dict[str, Any] = {}
    roll = rng.random()
    if roll < 0.05:
        match["query"] = f'("{term()}" OR "{term()}") AND NOT {rng.choice(NEGATIVES)}'
    elif roll < 0.10:
        match["authors"] = rng.sample(AUTHORS, rng.randint(1, 3))
    else:
        match["any"] = rng.sample(TERMS, rng.randint(1, 6))
        if rng.random() < 0.01:
            match["any"].append(f"/{rng.choice(['q?lora', 'sparse(ly)? gated', 'gpt-?4o?'])}/i")
    if rng.random() < 0.15:
        match["all"] = [term() for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.3:
        match["none"] = rng.sample(NEGATIVES, rng.randint(1, 3))
    if rng.random() < 0.1:
        match["fields"] = rng.choice([["title"], ["title", "abstract", "source"]])
    if rng.random() < 0.2:
        size = rng.choice(SIZES)  # a copy: a shared dict would be dumped as an alias
        match["size"] = dict(size) if isinstance(size, dict) else size
    if rng.random() < 0.1:
        match["min_upvotes"] = rng.choice([5, 10, 50, 100])
    if rng.random() < 0.1:
        match["formats"] = rng.choice([["hf-daily"], ["arxiv-listing", "scholar-alert"]])
    if rng.random() < 0.05:
        match["announce"] = ["new", "cross"]
    return match


def _make_notify(rng: random.Random, user: str) -> list[dict[str, Any]]:
    notify: list[dict[str, Any]] = []
    for _ in range(rng.choice((1, 1, 2))):
        roll = rng.random()
        target: dict[str, Any] = {
            "to": rng.choice(DESTINATIONS)
            if roll < 0.5
            else {"slack": f"#{user}-papers"}
            if roll < 0.7
            else {"slack_user": f"U{rng.randrange(16**8):08X}"}
            if roll < 0.8
            else {"email": f"{user}@example.com"}
        }
        if rng.random() < 0.35:
            target["mode"] = "daily"
            target["at"] = f"{rng.randint(6, 10):02d}:{rng.choice((0, 30)):02d}"
            target["timezone"] = rng.choice(ZONES)
        notify.append(target)
    return notify


def write_rules(directory: Path, count: int, *, one_file: bool) -> list[Path]:
    """`count` rules as files of RULES_PER_FILE rules (one per person), or one file."""
    rng = random.Random(SEED)
    rules = [make_rule(rng, f"user{i // RULES_PER_FILE:04d}", i) for i in range(count)]
    groups = (
        [rules]
        if one_file
        else [rules[i : i + RULES_PER_FILE] for i in range(0, count, RULES_PER_FILE)]
    )
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for number, group in enumerate(groups):
        path = directory / f"rules-{number:04d}.yaml"
        text = yaml.dump(
            {"version": 1, "rules": group},
            Dumper=yaml.CSafeDumper,
            sort_keys=False,
            default_flow_style=None,  # short lists inline: any: [LoRA, QLoRA]
            allow_unicode=True,
            width=100,
        )
        path.write_text("# yaml-language-server: $schema=schema.json\n" + text, "utf-8")
        files.append(path)
    return files


CHILD = r"""
import gc, json, resource, sys, time
from pathlib import Path

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024  # MiB
    return 0.0

mode, directory = sys.argv[1], Path(sys.argv[2])
import yaml
from mailer.rules import compile_rules, load_rules
destinations = {"console", "preview", "team-slack", "digest-mail"}
def has_destination(ref):
    return ref.to_str() in destinations or ref.inline in ("slack", "slack_user", "email")
files = sorted(directory.glob("*.yaml"))
before = status("VmRSS")
cpu0 = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
if mode == "yaml":
    gc.disable()  # as load_rules does: the floor, not PyYAML's collector churn
    result = [yaml.load(p.read_text("utf-8"), Loader=yaml.CSafeLoader) for p in files]
    count = sum(len(d["rules"]) for d in result)
else:
    result = load_rules([directory], has_destination=has_destination)
    assert not result.errors, [str(e) for e in result.errors[:3]]
    count = len(result.rules)
    if mode == "compile":
        result = (result, compile_rules(result.rules))
wall = time.perf_counter() - start
cpu1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
gc.collect()
print(json.dumps({"wall": wall, "cpu": cpu, "count": count, "before": before,
                  "kept": status("VmRSS") - before, "peak": status("VmHWM")}))
"""

CONTENDERS = {
    "yaml": "yaml.CSafeLoader (parse only)",
    "load": "load_rules",
    "compile": "load_rules + compile_rules",
}


def run_child(mode: str, directory: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(directory)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"{mode} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each contender")
    parser.add_argument(
        "--layout", choices=["files", "one-file", "both"], default="both", help="rule files"
    )
    args = parser.parse_args()
    layouts = ["files", "one-file"] if args.layout == "both" else [args.layout]
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.counts:
            for layout in layouts:
                directory = Path(tmp) / f"{count}-{layout}"
                files = write_rules(directory, count, one_file=layout == "one-file")
                size = sum(p.stat().st_size for p in files) / 2**20
                print(
                    f"{count:,} rules, {len(files):,} file(s), {size:.1f} MiB of YAML "
                    f"(seed {SEED}); best of {args.repeat} interleaved runs, each in a fresh process"
                )
                best: dict[str, dict[str, float]] = {}
                for _ in range(args.repeat):
                    for mode in CONTENDERS:
                        run = run_child(mode, directory)
                        if mode not in best or run["wall"] < best[mode]["wall"]:
                            best[mode] = run
                base = best["yaml"]
                for mode, title in CONTENDERS.items():
                    run = best[mode]
                    print(
                        f"  {title:30} {run['wall']:6.2f} s wall {run['cpu']:6.2f} s CPU "
                        f"({run['cpu'] / base['cpu']:4.1f}x YAML)  peak RSS {run['peak']:5.0f} MiB"
                        f"  kept {run['kept']:5.0f} MiB (after imports {run['before']:.0f} MiB)"
                    )


if __name__ == "__main__":
    main()
