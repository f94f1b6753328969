"""Classify the difference between two sets of JSON Schemas as patch, minor or major.

The question asked is the validation one: *is every payload valid under the old schema
still valid under the new one?* Yes with only annotations changed is patch; yes with
something added or loosened is minor; no (or "cannot tell") is major. The levels are
described in ``canonical._change``; the per-keyword rules live in ``canonical._keywords``.

``$ref`` is followed through each root's ``$defs``. A definition is compared once, by
name, the first time it is met, so a change to ``Money`` is reported once, not once per
amount field; a ``$ref`` whose target name changed is compared structurally in place.
Unions (``anyOf``/``oneOf``) are compared alternative by alternative: an old alternative
with no compatible new one is major, a new alternative nobody had before is minor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from canonical import _keywords as rules
from canonical._change import ChangeKind, SchemaChange
from canonical._errors import SchemaError
from canonical._keywords import Schema

__all__ = ["classify_change"]

Finding = tuple[ChangeKind, str, str]
_Rule = Callable[[Schema, Schema], rules.Rule]
_UNION = ("anyOf", "oneOf")
_LEAF_RULES: tuple[_Rule, ...] = (rules.annotation_keywords, rules.default)
_NODE_RULES: tuple[_Rule, ...] = (rules.types, rules.enum, rules.bounds, rules.other_keywords)


def _ref_name(node: Schema) -> str | None:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return None
    prefix = "#/$defs/"
    if not ref.startswith(prefix):
        raise SchemaError(f"unsupported $ref {ref!r}: only local #/$defs/... refs are handled")
    return ref[len(prefix) :]


def _alternatives(node: Schema) -> list[Schema]:
    for key in _UNION:
        if key in node:
            return list(node[key])
    return [{k: v for k, v in node.items() if k not in rules.ANNOTATIONS and k != "default"}]


class _Comparer:
    """Walks two schemas side by side and collects findings (level, path, message)."""

    def __init__(self, old_defs: Schema | None = None, new_defs: Schema | None = None) -> None:
        self.findings: list[Finding] = []
        self.old_defs: Schema = old_defs or {}
        self.new_defs: Schema = new_defs or {}
        self._defs_done: set[str] = set()
        self._resolving: set[tuple[str, str]] = set()

    def note(self, kind: ChangeKind, path: str, message: str) -> None:
        if (kind, path, message) not in self.findings:
            self.findings.append((kind, path, message))

    def compare_root(self, name: str, old: Schema, new: Schema) -> None:
        self.old_defs, self.new_defs = old.get("$defs", {}), new.get("$defs", {})
        self._defs_done.add(name)
        self.compare(old, new, name)
        for def_name in sorted(set(self.old_defs) & set(self.new_defs)):
            if def_name not in self._defs_done:
                self._defs_done.add(def_name)
                self.compare(self.old_defs[def_name], self.new_defs[def_name], def_name)

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        old_ref, new_ref = _ref_name(old), _ref_name(new)
        if old_ref is not None and old_ref == new_ref:
            for rule in _LEAF_RULES:  # keywords beside the $ref; the definition is compared
                self._apply(rule, old, new, path)  # once by name in compare_root
            return
        resolved = self._resolve(old, self.old_defs), self._resolve(new, self.new_defs)
        if old_ref is None or new_ref is None:
            self._compare_node(*resolved, path)  # an inline side is finite: no cycle
            return
        key = (old_ref, new_ref)
        if key in self._resolving:
            return  # already comparing this pair higher up a recursive schema
        self._resolving.add(key)
        try:
            self._compare_node(*resolved, path)
        finally:
            self._resolving.discard(key)

    def _resolve(self, node: Schema, defs: Schema) -> Schema:
        name = _ref_name(node)
        if name is None:
            return node
        if name not in defs:
            raise SchemaError(f"$ref to {name!r} has no entry in $defs")
        return {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}

    def _apply(self, rule: _Rule, old: Schema, new: Schema, path: str) -> None:
        for kind, message in rule(old, new):
            self.note(kind, path, message)

    def _compare_node(self, old: Schema, new: Schema, path: str) -> None:
        for rule in _LEAF_RULES:
            self._apply(rule, old, new, path)
        if any(key in old or key in new for key in _UNION):
            self._union(old, new, path)
            return
        for rule in _NODE_RULES:
            self._apply(rule, old, new, path)
        self._properties(old, new, path)
        self._additional(old, new, path)
        self._items(old, new, path)

    def _properties(self, old: Schema, new: Schema, path: str) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_req, new_req = set(old.get("required", ())), set(new.get("required", ()))
        for name in sorted(set(old_props) - set(new_props)):
            self.note(ChangeKind.MAJOR, f"{path}.{name}", "property removed")
        for name in sorted(set(new_props) - set(old_props)):
            required = name in new_req
            kind = ChangeKind.MAJOR if required else ChangeKind.MINOR
            label = "required" if required else "optional"
            self.note(kind, f"{path}.{name}", f"{label} property added")
        for name in sorted(set(old_props) & set(new_props)):
            where = f"{path}.{name}"
            if name in new_req and name not in old_req:
                self.note(ChangeKind.MAJOR, where, "property is now required")
            elif name in old_req and name not in new_req:
                self.note(ChangeKind.MINOR, where, "property is no longer required")
            self.compare(old_props[name], new_props[name], where)

    def _additional(self, old: Schema, new: Schema, path: str) -> None:
        before = old.get("additionalProperties", True)
        after = new.get("additionalProperties", True)
        if before == after:
            return
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            self.compare(before, after, f"{path}.*")
        elif after is True or before is False:
            self.note(ChangeKind.MINOR, path, "accepts more additional properties")
        else:
            self.note(ChangeKind.MAJOR, path, "accepts fewer additional properties")

    def _items(self, old: Schema, new: Schema, path: str) -> None:
        if "items" in old and "items" in new:
            self.compare(old["items"], new["items"], f"{path}[]")
        elif "items" in new:
            self.note(ChangeKind.MAJOR, path, "array items restricted")
        elif "items" in old:
            self.note(ChangeKind.MINOR, path, "array items no longer restricted")

    def _union(self, old: Schema, new: Schema, path: str) -> None:
        if old.get("discriminator") != new.get("discriminator"):
            self._discriminator(old, new, path)
        new_alts = _alternatives(new)
        matched: set[int] = set()
        for alt in _alternatives(old):
            index = self._match(alt, new_alts, path)
            if index is None:
                self.note(ChangeKind.MAJOR, path, f"no longer accepts {rules.describe(alt)}")
            else:
                matched.add(index)
        for index, alt in enumerate(new_alts):
            if index not in matched:
                self.note(ChangeKind.MINOR, path, f"now also accepts {rules.describe(alt)}")

    def _discriminator(self, old: Schema, new: Schema, path: str) -> None:
        before, after = old.get("discriminator") or {}, new.get("discriminator") or {}
        same_property = before.get("propertyName") == after.get("propertyName")
        grown = set(before.get("mapping", {})) <= set(after.get("mapping", {}))
        if before and same_property and grown:
            self.note(ChangeKind.MINOR, path, "discriminator gained values")
        else:
            self.note(ChangeKind.MAJOR, path, "discriminator changed")

    def _match(self, alt: Schema, candidates: list[Schema], path: str) -> int | None:
        """The first candidate that accepts what ``alt`` accepted (same-looking ones first);
        its findings are kept, those of rejected trials are not."""
        name = rules.describe(alt)
        order = sorted(range(len(candidates)), key=lambda i: rules.describe(candidates[i]) != name)
        for index in order:
            trial = _Comparer(self.old_defs, self.new_defs)
            trial._resolving = set(self._resolving)
            trial.compare(alt, candidates[index], path)
            if all(kind is not ChangeKind.MAJOR for kind, _, _ in trial.findings):
                for finding in trial.findings:
                    self.note(*finding)
                return index
        return None


def classify_change(old: Mapping[str, Schema], new: Mapping[str, Schema]) -> SchemaChange:
    """Compare two ``{model name: JSON Schema}`` sets (as ``current_schemas()`` returns).

    A removed model is major, an added model minor; models in both are compared keyword
    by keyword, following ``$ref``/``$defs``. Reasons are ordered most severe first.
    """
    comparer = _Comparer()
    for name in sorted(set(old) - set(new)):
        comparer.note(ChangeKind.MAJOR, name, "model removed")
    for name in sorted(set(new) - set(old)):
        comparer.note(ChangeKind.MINOR, name, "model added")
    for name in sorted(set(old) & set(new)):
        comparer.compare_root(name, old[name], new[name])
    if not comparer.findings:
        return SchemaChange(ChangeKind.NONE)
    ordered = sorted(comparer.findings, key=lambda finding: -finding[0].rank)
    reasons = tuple(f"{kind.value}: {path}: {message}" for kind, path, message in ordered)
    return SchemaChange(ordered[0][0], reasons)
