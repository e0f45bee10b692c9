"""The trained recognizer's file: one JSON document, loaded and validated here.

A model is a logistic regression per entity type over binary string features
(:mod:`kg.learn.features`): ``p = 1 / (1 + exp(-(intercept + Σ weight[f])))``. The file
also records what it was trained on (each gold and text file with its SHA-256), the
training parameters and the cross-validated scores. JSON, not pickle: loading it runs no
code, and the same training data gives the same bytes.

``active_model()`` is the model the pipeline uses when none is passed: the shipped
``kg/data/model/recognizer.json`` unless :func:`use_model` chose another file or none.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any

from kg.errors import DataError

FORMAT = "kg-recognizer/1"
KINDS = ("Facility", "Program")
SHIPPED = "data/model/recognizer.json"


@dataclass(frozen=True)
class Model:
    """Weights per entity type, the acceptance threshold, and the training record."""

    weights: dict[str, dict[str, float]]
    intercepts: dict[str, float]
    threshold: float = 0.5  # for a reading the rules chose
    threshold_new: float = 0.5  # for one only the candidate generators propose
    record: dict[str, Any] = field(default_factory=dict, compare=False)

    def probability(self, kind: str, features: list[str]) -> float:
        return self.probabilities(kind, [features])[0]

    def probabilities(self, kind: str, examples: Iterable[list[str]]) -> list[float]:
        """:meth:`probability` of each feature list (the lookups bound once)."""
        weight, intercept, exp = self.weights[kind].get, self.intercepts[kind], math.exp
        out = []
        for features in examples:
            z = intercept + sum(map(weight, features, repeat(0.0)))
            out.append(1.0 / (1.0 + exp(-z)) if z > -500 else 0.0)
        return out

    def to_json(self) -> str:
        """The file's text: keys sorted, weights rounded, so training twice gives the same
        bytes."""
        data = {
            "format": FORMAT,
            "threshold": self.threshold,
            "threshold_new": self.threshold_new,
            "types": {
                kind: {"intercept": round(self.intercepts[kind], 6),
                       "weights": {f: round(w, 6) for f, w in sorted(self.weights[kind].items())
                                   if round(w, 6) != 0.0}}
                for kind in KINDS
            },
            **self.record,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def parse_model(text: str, label: str) -> Model:
    """Validate a model file's text; a bad file is a :class:`DataError` naming what is wrong."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DataError(f"{label}: not a kg model (not JSON: {exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise DataError(f"{label}: not a kg model (format {found!r}, expected {FORMAT!r})")
    for key in ("threshold", "threshold_new"):
        value = data.get(key)
        if not isinstance(value, int | float) or not 0 < value < 1:
            raise DataError(f"{label}: {key} must be a number between 0 and 1, not {value!r}")
    types = data.get("types")
    if not isinstance(types, dict) or set(types) != set(KINDS):
        raise DataError(f"{label}: types must hold exactly {list(KINDS)}")
    weights: dict[str, dict[str, float]] = {}
    intercepts: dict[str, float] = {}
    for kind in KINDS:
        part = types[kind]
        w = part.get("weights") if isinstance(part, dict) else None
        b = part.get("intercept") if isinstance(part, dict) else None
        if not isinstance(w, dict) or not isinstance(b, int | float) or not all(
            isinstance(k, str) and isinstance(v, int | float) and math.isfinite(v)
            for k, v in w.items()
        ):
            raise DataError(f"{label}: types.{kind} must have a numeric intercept and "
                            "weights mapping feature strings to finite numbers")
        # interned: the features made in advance (kg.learn.features) are, so a lookup of
        # one matches on identity
        weights[kind] = {sys.intern(k): float(v) for k, v in w.items()}
        intercepts[kind] = float(b)
    record = {k: v for k, v in data.items()
              if k not in ("format", "threshold", "threshold_new", "types")}
    return Model(weights, intercepts, float(data["threshold"]), float(data["threshold_new"]),
                 record)


def load_model(path: str | Path) -> Model:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError(f"{path}: model file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the model ({exc})") from exc
    return parse_model(text, str(path))


@cache
def shipped_model() -> Model:
    ref = resources.files("kg").joinpath(SHIPPED)
    try:
        text = ref.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError(f"kg/{SHIPPED}: the shipped model is missing") from exc
    return parse_model(text, f"kg/{SHIPPED}")


_choice: list[Model | None | str] = ["shipped"]


def use_model(choice: str | Path | None) -> None:
    """Choose the model :func:`active_model` returns: ``"shipped"`` (the default), ``None``
    or ``"none"`` for the rules alone, or a path. Workers forked afterwards inherit it."""
    if choice is None or str(choice) == "none":
        _choice[0] = None
    elif str(choice) == "shipped":
        _choice[0] = "shipped"
    else:
        _choice[0] = load_model(choice)


@contextmanager
def model_choice(choice: str | Path | None) -> Iterator[None]:
    """:func:`use_model` for the duration of a ``with`` block."""
    saved = _choice[0]
    use_model(choice)
    try:
        yield
    finally:
        _choice[0] = saved


def active_model() -> Model | None:
    choice = _choice[0]
    if choice == "shipped":
        return shipped_model()
    return choice if isinstance(choice, Model) else None
