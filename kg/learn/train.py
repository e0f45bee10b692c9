"""Training the recognizer on annotated articles, and article-level cross-validation.

Gold files give names, not spans. A candidate span is a positive example when the scorer
would match it: its surface (without quotes) or its canonical name (a facility without the
District written before it, a program's name) equals the gold name or an alias of its type
in that article, after :func:`kg.evaluate.norm`. Every occurrence of such a string counts,
so a name written several times, or one that matches two gold entities, gives several
positives; that is what the recognizer must find at each of them. Candidates that match an
``optional`` gold entity are left out of training (neither right nor wrong). Gold names no
candidate reproduces are the generators' misses; :func:`train` reports them.

The learner is scikit-learn's ``LogisticRegression`` (liblinear, L2, fixed
``random_state``), one per type; weights are exported to the JSON model file, so using a
model needs no scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.extract.facilities import FacilitySpan
from kg.extract.programs import ProgramSpan
from kg.learn.model import KINDS, Model
from kg.model import Document

PARAMS: dict[str, Any] = {"C": 0.1, "min_count": 2, "threshold": 0.3, "threshold_new": 0.6, "folds": 5,
                          "class_weight": None, "solver": "liblinear", "random_state": 0}


@dataclass(frozen=True)
class Article:
    """One annotated article: its gold file, its text file, and both files' digests."""

    name: str  # the text file's name, the gold's "doc"
    gold_path: Path
    text_path: Path
    gold: tuple[dict[str, Any], ...]
    gold_sha256: str
    text_sha256: str


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_articles(gold_dirs: Sequence[str | Path], text_dirs: Sequence[str | Path] = ()
                  ) -> list[Article]:
    """The annotated articles of some gold folders. A gold file ``X.gold.json`` names its
    text in ``doc``; the text is looked for in ``text_dirs``, then beside the gold folder:
    in it, in its parent (``seeds/gold`` → ``seeds/``) and in a sibling ``texts/``
    (``dev/gold`` → ``dev/texts/``). Sorted by name; a name given twice is an error."""
    articles: dict[str, Article] = {}
    for folder in map(Path, gold_dirs):
        files = sorted(folder.glob("*.gold.json"))
        if not files:
            raise InputError(f"{folder}: no *.gold.json files")
        where = [*map(Path, text_dirs), folder, folder.parent, folder.parent / "texts"]
        for path in files:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                doc, entities = data["doc"], data["entities"]
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"{path}: not a gold file ({exc})") from exc
            text_path = next((d / doc for d in where if (d / doc).is_file()), None)
            if text_path is None:
                raise InputError(f"{path}: text {doc} not found in {', '.join(map(str, where))}")
            if doc in articles:
                raise InputError(f"{path}: {doc} is annotated twice "
                                 f"(also {articles[doc].gold_path})")
            articles[doc] = Article(doc, path, text_path, tuple(entities), _sha256(path),
                                    _sha256(text_path))
    return [articles[k] for k in sorted(articles)]


def folds(articles: Sequence[Article], k: int) -> list[list[Article]]:
    """Deterministic article-level folds: articles sorted by the SHA-256 of their name,
    dealt round-robin, so the assignment depends on nothing but the names."""
    if not 2 <= k <= len(articles):
        raise InputError(f"--cv {k}: needs 2 ≤ K ≤ {len(articles)} (the number of articles)")
    order = sorted(articles, key=lambda a: hashlib.sha256(a.name.encode()).hexdigest())
    return [order[i::k] for i in range(k)]


def _document(article: Article) -> Document:
    from kg.normalize import normalize
    from kg.sources import read_source

    return normalize(read_source(article.text_path))


@dataclass(frozen=True)
class Examples:
    """Candidates of one article with features and labels, per type."""

    rows: dict[str, list[tuple[list[str], int]]]
    missed: dict[str, list[str]]  # gold names no candidate reproduces


def examples(article: Article, document: Document | None = None) -> Examples:
    """Run the rule steps of the pipeline on one article and label its candidates."""
    from kg.evaluate import norm
    from kg.extract.scan import Scan
    from kg.gazetteer import Gazetteer
    from kg.learn import recognize
    from kg.pipeline import find_names, find_places

    document = document or _document(article)
    scan = Scan.of(document.text)
    places = find_places(scan, document, Gazetteer.load())
    resolved = places.resolved
    spans = find_names(scan, resolved, None)
    district_ends = {r.candidate.end: r.candidate.start for r in resolved}
    full_names = (
        {r.candidate.start: r.division.level.value for r in resolved
         if r.division is not None and r.candidate.text == r.division.name}
        | {r.candidate.start: "village" for r in resolved if r.division is None}
    )
    known = {r.candidate.text for r in resolved} | {a.text for a in spans.agencies}
    found: dict[str, Sequence[tuple[FacilitySpan | ProgramSpan, list[str]]]] = {
        "Facility": recognize.facility_examples(scan, district_ends, full_names,
                                                spans.facilities),
        "Program": recognize.program_examples(scan, district_ends, known, spans.programs),
    }
    rows: dict[str, list[tuple[list[str], int]]] = {}
    missed: dict[str, list[str]] = {}
    for kind in KINDS:
        names: set[str] = set()
        optional: set[str] = set()
        for g in article.gold:
            if g["type"] == kind:
                forms = {norm(g["name"])} | {norm(a) for a in g.get("aliases", [])}
                (optional if g.get("optional") else names).update(forms)
        rows[kind] = []
        hit = set()
        for span, feats in found[kind]:
            forms = {norm(span.text)}
            if isinstance(span, FacilitySpan):
                forms.add(norm(span.text[span.name_start - span.start:]))
            else:
                forms.add(norm(span.name))
            if forms & optional and not forms & names:
                continue
            positive = bool(forms & names)
            hit |= forms & names
            rows[kind].append((feats, int(positive)))
        missed[kind] = sorted(
            g["name"] for g in article.gold if g["type"] == kind and not g.get("optional")
            and not ({norm(g["name"])} | {norm(a) for a in g.get("aliases", [])}) & hit)
    return Examples(rows, missed)


def fit(data: Iterable[Examples], params: dict[str, Any] | None = None) -> Model:
    """One logistic regression per type on the labelled candidates."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    params = {**PARAMS, **(params or {})}
    data = list(data)
    weights: dict[str, dict[str, float]] = {}
    intercepts: dict[str, float] = {}
    for kind in KINDS:
        rows = [row for ex in data for row in ex.rows[kind]]
        counts = Counter(f for feats, _ in rows for f in set(feats) if f != "bias")
        vocab = sorted(f for f, n in counts.items() if n >= params["min_count"])
        index = {f: i for i, f in enumerate(vocab)}
        indptr, indices = [0], []
        for feats, _ in rows:
            cols = sorted({index[f] for f in feats if f in index})
            indices.extend(cols)
            indptr.append(len(indices))
        matrix = csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), len(vocab)))
        labels = np.array([y for _, y in rows])
        if len(set(labels.tolist())) < 2:
            weights[kind], intercepts[kind] = {}, -5.0
            continue
        learner = LogisticRegression(C=params["C"], solver=params["solver"],
                                     random_state=params["random_state"],
                                     class_weight=params["class_weight"], max_iter=1000)
        learner.fit(matrix, labels)
        weights[kind] = {f: float(w) for f, w in zip(vocab, learner.coef_[0], strict=True)}
        intercepts[kind] = float(learner.intercept_[0])
    return Model(weights, intercepts, params["threshold"], params["threshold_new"])


def score_articles(articles: Sequence[Article], model: Model | None,
                   documents: dict[str, Document] | None = None) -> dict[str, Counter[str]]:
    """Run the whole pipeline on articles and count tp/fp/fn as the scorer does."""
    from kg.evaluate import score_document
    from kg.pipeline import process
    from kg.records import result_record

    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for article in articles:
        document = (documents or {}).get(article.name) or _document(article)
        record = result_record(process(document, None, model))
        score_document(list(article.gold), record["entities"], counts)
    return counts


def cross_validate(articles: Sequence[Article], k: int, params: dict[str, Any] | None = None,
                   documents: dict[str, Document] | None = None,
                   ) -> dict[str, dict[str, Counter[str]]]:
    """K-fold article-level CV: for each fold, train on the others and score it. Returns
    the summed counts of the model and of the rules alone (the rules learn nothing, so
    theirs is their score on every article)."""
    documents = documents or {a.name: _document(a) for a in articles}
    labelled = {a.name: examples(a, documents[a.name]) for a in articles}
    total: dict[str, Counter[str]] = defaultdict(Counter)
    for held in folds(articles, k):
        names = {a.name for a in held}
        model = fit([labelled[a.name] for a in articles if a.name not in names], params)
        for kind, c in score_articles(held, model, documents).items():
            total[kind] += c
    rules = score_articles(articles, None, documents)
    return {"model": dict(total), "rules": dict(rules)}


def summary(counts: dict[str, Counter[str]]) -> dict[str, dict[str, float]]:
    """P/R/F1 (and tp/fp/fn) per type and overall, rounded for the record."""
    out = {}
    for kind in (*("District", "Agency"), *KINDS, "ALL"):
        c = sum(counts.values(), Counter()) if kind == "ALL" else counts.get(kind, Counter())
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[kind] = {"P": round(p, 3), "R": round(r, 3), "F1": round(f, 3),
                     "tp": tp, "fp": fp, "fn": fn}
    return out


def train(articles: Sequence[Article], cv: int = 5, params: dict[str, Any] | None = None,
          ) -> tuple[Model, dict[str, list[str]]]:
    """The model trained on all articles, with its record (files, parameters, CV scores),
    and the gold names no candidate reproduces."""
    params = {**PARAMS, **(params or {}), "folds": cv}
    documents = {a.name: _document(a) for a in articles}
    labelled = [examples(a, documents[a.name]) for a in articles]
    model = fit(labelled, params)
    record: dict[str, Any] = {
        "trained_on": [{"doc": a.name, "gold": a.gold_path.name, "gold_sha256": a.gold_sha256,
                        "text_sha256": a.text_sha256} for a in articles],
        "params": params,
        "examples": {kind: {"candidates": sum(len(ex.rows[kind]) for ex in labelled),
                            "positive": sum(y for ex in labelled for _, y in ex.rows[kind])}
                     for kind in KINDS},
    }
    if cv:
        result = cross_validate(articles, cv, params, documents)
        record["cv"] = {"folds": cv, "model": summary(result["model"]),
                        "rules": summary(result["rules"])}
    missed = {kind: [f"{a.name}: {n}" for a, ex in zip(articles, labelled, strict=True)
                     for n in ex.missed[kind]] for kind in KINDS}
    return Model(model.weights, model.intercepts, model.threshold, model.threshold_new,
                 record), missed
