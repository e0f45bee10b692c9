"""The named queries shipped in ``kg/sparql/queries/``, and their parameters.

A query file starts with comment lines: the first says what it answers, and each parameter
is declared as ``# param: NAME ?VARIABLE KIND description``. The body holds, for each
parameter, the line ``VALUES ?VARIABLE { UNDEF }``: left as it is, the variable is free and
the query answers for every value (any graph, any district); given a value, that line
becomes ``VALUES ?VARIABLE { "钱塘区"@zh }``. The value is made an RDF term of the declared
kind and written by rdflib's escaping (``Literal.n3``), never spliced into the text as typed:
a quote or a brace in it stays inside the literal.

Kinds: ``label`` (a ``@zh`` name, as every prefLabel), ``string`` (an ``xsd:string``, such
as a file name), ``year`` (``xsd:gYear``), ``integer``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg.errors import QueryError
from kg.resources import packaged

# "# param: district ?districtLabel label  a District's name (钱塘区)"
_PARAM = re.compile(r"^#\s*param:\s*([A-Za-z][\w-]*)\s+\?(\w+)\s+(label|string|year|integer)\s*(.*)$")
KINDS = ("label", "string", "year", "integer")


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    variable: str
    kind: str
    description: str

    @property
    def placeholder(self) -> str:
        return f"VALUES ?{self.variable} {{ UNDEF }}"


@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    text: str
    summary: str  # the first comment line
    params: tuple[Param, ...]

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        accepted = ", ".join(p.name for p in self.params) or "none"
        raise QueryError(f"{self.name}: no parameter {name!r} (it takes: {accepted})")


def parse(name: str, text: str) -> NamedQuery:
    params, summary = [], ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _PARAM.match(line)
        if match:
            param = Param(match[1], match[2], match[3], match[4].strip())
            if param.placeholder not in text:
                raise QueryError(f"{name}: parameter {param.name} declared but the query has "
                                 f"no line `{param.placeholder}`")
            params.append(param)
        elif not summary:
            summary = line.lstrip("# ").strip()
    return NamedQuery(name, text, summary, tuple(params))


@cache
def named_queries() -> dict[str, NamedQuery]:
    """The queries in ``kg/sparql/queries`` by name, in name order."""
    folder = packaged("sparql/queries")
    out = {}
    for item in sorted(folder.iterdir()) if folder.is_dir() else ():
        if item.name.endswith(".rq"):
            out[item.name[:-3]] = parse(item.name[:-3], item.read_text(encoding="utf-8"))
    return out


def term(param: Param, value: str) -> str:
    """The value as an RDF term of the parameter's kind, in SPARQL syntax."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    if param.kind == "label":
        literal = Literal(value, lang="zh")
    elif param.kind == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise QueryError(f"--param {param.name}: {value!r} is not a year (YYYY)")
        literal = Literal(value, datatype=XSD.gYear)
    elif param.kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise QueryError(f"--param {param.name}: {value!r} is not an integer")
        literal = Literal(int(value), datatype=XSD.integer)
    else:
        literal = Literal(value, datatype=XSD.string)
    return literal.n3()


def bind(query: NamedQuery, values: dict[str, str]) -> str:
    """The query's text with each given parameter's ``VALUES`` line bound to its value."""
    text = query.text
    for name, value in values.items():
        param = query.param(name)
        text = text.replace(param.placeholder, f"VALUES ?{param.variable} {{ {term(param, value)} }}")
    return text


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """``["district=钱塘区", …]`` (the CLI's ``--param``) as a dict."""
    out: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param {item!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


def describe() -> str:
    """The named queries and their parameters, for ``kg query --help``."""
    lines = ["named queries (kg/sparql/queries/):"]
    for query in named_queries().values():
        lines.append(f"  {query.name}: {query.summary}")
        for param in query.params:
            lines.append(f"      --param {param.name}=…  {param.description} ({param.kind})")
    return "\n".join(lines)
