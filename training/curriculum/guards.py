"""Guard conditions on simulation options: a tiny expression language, parsed without eval.

    guard      := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" or_expr ")" | comparison
    comparison := operand ("<" | "<=" | ">" | ">=" | "==" | "!=") operand | flag
    operand    := meter key | integer (optionally negative)
    flag       := flag key (a name not followed by a comparison: true when the run has set the flag)

`parse_guard(text)` returns a Guard with `.meters` and `.flags` (the keys it names), `.evaluate(values,
flags)` and `.describe()` (the condition in words, used as the default "why unavailable" reason).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Collection
from dataclasses import dataclass

__all__ = ["Guard", "GuardError", "parse_guard"]


class GuardError(ValueError):
    def __init__(self, message: str, column: int | None = None):
        self.column = column
        super().__init__(message if column is None else f"{message} (at column {column})")


_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)|(?P<op><=|>=|==|!=|<|>)|(?P<paren>[()]))"
)
_KEYWORDS = {"and", "or", "not"}

_COMPARE = {
    "<": (operator.lt, "is below"),
    "<=": (operator.le, "is at most"),
    ">": (operator.gt, "is above"),
    ">=": (operator.ge, "is at least"),
    "==": (operator.eq, "is exactly"),
    "!=": (operator.ne, "is not"),
}
# When a number is on the left, flip the comparison so the words read "meter … number".
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(frozen=True)
class _Token:
    kind: str  # num | name | op | paren | kw | end
    text: str
    column: int  # 1-based


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            column = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            raise GuardError(f"unexpected character {text[column - 1]!r}", column)
        kind = match.lastgroup
        assert kind is not None  # every alternative in _TOKEN is a named group
        value = match.group(kind)
        column = match.start(kind) + 1
        if kind == "name" and value in _KEYWORDS:
            kind = "kw"
        tokens.append(_Token(kind, value, column))
        pos = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


# Expression nodes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    left: str | int
    op: str
    right: str | int

    def evaluate(self, values: dict[str, int], flags: Collection[str] = ()) -> bool:
        return _COMPARE[self.op][0](_value(self.left, values), _value(self.right, values))

    def names(self) -> set[str]:
        return {side for side in (self.left, self.right) if isinstance(side, str)}

    def flag_names(self) -> set[str]:
        return set()

    def describe(self, nested: bool = False) -> str:
        left, op, right = self.left, self.op, self.right
        if isinstance(left, int) and isinstance(right, str):
            left, op, right = right, _FLIP[op], left
        return f"{left} {_COMPARE[op][1]} {right}"


@dataclass(frozen=True)
class Flag:
    key: str

    def evaluate(self, values: dict[str, int], flags: Collection[str] = ()) -> bool:
        return self.key in flags

    def names(self) -> set[str]:
        return set()

    def flag_names(self) -> set[str]:
        return {self.key}

    def describe(self, nested: bool = False) -> str:
        return f"{self.key} is set"


@dataclass(frozen=True)
class Not:
    operand: Compare | Flag | Not | And | Or

    def evaluate(self, values: dict[str, int], flags: Collection[str] = ()) -> bool:
        return not self.operand.evaluate(values, flags)

    def names(self) -> set[str]:
        return self.operand.names()

    def flag_names(self) -> set[str]:
        return self.operand.flag_names()

    def describe(self, nested: bool = False) -> str:
        if isinstance(self.operand, Compare):
            negated = self.operand
            return Compare(negated.left, _NEGATE[negated.op], negated.right).describe()
        if isinstance(self.operand, Flag):
            return f"{self.operand.key} is not set"
        return f"not ({self.operand.describe()})"


@dataclass(frozen=True)
class And:
    parts: tuple

    def evaluate(self, values: dict[str, int], flags: Collection[str] = ()) -> bool:
        return all(part.evaluate(values, flags) for part in self.parts)

    def names(self) -> set[str]:
        return set().union(*(part.names() for part in self.parts))

    def flag_names(self) -> set[str]:
        return set().union(*(part.flag_names() for part in self.parts))

    def describe(self, nested: bool = False) -> str:
        text = " and ".join(
            f"({p.describe()})" if isinstance(p, Or) else p.describe(nested=True) for p in self.parts
        )
        return text


@dataclass(frozen=True)
class Or:
    parts: tuple

    def evaluate(self, values: dict[str, int], flags: Collection[str] = ()) -> bool:
        return any(part.evaluate(values, flags) for part in self.parts)

    def names(self) -> set[str]:
        return set().union(*(part.names() for part in self.parts))

    def flag_names(self) -> set[str]:
        return set().union(*(part.flag_names() for part in self.parts))

    def describe(self, nested: bool = False) -> str:
        text = " or ".join(p.describe(nested=True) for p in self.parts)
        return f"({text})" if nested else text


def _value(operand: str | int, values: dict[str, int]) -> int:
    if isinstance(operand, int):
        return operand
    try:
        return values[operand]
    except KeyError:
        raise GuardError(f"no value for meter {operand!r}") from None


@dataclass(frozen=True)
class Guard:
    text: str
    expression: Compare | Flag | Not | And | Or

    @property
    def meters(self) -> frozenset[str]:
        return frozenset(self.expression.names())

    @property
    def flags(self) -> frozenset[str]:
        return frozenset(self.expression.flag_names())

    def evaluate(self, meters: dict[str, int], flags: Collection[str] = ()) -> bool:
        return self.expression.evaluate(meters, flags)

    def describe(self) -> str:
        return self.expression.describe()


# Recursive-descent parser -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.current
        return token.kind == kind and (text is None or token.text == text)

    def parse(self):
        expression = self.or_expr()
        if not self.at("end"):
            raise GuardError(f"unexpected {self.current.text!r}", self.current.column)
        return expression

    def or_expr(self):
        parts = [self.and_expr()]
        while self.at("kw", "or"):
            self.advance()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self):
        parts = [self.not_expr()]
        while self.at("kw", "and"):
            self.advance()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_expr(self):
        if self.at("kw", "not"):
            self.advance()
            return Not(self.not_expr())
        if self.at("paren", "("):
            opening = self.advance()
            inner = self.or_expr()
            if not self.at("paren", ")"):
                raise GuardError(f"missing ')' to close '(' at column {opening.column}", self.current.column)
            self.advance()
            return inner
        return self.comparison()

    def operand(self) -> str | int:
        token = self.current
        if token.kind == "num":
            self.advance()
            return int(token.text)
        if token.kind == "name":
            self.advance()
            return token.text
        if token.kind == "end":
            raise GuardError("expected a meter or a number, found the end", token.column)
        raise GuardError(f"expected a meter or a number, found {token.text!r}", token.column)

    def comparison(self) -> Compare | Flag:
        name = self.current if self.current.kind == "name" else None
        left = self.operand()
        if name is not None and not self.at("op"):
            return Flag(name.text)  # a bare name is a flag: true when the run has set it
        if not self.at("op"):
            found = "the end" if self.at("end") else repr(self.current.text)
            raise GuardError(
                f"expected a comparison (<, <=, >, >=, ==, !=), found {found}", self.current.column
            )
        op = self.advance().text
        right = self.operand()
        return Compare(left, op, right)


def parse_guard(text: str) -> Guard:
    """Parse a guard condition; raises GuardError with the column of the problem."""
    if not isinstance(text, str) or not text.strip():
        raise GuardError("the guard is empty")
    if len(text) > 500:
        raise GuardError("the guard is longer than 500 characters")
    return Guard(text=text, expression=_Parser(text).parse())
