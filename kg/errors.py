"""Exceptions raised by the library. The CLI turns each into one line and a non-zero exit."""

from __future__ import annotations


class KgError(Exception):
    """Base class of every error kg raises on purpose."""


class InputError(KgError):
    """An input cannot be used; the message names the input."""


class MissingInputError(InputError):
    """A path given as input does not exist."""


class UnreadableInputError(InputError):
    """An input exists but cannot be read (permissions, a directory where a file was expected)."""


class EmptyInputError(InputError):
    """An input has no text (zero bytes, only whitespace, or nothing left after cleaning)."""


class BinaryInputError(InputError):
    """An input is not text (an image, an archive, ...)."""


class DecodingError(InputError):
    """An input's bytes could not be decoded as text in any supported encoding."""


class ExtractionError(InputError):
    """Processing one input failed unexpectedly; the other inputs go on. The message names the
    input and the internal error, which is a bug worth reporting."""


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
