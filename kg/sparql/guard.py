"""What a read-only, offline endpoint refuses before a query reaches the engine.

The decision is taken on the *parsed* query (rdflib's SPARQL parser), never on the text:
a hand tokenizer and the engine disagree on comments ended by CR or on escaped quotes in
prefixed names, and each disagreement was a way to smuggle a ``SERVICE`` clause through.
Before parsing, the bracket depth is checked on the text: both parsers recurse once per
level, and a query nested 3,000 braces deep overflows the engine's stack.

The query workers are also cut off from the network where the system allows it
(:func:`isolate_from_network`), so a query that one parser reads differently from the
other still cannot call out.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable
from typing import Any

from kg.errors import QueryError

#: deeper than any query a person writes (the named queries reach 5); rdflib parses 200
MAX_DEPTH = 100
OPEN, CLOSE = "{([", "})]"


class RefusedQuery(QueryError):
    """A query this endpoint will not run (SERVICE, an update, too deep): HTTP 403."""


class UncheckedQuery(QueryError):
    """rdflib's parser cannot read the query, so it could not be checked."""


def nesting_depth(query: str) -> int:
    """The deepest nesting of ``{ ( [`` in a SPARQL text, skipping strings, IRIs and
    comments. A backslash escapes the next character both in strings and in prefixed
    names (``kg:a\\'`` is a name, not the start of a string)."""
    depth = deepest = 0
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "#":  # a comment runs to the end of the line: LF or CR
            while i < n and query[i] not in "\r\n":
                i += 1
            continue
        if ch in "'\"":
            quote = ch * 3 if query.startswith(ch * 3, i) else ch
            i += len(quote)
            while i < n and not query.startswith(quote, i):
                i += 2 if query[i] == "\\" else 1
            i += len(quote)
            continue
        if ch == "<":  # an IRI holds no space, quote or brace; otherwise "<" is less-than
            end = i + 1
            while end < n and query[end] not in '<>"{}|^`\\' and query[end] > " ":
                end += 1
            if end < n and query[end] == ">":
                i = end + 1
                continue
        if ch in OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        i += 1
    return deepest


def _operators(tree: Any) -> Iterable[str]:
    """The names of every grammar rule in an rdflib parse tree (iteratively: the tree is
    as deep as the query)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node.name
            stack.extend(node.values())
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)


def check_query(query: str) -> None:
    """Raise :class:`RefusedQuery` for what this endpoint must not run and
    :class:`UncheckedQuery` when rdflib cannot parse the text (the engine may still be
    able to: see :func:`kg.sparql.protocol.run_checked`)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    depth = nesting_depth(query)
    if depth > MAX_DEPTH:
        raise RefusedQuery(f"the query is nested {depth} brackets deep; at most {MAX_DEPTH} "
                           "are allowed")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 30_000))  # pyparsing recurses ~100 frames per level
    try:
        try:
            tree = parseQuery(query)
        except ParseException as exc:
            try:
                parseUpdate(query)
            except ParseException:
                raise UncheckedQuery(f"bad query: {exc}") from None
            raise RefusedQuery("SPARQL Update is not allowed: this endpoint is read-only") \
                from None
    except RecursionError:
        raise RefusedQuery("the query is nested too deeply to be checked") from None
    finally:
        sys.setrecursionlimit(limit)
    if "ServiceGraphPattern" in set(_operators(tree)):
        raise RefusedQuery("SERVICE (federated query) is not allowed on this endpoint")


# --- no network for the query workers ---------------------------------------------------

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def isolate_from_network() -> str | None:
    """Move this process into a network namespace of its own, with no interface but a
    downed loopback: no connection can leave it. Must run while the process has one
    thread. Returns ``None`` on success, else why it could not (not Linux, user
    namespaces disabled, …)."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces need Linux, not {sys.platform}"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as exc:
        return str(exc)
    # an unprivileged process needs a user namespace to own the network namespace; root
    # (or CAP_SYS_ADMIN) can make the network namespace alone
    for flags in (CLONE_NEWUSER | CLONE_NEWNET, CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return None
    return f"unshare: {os.strerror(ctypes.get_errno())}"
