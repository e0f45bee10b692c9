"""Scoring the extractor against gold files in the format of ``docs/ANNOTATION.md``.

A predicted entity matches a gold one of the same type when its label or one of its
mention texts equals the gold name or an alias (after NFKC, without quotes and spaces);
matching is one-to-one per document, exact-label matches first. Optional gold entities
count neither way.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.corpus import extract
from kg.errors import InputError
from kg.records import result_record

TYPES = ("District", "Agency", "Facility", "Program")
_DROP = dict.fromkeys(map(ord, "\"'“”‘’「」『』《》〈〉·•・‧ \t\r\n\u3000"), None)


def norm(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").translate(_DROP).lower()


@dataclass(frozen=True)
class Scores:
    counts: dict[str, Counter[str]]
    documents: int

    def row(self, kind: str) -> dict[str, float]:
        c = self.counts.get(kind, Counter()) if kind != "ALL" else sum(self.counts.values(), Counter())
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r,
                "f1": 2 * p * r / (p + r) if p + r else 0.0,
                "canonical": c["canon"] / tp if tp else 0.0,
                "parent": c["parent_ok"] / c["parent_n"] if c["parent_n"] else float("nan")}


def load_gold(folder: Path) -> dict[str, list[dict[str, Any]]]:
    gold = {}
    files = sorted(folder.glob("*.gold.json"))
    if not files:
        raise InputError(f"{folder}: no *.gold.json files")
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            gold[data["doc"]] = data["entities"]
        except (ValueError, KeyError) as exc:
            raise InputError(f"{path}: not a gold file ({exc})") from exc
    return gold


def _forms(pred: dict[str, Any]) -> set[str]:
    forms = {norm(pred.get("label"))} | {norm(m["text"]) for m in pred.get("mentions", [])}
    return forms - {""}


def score_document(gold: list[dict[str, Any]], preds: list[dict[str, Any]], counts: dict[str, Counter[str]]) -> None:
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for exact in (True, False):
        for gi, g in enumerate(gold):
            if any(gi == p[0] for p in pairs):
                continue
            names = {norm(g["name"])} | {norm(a) for a in g.get("aliases", [])}
            for pi, p in enumerate(preds):
                if pi in used or p["type"] != g["type"]:
                    continue
                if (norm(p["label"]) in names) if exact else bool(_forms(p) & names):
                    pairs.append((gi, pi))
                    used.add(pi)
                    break
    matched = {gi for gi, _ in pairs}
    for gi, pi in pairs:
        g, p = gold[gi], preds[pi]
        if g.get("optional"):
            continue
        c = counts[g["type"]]
        c["tp"] += 1
        c["canon"] += norm(p["label"]) == norm(g["name"])
        if g["type"] == "District" and g.get("parent"):
            c["parent_n"] += 1
            ok = {norm(g["parent"])} | {norm(a) for x in gold if x["name"] == g["parent"]
                                        for a in x.get("aliases", [])}
            c["parent_ok"] += norm(p.get("parent")) in ok
    for gi, g in enumerate(gold):
        if gi not in matched and not g.get("optional"):
            counts[g["type"]]["fn"] += 1
    for pi, p in enumerate(preds):
        if pi not in used:
            counts[p["type"]]["fp"] += 1


def evaluate(gold_dir: Path, inputs: Iterable[str | os.PathLike[str]]) -> Scores:
    gold = load_gold(gold_dir)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    seen = 0
    for result in extract(inputs, on_error=lambda exc: None):
        record = result_record(result)
        # an article in a subfolder is named by its path ("sub/x.txt"); gold by file name
        doc = record["doc"] if record["doc"] in gold else Path(record["doc"]).name
        if doc in gold:
            seen += 1
            score_document(gold[doc], record["entities"], counts)
    return Scores(dict(counts), seen)


def format_scores(scores: Scores) -> str:
    lines = [f"documents scored: {scores.documents}",
             f"{'type':<9} {'P':>6} {'R':>6} {'F1':>6} {'canon':>6} {'parent':>6}   tp/fp/fn"]
    for kind in (*TYPES, "ALL"):
        r = scores.row(kind)
        parent = "-" if r["parent"] != r["parent"] else f"{r['parent']:.3f}"
        lines.append(f"{kind:<9} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} "
                     f"{r['canonical']:6.3f} {parent:>6}   {r['tp']}/{r['fp']}/{r['fn']}")
    return "\n".join(lines)
