"""Who runs what, from the layout of the text rather than one clause: the responsible
column of a project table, an agency heading a list of projects, the issuer of a document
(通知, 办法) named right before its title, a program right after the agency that owns it,
and the passive 由…牵头/负责/实施.

Tables reach us flattened: one row per line with ``|`` between cells (``| 4 | 扎实推进… |
张学伟 | 县住建局 | …``), or one cell per line (``民政局 |`` or a bare line), rows starting
with their number. Either way a header names the responsible column (责任单位, 牵头单位 …);
the agencies in that column of a row run the programs named anywhere in the row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kg.model import Entity, EntityType, Relation, Sentence

# the header of the column that names who is responsible for a row
RESPONSIBLE = re.compile(r"^(?:责任|牵头|主责|实施|承办|主办|负责)(?:单位|部门|主体)$")
# a cell that is only a row number
ROW_NUMBER = re.compile(r"^\d{1,3}$")
# sentence punctuation: a cell with it is prose, not a list of agencies
PROSE = re.compile(r"[，,。；;：:！？]")
# between an issuing agency and the title of what it issued: 印发的《, 联合下发的《, 《
ISSUED = re.compile(r"^(?:联合)?(?:印发|下发|制发|发布|出台|制定|颁布|出台了|印发了)?(?:的)?《?$")
# after "由" + agency: the verb that makes it the one running the program (由区民政局牵头实施)
RUN_AFTER = re.compile(r"^(?:牵头|负责|组织|实施|承办|主办|具体负责|统筹|主导|联合)")
JOINERS = ("、", "和", "及", "与", "以及", "，")
#: the longest line a heading agency line or a listed program line may be
MAX_LIST_LINE = 40


@dataclass(frozen=True, slots=True)
class Placed:
    start: int
    end: int
    entity: Entity
    sentence: int


def _placed(entities: list[Entity], kind: EntityType) -> list[Placed]:
    return sorted((Placed(m.start, m.end, e, m.sentence) for e in entities if e.type is kind
                   for m in e.mentions if not m.aside), key=lambda p: (p.start, p.end))


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The cells of a flattened table between ``start`` and ``end``: text between ``|``
    marks and line ends, blank ones dropped."""
    out = []
    for match in re.finditer(r"[^|\n]+", text[start:end]):
        cell = match.group()
        if cell.strip():
            lead = len(cell) - len(cell.lstrip())
            out.append((start + match.start() + lead, start + match.start() + len(cell.rstrip())))
    return out


def _rows(text: str, body: int, one_line: bool, width: int) -> list[list[tuple[int, int]]]:
    """Rows of the table after its header. One row per line: the table ends at the first
    line without two ``|``. One cell per line: a row starts at a cell that is only its
    number, and the table ends where a row grows past the header's width."""
    rows: list[list[tuple[int, int]]] = []
    position = body
    for line in text[body:].splitlines(keepends=True):
        start, position = position, position + len(line)
        cells = _cells(text, start, position)
        if not cells:
            continue
        if one_line:
            if line.count("|") < 2:
                break
            rows.append(cells)
        elif ROW_NUMBER.match(text[cells[0][0]:cells[0][1]]) or not rows:
            rows.append(cells)
        elif len(rows[-1]) + len(cells) > width + 1:
            break
        else:
            rows[-1].extend(cells)
    return rows


def _agency_cell(text: str, cell: tuple[int, int], agencies: list[Placed]) -> list[Placed]:
    """The agencies of a cell that lists agencies (短, no prose, an agency first)."""
    a, b = cell
    inside = [p for p in agencies if a <= p.start and p.end <= b]
    if not inside or b - a > 40 or PROSE.search(text[a:b]) or inside[0].start - a > 2:
        return []
    return inside


def _vertical_header(text: str, line_start: int, header_end: int) -> tuple[list[tuple[int, int]], int]:
    """A header of one cell per line: the short lines before the responsible cell (blank
    lines between them skipped) and after it, up to the first row number."""
    start = line_start
    for _ in range(12):
        if start == 0:
            break
        previous = text.rfind("\n", 0, start - 1) + 1
        cell = text[previous:start].strip(" |\n\t")
        if cell and (len(cell) > 20 or ROW_NUMBER.match(cell) or PROSE.search(cell)):
            break
        start = previous
    number = re.search(r"(?m)^[ \t]*\d{1,3}[ \t]*\|?[ \t]*$", text[header_end:])
    body = header_end + number.start() if number else header_end
    return _cells(text, start, body), body


def table_relations(entities: list[Entity], text: str) -> Iterator[Relation]:
    agencies = _placed(entities, EntityType.AGENCY)
    programs = _placed(entities, EntityType.PROGRAM)
    headers = [(m.start(), m.end()) for m in re.finditer(r"[^|\n]+", text)
               if RESPONSIBLE.match(m.group().strip())]
    for h_index, (h_start, h_end) in enumerate(headers):
        if h_index and headers[h_index - 1][0] < h_start <= headers[h_index - 1][1] + 200:
            continue
        # the header row: its cells from the line holding the first header cell on
        row_start = text.rfind("\n", 0, h_start) + 1
        header_line_end = text.find("\n", h_end)
        header_line_end = len(text) if header_line_end < 0 else header_line_end
        one_line = text[row_start:header_line_end].count("|") >= 2
        if one_line:
            header_cells = _cells(text, row_start, header_line_end)
            body = header_line_end
        else:
            header_cells, body = _vertical_header(text, row_start, h_end)
        column = next((i for i, (a, b) in enumerate(header_cells)
                       if RESPONSIBLE.match(text[a:b].strip())), -1)
        if column < 0:
            continue
        for row in _rows(text, body, one_line, len(header_cells)):
            owners = _agency_cell(text, row[column], agencies) if column < len(row) else []
            if not owners:
                owners = next((found for cell in row if (found := _agency_cell(text, cell, agencies))),
                              [])
            if not owners:
                continue
            row_start, row_end = row[0][0], row[-1][1]
            for program in programs:
                if row_start <= program.start and program.end <= row_end:
                    for owner in owners:
                        yield Relation(program.entity.key, "runBy", owner.entity.key,
                                       "table:responsible-column", program.sentence)


def _line(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end < 0 else end


def heading_relations(entities: list[Entity], text: str) -> Iterator[Relation]:
    """新城区人民政府 / 2026年实施民生实事项目8项 / 讨思浩小学…项目: the agency that heads a
    list runs the programs listed under it (up to the next prose line)."""
    agencies = _placed(entities, EntityType.AGENCY)
    heads: dict[int, Placed] = {}
    for agency in agencies:
        a, b = _line(text, agency.start)
        rest = (text[a:agency.start] + text[agency.end:b]).strip(" \t:：|")
        if not rest and b - a <= MAX_LIST_LINE:
            heads[a] = agency
    if not heads:
        return
    for program in _placed(entities, EntityType.PROGRAM):
        a, b = _line(text, program.start)
        if b - a > MAX_LIST_LINE:
            continue
        position = a
        for _ in range(30):
            if position == 0:
                break
            previous = text.rfind("\n", 0, position - 1) + 1
            if previous in heads:
                head = heads[previous]
                yield Relation(program.entity.key, "runBy", head.entity.key,
                               "context:heading-agency", program.sentence)
                break
            if "。" in text[previous:position] or position - previous > MAX_LIST_LINE * 2:
                break  # prose: the list ended
            position = previous


def _chain_before(agencies: list[Placed], text: str, index: int) -> list[Placed]:
    """省委宣传部、省农村文化礼堂建设工作领导小组办公室: the agency at ``index`` and those joined
    to it before."""
    chain = [agencies[index]]
    while index > 0:
        previous = agencies[index - 1]
        if text[previous.end:chain[0].start] not in JOINERS:
            break
        chain.insert(0, previous)
        index -= 1
    return chain


def clause_relations(entities: list[Entity], text: str) -> Iterator[Relation]:
    agencies = _placed(entities, EntityType.AGENCY)
    facilities = _placed(entities, EntityType.FACILITY)
    for program in _placed(entities, EntityType.PROGRAM):
        before = [i for i, a in enumerate(agencies) if a.end <= program.start]
        if before:
            agency = agencies[before[-1]]
            between = text[agency.end:program.start]
            title = program.start > 0 and text[program.start - 1] == "《" or between.endswith("《")
            if title and ISSUED.match(between):
                for issuer in _chain_before(agencies, text, before[-1]):
                    yield Relation(program.entity.key, "runBy", issuer.entity.key,
                                   "clause:issuer-of-title", program.sentence)
            elif between.strip("“”\"「」") in ("", "的"):
                yield Relation(program.entity.key, "runBy", agency.entity.key,
                               "clause:agency-own-program", program.sentence)
    for thing, predicate in [(p, "runBy") for p in _placed(entities, EntityType.PROGRAM)] + \
            [(f, "operatedBy") for f in facilities]:
        after = next((a for a in agencies if a.start >= thing.end), None)
        if after is None or after.start - thing.end > 8:
            continue
        between = text[thing.end:after.start]
        if re.search(r"由$", between) and not PROSE.search(between):
            verb = text[after.end:after.end + 6]
            if RUN_AFTER.match(verb) or re.match(r"^(?:运营|管理|运行|托管)", verb):
                rule = "clause:by-agency" if predicate == "runBy" else "clause:run-by-agency"
                yield Relation(thing.entity.key, predicate, after.entity.key, rule, thing.sentence)


#: how far back (in sentences) the agency of a paragraph is looked for
SECTION_SENTENCES = 12
#: an agency opens its sentence when at most this many characters stand before it (今年以来,)
MAX_LEAD = 12


def subject_relations(
    entities: list[Entity], text: str, sentences: tuple[Sentence, ...], triggers: tuple[str, ...],
) -> Iterator[Relation]:
    """今年以来,经开区公安分局锚定…。…打造“阮警说”防范讲堂: a program launched (a run trigger
    before it in its clause) in a sentence naming no agency is run by the agency that opens
    an earlier sentence of its paragraph (the nearest earlier sentence naming an agency)."""
    agencies = _placed(entities, EntityType.AGENCY)
    by_sentence: dict[int, list[Placed]] = {}
    for agency in agencies:
        by_sentence.setdefault(agency.sentence, []).append(agency)
    for program in _placed(entities, EntityType.PROGRAM):
        index = program.sentence
        if index < 0 or index in by_sentence:
            continue
        sentence = sentences[index]
        clause = max(text.rfind(ch, sentence.start, program.start) for ch in "，,；;") + 1
        before = text[max(clause, sentence.start):program.start]
        if not any(t in before for t in triggers):
            continue
        paragraph = text.rfind("\n", 0, program.start) + 1
        for back in range(index - 1, max(-1, index - SECTION_SENTENCES), -1):
            earlier = sentences[back]
            if earlier.start < paragraph:
                break  # the agency must open a sentence of the program's own paragraph
            if back not in by_sentence:
                continue
            first = by_sentence[back][0]
            lead = text[earlier.start:first.start]
            if len(lead) <= MAX_LEAD and not any(ch in lead for ch in "；;"):
                yield Relation(program.entity.key, "runBy", first.entity.key,
                               "context:subject-agency", index)
            break


def section_relations(
    entities: list[Entity], text: str, sentences: tuple[Sentence, ...],
) -> Iterator[Relation]:
    """“健康浙江促进”行动 让健康理念深入人心 / 上半年,区社会发展局(筹)围绕…: a program named in
    a heading line is run by the agency that opens one of the first sentences under it."""
    agencies = _placed(entities, EntityType.AGENCY)
    opening: dict[int, Placed] = {}
    for agency in agencies:
        if agency.sentence >= 0 and agency.sentence not in opening:
            sentence = sentences[agency.sentence]
            lead = text[sentence.start:agency.start]
            if len(lead) <= MAX_LEAD and not any(ch in lead for ch in "；;，,") or \
                    len(lead) <= MAX_LEAD and lead.count("，") + lead.count(",") == 1 \
                    and lead.rstrip().endswith(("，", ",")):
                opening[agency.sentence] = agency
    for program in _placed(entities, EntityType.PROGRAM):
        a, b = _line(text, program.start)
        line = text[a:b]
        if b - a > MAX_LIST_LINE or "。" in line or program.sentence < 0:
            continue
        if not (sentences[program.sentence].start >= a and sentences[program.sentence].end <= b + 1):
            continue  # the heading is a sentence of its own
        for index in range(program.sentence + 1, min(len(sentences), program.sentence + 4)):
            if index in opening:
                yield Relation(program.entity.key, "runBy", opening[index].entity.key,
                               "context:section-agency", program.sentence)
                break
            if len(sentences[index].text) <= MAX_LIST_LINE and "。" not in sentences[index].text:
                break  # the next heading: this section names no agency first


# the name of a part of an agency after the agency's own name: 梧州市人民政府|办公室,
# 杭州市民政局|养老服务指导中心, 区委|宣传部
PART_HEADS = ("办公室", "办", "中心", "科", "处", "室", "站", "所", "队", "分局", "宣传部",
              "组织部", "统战部", "政法委", "委员会")


def part_relations(entities: list[Entity]) -> Iterator[Relation]:
    """An agency whose name is another agency's name plus the name of a part of it
    (梧州市人民政府办公室 — 梧州市人民政府) is a suborganization of it."""
    agencies = [e for e in entities if e.type is EntityType.AGENCY]
    for part in agencies:
        names = {part.label, *part.aliases}
        for whole in agencies:
            if whole.key == part.key:
                continue
            for name in names:
                rest = next((name[len(w):] for w in (whole.label, *whole.aliases)
                             if len(w) >= 3 and name.startswith(w) and len(name) > len(w)), "")
                if rest and rest.endswith(PART_HEADS) and len(rest) <= 12:
                    first = next((m.sentence for m in part.mentions if not m.aside), -1)
                    yield Relation(part.key, "subOrganizationOf", whole.key,
                                   "name:part-of-agency", first)
                    break


def relations(entities: list[Entity], text: str, sentences: tuple[Sentence, ...] = (),
              triggers: tuple[str, ...] = ()) -> Iterator[Relation]:
    """Every relation of this module, for one article."""
    tabled = list(table_relations(entities, text))
    yield from tabled
    in_tables = {r.subject for r in tabled}  # a table's agency cells are no list headings
    yield from (r for r in heading_relations(entities, text) if r.subject not in in_tables)
    yield from clause_relations(entities, text)
    yield from part_relations(entities)
    if sentences:
        yield from subject_relations(entities, text, sentences, triggers)
        yield from section_relations(entities, text, sentences)
