"""Node positions computed in Python, so the page draws once and holds still.

A balloon layout of a spanning forest: each entity hangs from one anchor (a district from
its parent district, a facility from where it is, an agency from its jurisdiction, a program
from the agency running it). Leaves sit in a sunflower disc around their anchor, subtrees in
wedges outside it, each claiming only the room its nodes need (a balloon's rings are mostly
empty: laid out by their full discs, the seed graph opened at scale 0.07); nodes that then
come too close are pushed apart (:func:`untangle`), and the trees are packed in rows.
Linear in the number of nodes.
"""

from __future__ import annotations

import math
from collections import defaultdict

from kg import keys
from kg.graph.vocab import ID
from kg.view.data import ViewData

SPACING = 90.0  # distance between neighbouring leaves, in layout units (the page fits them to the canvas)
DENSITY = 55.0  # radius a subtree claims per sqrt(node), where its ring is empty
GAP = 45.0  # the closest two nodes may end up
SHARE = 1.6  # how far, in claimed radii, a tree keeps the others off (its edge is sparse)
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
LONERS = "\0loners"  # a virtual root holding the entities related to nothing shown

#: relations that hang an entity from another, in order of preference, by entity type
ANCHORS = {
    "District": ("partOf",),
    "Facility": ("locatedIn", "operatedBy"),
    "Agency": ("jurisdiction", "subOrganizationOf"),
    "Program": ("runBy", "coversArea"),
}


def anchors(data: ViewData, keep: list[str]) -> dict[str, str]:
    """One anchor per entity that has one among ``keep``; never a cycle."""
    shown = set(keep)
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for rel in data.relations:
        if rel.source in shown and rel.target in shown:
            found[rel.source].setdefault(rel.relation, rel.target)
    anchor: dict[str, str] = {}
    for iri in keep:
        entity = data.entities[iri]
        options = [found[iri][r] for r in ANCHORS.get(entity.type, ()) if r in found[iri]]
        # no relation: the district the entity's IRI is scoped by (…/agency/330114/…)
        scope = keys.parse(iri)
        if scope.scope and scope.name:
            options.append(str(ID[keys.district(scope.scope)]))
        for candidate in options:
            if candidate in shown and candidate != iri and not _reaches(anchor, candidate, iri):
                anchor[iri] = candidate
                break
    return anchor


def _reaches(anchor: dict[str, str], start: str, goal: str) -> bool:
    node: str | None = start
    steps = 0
    while node is not None and steps <= len(anchor):
        if node == goal:
            return True
        node = anchor.get(node)
        steps += 1
    return False


def balloon(keep: list[str], anchor: dict[str, str]) -> dict[str, tuple[float, float]]:
    children: dict[str, list[str]] = defaultdict(list)
    for iri in keep:
        if iri in anchor:
            children[anchor[iri]].append(iri)
    roots = [iri for iri in keep if iri not in anchor]
    singles = [iri for iri in roots if not children[iri]]
    if len(singles) > 1:  # entities on their own: one sunflower disc, not a long row
        roots = [iri for iri in roots if children[iri]] + [LONERS]
        children[LONERS] = singles
    # post-order without recursion: radius of each subtree and its children's offsets
    radius: dict[str, float] = {}
    size: dict[str, int] = {}
    offsets: dict[str, list[tuple[str, float, float]]] = {}
    order: list[str] = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children[node])
    for node in reversed(order):
        leaves = [c for c in children[node] if not children[c]]
        trees = sorted((c for c in children[node] if children[c]), key=lambda c: -radius[c])
        placed: list[tuple[str, float, float]] = []
        disc = SPACING * 0.8 if leaves else SPACING * 0.5
        for j, leaf in enumerate(leaves):
            r = SPACING * (0.9 + 0.55 * math.sqrt(j))
            placed.append((leaf, r * math.cos(j * GOLDEN_ANGLE), r * math.sin(j * GOLDEN_ANGLE)))
            disc = max(disc, r + SPACING * 0.5)
        outer = disc
        total = sum(radius[t] for t in trees)
        angle = 0.0
        for tree in trees:
            # each subtree in its own wedge (angle in proportion to its radius), as close
            # to the leaves' disc as the wedge allows: a disc of radius r lies inside a
            # wedge of half-angle h when its centre is r / sin(h) from the apex
            r = radius[tree]
            share = 2 * math.pi * r / total if len(trees) > 1 else 2 * math.pi
            distance = disc + r
            if share < math.pi:
                distance = max(distance, r / math.sin(share / 2))
            a = angle + share / 2
            placed.append((tree, distance * math.cos(a), distance * math.sin(a)))
            angle += share
            outer = max(outer, distance + r)
        size[node] = 1 + sum(size[c] for c in children[node])
        # a subtree's disc is mostly empty ring: its neighbours may reach into it as far as
        # the area its nodes need (DENSITY per node); untangle() separates what then touches
        radius[node] = min(outer, max(disc, DENSITY * math.sqrt(size[node])))
        offsets[node] = placed
    # each tree drawn around its root, then the trees packed, each keeping the others off
    # the disc its nodes cover, or SHARE times the room it claims if that is less
    local: dict[str, dict[str, tuple[float, float]]] = {}
    extent: dict[str, float] = {}
    for root in roots:
        spots = local[root] = {root: (0.0, 0.0)}
        stack = [root]
        while stack:
            node = stack.pop()
            x, y = spots[node]
            for child, dx, dy in offsets[node]:
                spots[child] = (x + dx, y + dy)
                stack.append(child)
        extent[root] = max(math.hypot(x, y) for x, y in spots.values()) + SPACING * 0.5
    centres = _pack(roots, {r: min(extent[r], SHARE * radius[r]) for r in roots})
    positions: dict[str, tuple[float, float]] = {}
    for root in roots:
        cx, cy = centres[root]
        positions.update((n, (cx + x, cy + y)) for n, (x, y) in local[root].items())
    positions.pop(LONERS, None)
    return untangle(positions)


def untangle(positions: dict[str, tuple[float, float]],
             rounds: int = 30) -> dict[str, tuple[float, float]]:
    """Pairs of nodes closer than GAP pushed apart, half the overlap each, a few rounds,
    in IRI order (so the same graph gives the same positions); a grid keeps it linear."""
    names = sorted(positions)
    xy = [list(positions[n]) for n in names]
    for _ in range(rounds):
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, (x, y) in enumerate(xy):
            grid[(math.floor(x / GAP), math.floor(y / GAP))].append(i)
        moved = False
        for i, p in enumerate(xy):
            gx, gy = math.floor(p[0] / GAP), math.floor(p[1] / GAP)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for j in grid.get((gx + dx, gy + dy), ()):
                        if j <= i:
                            continue
                        q = xy[j]
                        ex, ey = q[0] - p[0], q[1] - p[1]
                        dist = math.hypot(ex, ey)
                        if dist >= GAP:
                            continue
                        if dist < 1e-6:  # on top of each other: apart along a fixed angle
                            ex, ey, dist = math.cos(i), math.sin(i), 1.0
                        push = (GAP - dist) / 2 / dist
                        p[0] -= ex * push; p[1] -= ey * push  # noqa: E702
                        q[0] += ex * push; q[1] += ey * push  # noqa: E702
                        moved = True
        if not moved:
            break
    return {n: (p[0], p[1]) for n, p in zip(names, xy, strict=True)}


def _pack(roots: list[str], radius: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Shelf packing of the trees' discs, biggest first, in rows about as wide as tall."""
    ordered = sorted(roots, key=lambda r: (-radius[r], r))
    width = math.sqrt(sum((2 * radius[r]) ** 2 for r in ordered)) * 1.15
    centres: dict[str, tuple[float, float]] = {}
    x = y = row = 0.0
    for root in ordered:
        d = 2 * radius[root]
        if x > 0 and x + d > width:
            x, y, row = 0.0, y + row, 0.0
        centres[root] = (x + d / 2, y + d / 2)
        x += d
        row = max(row, d)
    if centres:
        mx = sum(c[0] for c in centres.values()) / len(centres)
        my = sum(c[1] for c in centres.values()) / len(centres)
        centres = {k: (cx - mx, cy - my) for k, (cx, cy) in centres.items()}
    return centres


def layout(data: ViewData, keep: list[str]) -> dict[str, tuple[float, float]]:
    return balloon(keep, anchors(data, keep))
