"""The learned step of the pipeline: rule candidates in, chosen spans out.

For Facilities and Programs the candidate generators (:func:`kg.extract.facilities.candidates`,
:func:`kg.extract.programs.candidates`) propose every plausible reading, the rules' own
choices among them; the model scores each one and :func:`choose` keeps the best-scoring
readings that do not overlap. So the model accepts, rejects and re-bounds what the rules
found, and adds what they missed. Districts and Agencies stay with the rules and the
gazetteer, which do them well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from kg.extract import facilities, programs
from kg.extract.facilities import FacilitySpan
from kg.extract.programs import ProgramSpan
from kg.extract.scan import Scan
from kg.learn.features import Context, TextFacts, facility_features, program_features
from kg.learn.model import Model

S = TypeVar("S", FacilitySpan, ProgramSpan)


def _context(scan: Scan, district_ends: dict[int, int], rule: Sequence[FacilitySpan | ProgramSpan]
             ) -> Context:
    return Context(
        scan=scan,
        facts=TextFacts.of(scan, district_ends),
        district_starts=frozenset(district_ends.values()),
        rule_spans={(s.start, s.end): s.rule for s in rule},
        rule_heads=frozenset(s.end for s in rule),
    )


def facility_examples(
    scan: Scan, district_ends: dict[int, int], full_names: dict[int, str],
    rule: list[FacilitySpan],
) -> list[tuple[FacilitySpan, list[str]]]:
    """Each Facility candidate with its features (the rules' spans are among them)."""
    ctx = _context(scan, district_ends, rule)
    by_range = {(s.start, s.end): s for s in rule}
    seen = set()
    out = []
    for span, head_start in facilities.candidates(scan, district_ends, full_names):
        seen.add((span.start, span.end))
        span = by_range.get((span.start, span.end), span)  # the rule's own reading
        out.append((span, facility_features(ctx, span, head_start)))
    for span in rule:  # a rule span the generator does not propose (a longer reach)
        if (span.start, span.end) not in seen:
            head_start = span.end - _head_length(span)
            out.append((span, facility_features(ctx, span, head_start)))
    return out


def _head_length(span: FacilitySpan) -> int:
    from kg.resources import lexicon

    return next((len(h) for h in lexicon().facility_heads if span.text.endswith(h)), 0)


def program_examples(
    scan: Scan, district_ends: dict[int, int], known: set[str], rule: list[ProgramSpan],
) -> list[tuple[ProgramSpan, list[str]]]:
    """Each Program candidate with its features (the rules' spans are among them)."""
    ctx = _context(scan, district_ends, rule)
    by_key: dict[tuple[int, int, str], ProgramSpan] = {}
    for span in rule:
        by_key[(span.start, span.end, span.name)] = span
    for span in programs.candidates(scan, known):
        by_key.setdefault((span.start, span.end, span.name), span)
    return [(span, program_features(ctx, span)) for _, span in sorted(by_key.items(),
                                                                      key=lambda kv: kv[0])]


def choose(model: Model, kind: str, examples: list[tuple[S, list[str]]]) -> list[S]:
    """The best-scoring candidates that do not overlap, in text order (on equal scores the
    longer, then the earlier). A reading the rules chose is kept from ``model.threshold``
    on; one only the candidate generators propose (rule ``model:…``) needs
    ``model.threshold_new``."""
    scored = list(zip(model.probabilities(kind, (feats for _, feats in examples)),
                      (span for span, _ in examples), strict=True))
    scored.sort(key=lambda ps: (-ps[0], -(ps[1].end - ps[1].start), ps[1].start))
    kept: list[S] = []
    for p, span in scored:
        if p < model.threshold:
            break
        if span.rule.startswith("model:") and p < model.threshold_new:
            continue
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)
