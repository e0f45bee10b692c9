"""Which entities a view shows: type and district filters, the focus, and the node budget."""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Collection
from dataclasses import dataclass, field

from kg.errors import InputError
from kg.view.data import AREA_RELATIONS, TYPES, ViewData

DEFAULT_MAX_NODES = 5000
#: above the budget the page carries at most this many times the budget (the rest folded
#: into districts is there, hidden, to expand on click); beyond that the quietest are dropped
CARRY_FACTOR = 4


@dataclass
class ViewOptions:
    types: Collection[str] | None = None  # None: all four
    focus: str | None = None  # a name or alias; the view opens on it
    district: str | None = None  # a district name: keep it and everything under it
    max_nodes: int = DEFAULT_MAX_NODES
    title: str = "民生知识图谱"


@dataclass
class Selection:
    keep: list[str]  # entity IRIs shown
    focus: str | None
    notice: str  # says what was left out, empty when nothing was
    total: int  # entities in the graph
    #: district IRI → the entities folded into it (in ``keep``, hidden until it is clicked)
    folded: dict[str, list[str]] = field(default_factory=dict)

    @property
    def shown(self) -> int:
        """Entities drawn at the first frame (``keep`` less the folded ones)."""
        return len(self.keep) - sum(len(v) for v in self.folded.values())


def check_types(types: Collection[str] | None) -> set[str]:
    if types is None:
        return set(TYPES)
    wanted = {t.strip() for t in types if t.strip()}
    lower = {t.lower(): t for t in TYPES}
    unknown = sorted(t for t in wanted if t.lower() not in lower)
    if unknown:
        raise InputError(f"unknown type(s) {', '.join(unknown)}; choose from {', '.join(TYPES)}")
    return {lower[t.lower()] for t in wanted}


def find_entity(data: ViewData, name: str, types: Collection[str] = TYPES) -> str:
    """IRI of the entity called ``name``: exact name, then alias, then the name containing it.
    Ties go to the entity with the most mentions."""
    name = name.strip()
    pool = [e for e in data.entities.values() if e.type in types]
    for test in (lambda e: e.label == name or e.iri == name,
                 lambda e: name in e.aliases,
                 lambda e: bool(name) and name in e.label):
        hits = [e for e in pool if test(e)]
        if hits:
            return min(hits, key=lambda e: (-e.mentions, len(e.label), e.iri)).iri
    raise InputError(f"no {'/'.join(sorted(types))} named {name!r} in the graph")


def district_members(data: ViewData, district: str) -> set[str]:
    """The district, the districts under it (kg:partOf) and every entity located in,
    with jurisdiction over, or covering one of them."""
    children: dict[str, list[str]] = defaultdict(list)
    areas: dict[str, list[str]] = defaultdict(list)
    for rel in data.relations:
        if rel.relation == "partOf":
            children[rel.target].append(rel.source)
        if rel.relation in AREA_RELATIONS:
            areas[rel.source].append(rel.target)
    inside = {district}
    queue = deque([district])
    while queue:
        for child in children[queue.popleft()]:
            if child not in inside:
                inside.add(child)
                queue.append(child)
    return inside | {iri for iri, targets in areas.items() if any(t in inside for t in targets)}


def degrees(data: ViewData, keep: Collection[str] | None = None) -> Counter[str]:
    counts: Counter[str] = Counter()
    for rel in data.relations:
        if keep is None or (rel.source in keep and rel.target in keep):
            counts[rel.source] += 1
            counts[rel.target] += 1
    return counts


def select(data: ViewData, options: ViewOptions) -> Selection:
    types = check_types(options.types)
    pool = {iri for iri, e in data.entities.items() if e.type in types}
    if options.district:
        district = find_entity(data, options.district, types=("District",))
        pool &= district_members(data, district)
    focus = find_entity(data, options.focus) if options.focus else None
    if focus is not None:
        pool.add(focus)  # asked for by name: shown whatever the filters say
    total = len(pool)
    budget = max(1, options.max_nodes)
    if total <= budget:
        return Selection(sorted(pool), focus, "", len(data.entities))
    if focus is None:
        folded = fold_by_district(data, pool, budget)
        if folded is not None:
            return folded
    order = _ranked(data, pool, focus)
    keep = sorted(order[:budget])
    how = "离焦点最近的" if focus else "关联与提及最多的"
    notice = (f"共 {total:,} 个实体，超过上限 {budget:,}：只显示{how} {budget:,} 个"
              f"（可用 --max-nodes、--types、--focus 调整）。"
              f" Showing {budget:,} of {total:,} entities ({'nearest the focus' if focus else 'top by degree and mentions'}).")
    return Selection(keep, focus, notice, len(data.entities))


def home_districts(data: ViewData, pool: Collection[str]) -> dict[str, str]:
    """The district each non-district entity of ``pool`` is in (its first kg:locatedIn,
    kg:jurisdiction or kg:coversArea in ``pool``)."""
    home: dict[str, str] = {}
    for rel in data.relations:
        if (rel.relation in AREA_RELATIONS and rel.relation != "partOf"
                and rel.source in pool and rel.target in pool and rel.source not in home
                and data.entities[rel.source].type != "District"
                and data.entities[rel.target].type == "District"):
            home[rel.source] = rel.target
    return home


def fold_by_district(data: ViewData, pool: set[str], budget: int) -> Selection | None:
    """Above the budget: every district stays, and the agencies, facilities and programs of
    the districts holding most of them are folded into their district (a node that expands
    on click), biggest first, until at most ``budget`` entities are drawn. None when that
    cannot reach the budget (more districts and unplaced entities than the budget)."""
    home = home_districts(data, pool)
    members: dict[str, list[str]] = defaultdict(list)
    for iri in sorted(home):
        members[home[iri]].append(iri)
    fixed = len(pool) - len(home)  # districts and entities in no district: always drawn
    if fixed > budget:
        return None
    carry = set(pool)
    dropped = 0
    if len(pool) > CARRY_FACTOR * budget:  # too many to carry: the quietest go first
        order = _ranked(data, pool, None)
        keep_first = set(order[:CARRY_FACTOR * budget]) | (pool - set(home))
        carry = keep_first
        dropped = len(pool) - len(carry)
        for district in list(members):
            members[district] = [m for m in members[district] if m in carry]
    drawn = len(carry)
    folded: dict[str, list[str]] = {}
    for district in sorted(members, key=lambda d: (-len(members[d]), d)):
        if drawn <= budget:
            break
        if members[district]:
            folded[district] = members[district]
            drawn -= len(members[district])
    hidden = sum(len(v) for v in folded.values())
    notice = (f"共 {len(pool):,} 个实体，超过上限 {budget:,}：{len(folded):,} 个区域中的 "
              f"{hidden:,} 个机构、设施和项目折叠在所在区域里（点击带“+”的区域展开）"
              + (f"，另有 {dropped:,} 个关联最少的未载入" if dropped else "") +
              f"。 {hidden:,} of {len(pool):,} entities are folded into {len(folded):,} "
              "districts: click a district marked + to open it"
              + (f"; {dropped:,} of the quietest are left out" if dropped else "") + ".")
    return Selection(sorted(carry), None, notice, len(data.entities), folded)


def _ranked(data: ViewData, pool: set[str], focus: str | None) -> list[str]:
    degree = degrees(data, pool)
    score = {iri: degree[iri] + data.entities[iri].mentions for iri in pool}
    by_score = sorted(pool, key=lambda iri: (-score[iri], iri))
    if focus is None:
        return by_score
    neighbours: dict[str, list[str]] = defaultdict(list)
    for rel in data.relations:
        if rel.source in pool and rel.target in pool:
            neighbours[rel.source].append(rel.target)
            neighbours[rel.target].append(rel.source)
    seen = {focus}
    order = [focus]
    queue = deque([focus])
    while queue:  # breadth first from the focus; within one hop, best score first
        for nxt in sorted(neighbours[queue.popleft()], key=lambda iri: (-score[iri], iri)):
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                queue.append(nxt)
    return order + [iri for iri in by_score if iri not in seen]
