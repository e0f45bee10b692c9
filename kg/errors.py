"""Exceptions raised by the library. The CLI turns each into one line and a non-zero exit."""

from __future__ import annotations

import re

#: characters that would split a one-line message or reorder it on a terminal (line breaks
#: and other C0/C1 controls, bidi marks, embeddings, overrides and isolates)
UNSAFE_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """``text`` with those characters escaped (a file name holding a newline → ``\\n``)."""
    return UNSAFE_IN_LINE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class KgError(Exception):
    """Base class of every error kg raises on purpose."""


class InputError(KgError):
    """An input cannot be used; the message names the input."""


class MissingInputError(InputError):
    """A path given as input does not exist."""


class UnreadableInputError(InputError):
    """An input exists but cannot be read (permissions, a directory where a file was expected)."""


class TooLargeInputError(InputError):
    """An input is larger than the size limit (``--max-bytes``)."""


class EmptyInputError(InputError):
    """An input has no text (zero bytes, only whitespace, or nothing left after cleaning)."""


class BinaryInputError(InputError):
    """An input is not text (an image, an archive, ...)."""


class DecodingError(InputError):
    """An input's bytes could not be decoded as text in any supported encoding."""


class ExtractionError(InputError):
    """Processing one input failed unexpectedly; the other inputs go on. The message names the
    input and the internal error, which is a bug worth reporting."""


class OutputError(KgError):
    """An output cannot be written where it was asked for (an existing file where a folder
    is wanted, a folder where a file is wanted, no permission, a full disk); the message
    names the path."""


class DataError(KgError):
    """A data file shipped with kg (or a user's override file) is malformed."""


class QueryError(KgError):
    """A SPARQL query could not be parsed or run."""


class GraphError(KgError):
    """A graph file could not be read."""


class ValidationError(KgError):
    """A graph does not conform to the SHACL shapes."""


class NoInputError(InputError):
    """Not one input could be read: a build writes nothing."""


class ServeError(KgError):
    """``kg serve`` cannot start (bad option, address in use, unknown host)."""
