"""Precision, recall and F1 of mapping suggestions on the labelled vendor set.

    python benchmarks/mapping_suggest/run.py            # deterministic matcher
    python benchmarks/mapping_suggest/run.py --llm openai --model gpt-4o-mini   # + LLM pass

Each file in data/ holds a vendor object's real field names with sample records and the
gold mapping (target -> vendor path, a list of acceptable paths, or {"sources": [...]} for
a joined value). A proposed (target, source) pair is a true positive when the gold lists
that source for that target; any other proposed pair is a false positive; a gold target
without a correct proposal is a false negative.

Invoice gold may hold a ``lines`` block (the line list's path and rules for each line);
line rules are scored like the others (see scoring.py).

Every data file names its split: "tuning" files were used to develop the matcher (its
author ran them while writing the rules); "heldout" (old) files were labelled before the
matcher first ran on them, and their miss patterns later guided its second pass;
"heldout2" (new) files were labelled and committed before the matcher first ran on them
and never used to change it. Only heldout2 says how the matcher does on unseen vendors.

    python benchmarks/mapping_suggest/run.py --split heldout2 --verbose   # every miss
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))

from scoring import Counts, accepted, flat_gold, flat_proposal, score, unsafe_remote_id  # noqa: E402

__all__ = ["Counts", "accepted", "load_cases", "predict", "score", "score_case"]


SPLITS = ("tuning", "heldout", "heldout2")


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


def score_case(
    case: dict[str, Any], llm: Any = None, *, lines: bool = True
) -> tuple[Counts, list[str]]:
    """The case's counts and wrong pairs, plus a line for an unsafe remote_id."""
    proposal = predict(case, llm)
    counts, errors = score(
        flat_proposal(proposal, lines=lines), flat_gold(case["gold"], lines=lines)
    )
    rule = proposal.rule_for("remote_id")
    unsafe = unsafe_remote_id(case, rule.source if rule else None)
    return counts, errors + ([f"UNSAFE {unsafe}"] if unsafe else [])


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
        if target == "lines" and case["model"] == "Invoice":
            problems.extend(_check_lines(case, gold))
            continue
        if target not in targets:
            problems.append(f"{case['file']}: {target} is not a {case['model']} target")
        for path in _gold_paths(gold):
            get = parse_path(path).getter()
            if all(get(sample) is None for sample in case["samples"]):
                problems.append(f"{case['file']}: {target} <- {path}: no sample has it")
    return problems


LINE_TARGETS = frozenset(
    {"remote_id", "description", "quantity", "unit_amount", "amount", "discount", "tax",
     "product_remote_id", "period_start", "period_end"}
)  # fmt: skip


def _check_lines(case: dict[str, Any], gold: dict[str, Any]) -> list[str]:
    from mapping import parse_path

    where = f"{case['file']}: lines"
    items = [
        item
        for sample in case["samples"]
        for item in (parse_path(gold["source"]).getter()(sample) or [])
        if isinstance(item, dict)
    ]
    if not items:
        return [f"{where} <- {gold['source']}: no sample has a line there"]
    problems = []
    for target, want in gold["rules"].items():
        if target not in LINE_TARGETS:
            problems.append(f"{where}.{target} is not an InvoiceLine target")
        for path in _gold_paths(want):
            get = parse_path(path).getter()
            if all(get(item) is None for item in items):
                problems.append(f"{where}.{target} <- {path}: no line has it")
    return problems


ADAPTERS = {
    "stripe_customer": ("Stripe", "stripe", "customer", "customers"),
    "stripe_invoice": ("Stripe", "stripe", "invoice", "invoices"),
    "hubspot_contacts": ("HubSpot", "hubspot", "contacts", "contacts"),
    "hubspot_companies": ("HubSpot", "hubspot", "companies", "companies"),
    "hubspot_invoices": ("HubSpot", "hubspot", "invoices", "invoices"),
}


def _gold_rules(rules: dict[str, Any]) -> dict[str, Any]:
    gold: dict[str, Any] = {}
    for target, rule in rules.items():
        paths = rule.paths()
        if not paths:
            continue  # a const
        steps = [s.name for s in rule.steps()]
        gold[target] = {"sources": list(paths)} if steps[:1] == ["join"] else list(paths)
    return gold


def _gold_from_mapping(path: Path) -> tuple[str, dict[str, Any]]:
    from mapping import Mapping

    mapping = Mapping.load(path)
    gold = _gold_rules(mapping.rules)
    if mapping.lines is not None:
        gold["lines"] = {"source": mapping.lines.source, "rules": _gold_rules(mapping.lines.rules)}
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


def predict(case: dict[str, Any], llm: Any = None) -> Any:
    """The proposal for the case's samples (a ``mapping.suggest.Proposal``)."""
    from mapping.suggest import suggest

    return suggest(case["model"], samples=case["samples"], llm=llm)


def _client(kind: str, model: str | None) -> Any:
    from mapping.llm import client_from_env

    return client_from_env(kind, model=model)


def _row(label: str, counts: Counts, width: int = 38) -> str:
    return (
        f"{label:{width}} {counts.precision:6.3f} {counts.recall:6.3f} {counts.f1:6.3f}  "
        f"{counts.tp:3} {counts.fp:3} {counts.fn:3}"
    )


SPLIT_NAMES = {"tuning": "TUNING", "heldout": "HELD-OUT OLD", "heldout2": "HELD-OUT NEW"}


def _report(cases: list[dict[str, Any]], llm: Any, verbose: bool) -> None:
    by_vendor: dict[tuple[str, str], Counts] = {}
    by_split: dict[str, tuple[Counts, Counts]] = {}
    unsafe: list[str] = []
    print(f"{'case':28} {'split':9} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn")
    for case in cases:
        counts, errors = score_case(case, llm)
        flat, _ = score_case(case, llm, lines=False)
        split = case.get("split", "adapters")
        totals = by_split.setdefault(split, (Counts(), Counts()))
        totals[0].add(counts)
        totals[1].add(flat)
        by_vendor.setdefault((split, case["vendor"]), Counts()).add(counts)
        unsafe += [f"{case['file']}: {e[7:]}" for e in errors if e.startswith("UNSAFE")]
        print(_row(f"{case['file']:28} {split:9}", counts))
        if verbose:
            for line in errors:
                print(f"    {line}")
    print()
    for (split, vendor), counts in sorted(by_vendor.items()):
        print(_row(f"{vendor:28} {split:9}", counts))
    print(
        f"\n{'':38} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn   (lines included; without lines: F1)"
    )
    order = sorted(by_split, key=lambda s: list(SPLIT_NAMES).index(s) if s in SPLIT_NAMES else 9)
    for split in order:
        with_lines, without = by_split[split]
        print(_row(SPLIT_NAMES.get(split, split.upper()), with_lines) + f"   {without.f1:.3f}")
    held = [by_split[s] for s in ("heldout", "heldout2") if s in by_split]
    if len(held) == 2:
        both, both_flat = Counts(), Counts()
        for with_lines, without in held:
            both.add(with_lines)
            both_flat.add(without)
        print(_row("HELD-OUT OLD + NEW", both) + f"   {both_flat.f1:.3f}")
    total, total_flat = Counts(), Counts()
    for with_lines, without in by_split.values():
        total.add(with_lines)
        total_flat.add(without)
    print(_row("ALL", total) + f"   {total_flat.f1:.3f}")
    print(f"unsafe remote_id proposals: {len(unsafe)}" + "".join(f"\n    {u}" for u in unsafe))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", choices=["none", "openai", "anthropic"], default="none")
    parser.add_argument("--model", default=None, help="LLM model name")
    parser.add_argument("--verbose", action="store_true", help="list every wrong pair")
    parser.add_argument(
        "--split",
        choices=[*SPLITS, "all"],
        default="all",
        help="tuning: the set the matcher was developed on; heldout (old): its patterns guided "
        "the second pass; heldout2 (new): never used to change the matcher",
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
