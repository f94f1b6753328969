"""Precision, recall and F1 of mapping suggestions on the labelled vendor set.

    python benchmarks/mapping_suggest/run.py            # deterministic matcher
    python benchmarks/mapping_suggest/run.py --llm openai --model gpt-4o-mini   # + LLM pass

Each file in data/ holds a vendor object's real field names with sample records and the
gold mapping (target -> vendor path, a list of acceptable paths, or {"sources": [...]} for
a joined value). A proposed (target, source) pair is a true positive when the gold lists
that source for that target; any other proposed pair is a false positive; a gold target
without a correct proposal is a false negative.

Every data file names its split: "tuning" files were used to develop the matcher (its
author ran them while writing the rules), "heldout" files were labelled afterwards by
someone else and never used to change the matcher. Report both; only held-out numbers
say how the matcher does on vendors it has not seen.

    python benchmarks/mapping_suggest/run.py --split heldout --verbose   # misses, unseen vendors
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _accepted(gold: Any) -> set[str]:
    options = gold if isinstance(gold, list) else [gold]
    out = set()
    for option in options:
        out.add(" + ".join(option["sources"]) if isinstance(option, dict) else option)
    return out


def score(predicted: dict[str, str], gold: dict[str, Any]) -> tuple[Counts, list[str]]:
    counts, errors = Counts(), []
    for target, source in predicted.items():
        if target in gold and source in _accepted(gold[target]):
            counts.tp += 1
        else:
            counts.fp += 1
            expected = sorted(_accepted(gold[target])) if target in gold else "unmapped"
            errors.append(f"FP {target} <- {source} (gold: {expected})")
    for target, want in gold.items():
        if predicted.get(target) not in _accepted(want):
            if target not in predicted:
                counts.fn += 1
                errors.append(f"FN {target} (gold: {sorted(_accepted(want))})")
            else:
                counts.fn += 1
    return counts, errors


SPLITS = ("tuning", "heldout")


def load_cases(names: Iterable[str] | None = None, *, split: str = "all") -> list[dict[str, Any]]:
    """The labelled cases, all splits by default; ``split`` keeps "tuning" or "heldout"."""
    if split not in (*SPLITS, "all"):
        raise ValueError(f"unknown split {split!r}: use tuning, heldout or all")
    wanted = set(names or ())
    cases = []
    for path in sorted(DATA.glob("*.json")):
        case = json.loads(path.read_text()) | {"file": path.stem}
        if case.get("split") not in SPLITS:
            raise ValueError(f"{path.name}: 'split' must be one of {', '.join(SPLITS)}")
        if (not wanted or case["file"] in wanted) and split in ("all", case["split"]):
            cases.append(case)
    return cases


def _gold_paths(gold: Any) -> list[str]:
    options = gold if isinstance(gold, list) else [gold]
    return [p for o in options for p in (o["sources"] if isinstance(o, dict) else [o])]


def check_case(case: dict[str, Any]) -> list[str]:
    """What is wrong with a labelled case: unknown targets, gold paths no sample holds."""
    from mapping import parse_path
    from mapping.suggest import target_fields

    targets = {field.name for field in target_fields(case["model"])}
    if not targets:
        return [f"{case['file']}: unknown model {case['model']!r}"]
    problems = []
    for target, gold in case["gold"].items():
        if target not in targets:
            problems.append(f"{case['file']}: {target} is not a {case['model']} target")
        for path in _gold_paths(gold):
            get = parse_path(path).getter()
            if all(get(sample) is None for sample in case["samples"]):
                problems.append(f"{case['file']}: {target} <- {path}: no sample has it")
    return problems


ADAPTERS = {
    "stripe_customer": ("Stripe", "stripe", "customer", "customers"),
    "stripe_invoice": ("Stripe", "stripe", "invoice", "invoices"),
    "hubspot_contacts": ("HubSpot", "hubspot", "contacts", "contacts"),
    "hubspot_companies": ("HubSpot", "hubspot", "companies", "companies"),
    "hubspot_invoices": ("HubSpot", "hubspot", "invoices", "invoices"),
}


def _gold_from_mapping(path: Path) -> tuple[str, dict[str, Any]]:
    from mapping import Mapping

    mapping = Mapping.load(path)
    gold: dict[str, Any] = {}
    for target, rule in mapping.rules.items():
        paths = rule.paths()
        if not paths:
            continue  # a const
        steps = [s.name for s in rule.steps()]
        gold[target] = {"sources": list(paths)} if steps[:1] == ["join"] else list(paths)
    return mapping.model, gold


def adapter_cases() -> list[dict[str, Any]]:
    """Reference cases: the adapters' sample records against their hand-written mappings."""
    import adapters.hubspot  # noqa: F401  (registers the hubspot_amount transform)

    repo = DATA.parents[2]
    cases = []
    for name, (vendor, package, sample, stream) in ADAPTERS.items():
        records = json.loads(
            (repo / "adapters" / package / "samples" / f"{sample}.json").read_text()
        )
        model, gold = _gold_from_mapping(
            repo / "adapters" / package / "mappings" / f"{stream}.yaml"
        )
        samples = records if isinstance(records, list) else [records]
        cases.append(
            {"file": name, "vendor": vendor, "model": model, "samples": samples, "gold": gold}
        )
    return cases


def predict(case: dict[str, Any], llm: Any = None) -> dict[str, str]:
    from mapping.suggest import suggest

    proposal = suggest(case["model"], samples=case["samples"], llm=llm)
    return {rule.target: rule.source for rule in proposal.rules}


def _client(kind: str, model: str | None) -> Any:
    from mapping.llm import client_from_env

    return client_from_env(kind, model=model)


def _row(label: str, counts: Counts, width: int = 38) -> str:
    return (
        f"{label:{width}} {counts.precision:6.3f} {counts.recall:6.3f} {counts.f1:6.3f}  "
        f"{counts.tp:3} {counts.fp:3} {counts.fn:3}"
    )


def _report(cases: list[dict[str, Any]], llm: Any, verbose: bool) -> None:
    by_vendor: dict[tuple[str, str], Counts] = {}
    by_split: dict[str, Counts] = {}
    total = Counts()
    print(f"{'case':28} {'split':9} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn")
    for case in cases:
        counts, errors = score(predict(case, llm), case["gold"])
        split = case.get("split", "adapters")
        total.add(counts)
        by_split.setdefault(split, Counts()).add(counts)
        by_vendor.setdefault((split, case["vendor"]), Counts()).add(counts)
        print(_row(f"{case['file']:28} {split:9}", counts))
        if verbose:
            for line in errors:
                print(f"    {line}")
    print()
    for (split, vendor), counts in sorted(by_vendor.items()):
        print(_row(f"{vendor:28} {split:9}", counts))
    print()
    for split, counts in sorted(by_split.items(), key=lambda item: item[0] != "tuning"):
        print(_row(f"{split.upper():28} {'':9}", counts))
    print(_row(f"{'ALL':28} {'':9}", total))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", choices=["none", "openai", "anthropic"], default="none")
    parser.add_argument("--model", default=None, help="LLM model name")
    parser.add_argument("--verbose", action="store_true", help="list every wrong pair")
    parser.add_argument(
        "--split",
        choices=[*SPLITS, "all"],
        default="all",
        help="tuning: the set the matcher was developed on; heldout: never used for that",
    )
    parser.add_argument(
        "--adapters",
        action="store_true",
        help="score against the Stripe/HubSpot adapters' hand-written mappings instead",
    )
    parser.add_argument("cases", nargs="*", help="data file stems (default: all)")
    parser.add_argument(
        "--check", action="store_true", help="only validate the data files' gold labels"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = [p for case in load_cases(args.cases) for p in check_case(case)]
        print("\n".join(problems) or "all gold labels resolve")
        return 1 if problems else 0
    llm = None if args.llm == "none" else _client(args.llm, args.model)
    started = time.perf_counter()
    cases = adapter_cases() if args.adapters else load_cases(args.cases, split=args.split)
    _report(cases, llm, args.verbose)
    kind = f"deterministic + LLM ({args.llm})" if llm else "deterministic"
    print(f"({len(cases)} objects, {time.perf_counter() - started:.2f} s, {kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
