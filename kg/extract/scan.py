"""A normalized text prepared for the recognizers: tokens, boundaries, sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.model import Sentence
from kg.text import Token, split_sentences, tokenize

HAN_CHAR = re.compile(r"[\u3400-\u9fff]")
#: characters that may stand inside a name besides Han characters
NAME_EXTRA = set("·()0123456789０１２３４５６７８９ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-")


@dataclass(frozen=True)
class Scan:
    """The text of one document with its jieba tokens and sentences."""

    text: str
    tokens: tuple[Token, ...]
    sentences: tuple[Sentence, ...]
    token_ending_at: dict[int, int] = field(repr=False)  # offset → index of token ending there
    token_starting_at: dict[int, int] = field(repr=False)

    @classmethod
    def of(cls, text: str) -> Scan:
        tokens = tokenize(text)
        return cls(
            text=text,
            tokens=tokens,
            sentences=split_sentences(text),
            token_ending_at={t.end: i for i, t in enumerate(tokens)},
            token_starting_at={t.start: i for i, t in enumerate(tokens)},
        )

    def is_boundary(self, offset: int) -> bool:
        """True when a token starts or ends at ``offset`` (or it is an end of the text)."""
        return (
            offset == 0
            or offset == len(self.text)
            or offset in self.token_ending_at
            or offset in self.token_starting_at
        )

    def tokens_before(self, offset: int) -> list[Token]:
        """Tokens ending at or before ``offset``, nearest first (stops at a line break)."""
        out: list[Token] = []
        index = self.token_ending_at.get(offset)
        if index is None:
            return out
        while index >= 0:
            token = self.tokens[index]
            if "\n" in token.text:
                break
            out.append(token)
            index -= 1
        return out
