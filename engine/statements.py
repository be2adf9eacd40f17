"""A parser for Ocient's task statements: ``CREATE TASK … TYPE … LOCATION … OPTIONS …`` and ``CANCEL TASK '…'``.

Keywords are case-insensitive; task types are case-sensitive, as the seed says. Errors name what is wrong and
where, e.g. ``expected TYPE after CREATE TASK at column 13``, and quote the statement only escaped and shortened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from .model.base import excerpt
from .model.distributed import (
    CancelTaskRequest,
    CreateTaskRequest,
    DistributedType,
    LocationKind,
)

NUMBER_MAX_DIGITS = 20
"""The most digits a number in a statement may have (a 64-bit integer has up to 20), checked before converting it:
Python refuses to convert a text of more than 4300 digits, and no option needs more than 20."""


class StatementError(ValueError):
    """A statement that does not parse; the message says what is wrong and at which column."""


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # word | string | number | punct | end
    text: str
    column: int

    def value(self) -> object:
        if self.kind == "string":
            return self.text
        if self.kind == "number":
            return float(self.text) if "." in self.text else int(self.text)
        if self.kind == "word" and self.text.lower() in ("true", "false"):
            return self.text.lower() == "true"
        return self.text

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the statement"
        return _quoted(self.text)


_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<unterminated>'[^']*$)
  | (?P<dquoted>"(?:[^"]|"")*")
  | (?P<number>-?\d+(?:\.\d+)?(?![\w-]))
  | (?P<word>[A-Za-z_][\w.\-]*|\d[\w.\-]*)
  | (?P<punct>[\[\],=;])
    """,
    re.VERBOSE,
)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        column = pos + 1
        if not match:
            raise StatementError(f"unexpected character {text[pos]!r} at column {column}")
        kind = match.lastgroup or ""
        raw = match.group()
        pos = match.end()
        if kind == "space":
            continue
        if kind == "unterminated":
            raise StatementError(f"unterminated string starting at column {column}")
        if kind == "string":
            tokens.append(_Token("string", raw[1:-1].replace("''", "'"), column))
        elif kind == "dquoted":
            tokens.append(_Token("word", raw[1:-1].replace('""', '"'), column))
        else:
            if kind == "number":
                _check_digits(raw, column)
            tokens.append(_Token(kind, raw, column))
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        token = self.current
        if token.kind != "end":
            self.pos += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.current.kind == "word" and self.current.text.upper() in words

    def expect_keyword(self, word: str, after: str) -> None:
        if not self.at_keyword(word):
            raise StatementError(
                f"expected {word} after {after} at column {self.current.column}, found {self.current.describe()}"
            )
        self.advance()

    def expect_name(self, what: str) -> str:
        token = self.current
        if token.kind not in ("word", "string") or not token.text:
            raise StatementError(f"expected {what} at column {token.column}, found {token.describe()}")
        self.advance()
        return token.text

    def finish(self) -> None:
        if self.current.kind == "punct" and self.current.text == ";":
            self.advance()
        if self.current.kind != "end":
            raise StatementError(
                f"unexpected {self.current.describe()} at column {self.current.column}; the statement should end here"
            )

    def value(self, key: str) -> object:
        token = self.current
        if token.kind == "punct" and token.text == "[":
            self.advance()
            items: list[object] = []
            while not (self.current.kind == "punct" and self.current.text == "]"):
                if self.current.kind in ("end", "punct"):
                    raise StatementError(
                        f"bad list for option {_quoted(key)} at column {self.current.column}: "
                        f"found {self.current.describe()}, expected a value or ']'"
                    )
                items.append(self.advance().value())
                if self.current.kind == "punct" and self.current.text == ",":
                    self.advance()
                elif not (self.current.kind == "punct" and self.current.text == "]"):
                    raise StatementError(
                        f"expected ',' or ']' in the list for option {_quoted(key)} at column {self.current.column}"
                    )
            self.advance()
            return items
        if token.kind in ("string", "number", "word"):
            self.advance()
            return token.value()
        raise StatementError(
            f"expected a value for option {_quoted(key)} at column {token.column}, found {token.describe()}"
        )


_TYPES = ", ".join(t.value for t in DistributedType)


def parse_create_task(text: str) -> CreateTaskRequest:
    """Parse ``CREATE TASK [name] TYPE t [LOCATION …] [OPTIONS k = v, …][;]``."""
    parser = _Parser(text)
    parser.expect_keyword("CREATE", "the start of the statement")
    parser.expect_keyword("TASK", "CREATE")
    name: str | None = None
    if not parser.at_keyword("TYPE"):
        if parser.current.kind not in ("word", "string"):
            raise StatementError(
                f"expected a task name or TYPE after CREATE TASK at column {parser.current.column}, "
                f"found {parser.current.describe()}"
            )
        name = parser.advance().text
    parser.expect_keyword("TYPE", "CREATE TASK" if name is None else f"the task name {_quoted(name)}")
    type_token = parser.current
    if type_token.kind != "word":
        raise StatementError(f"expected a task type ({_TYPES}) at column {type_token.column}")
    parser.advance()
    try:
        task_type = DistributedType(type_token.text)
    except ValueError:
        hint = " (task types are case sensitive)" if type_token.text.lower() in set(DistributedType) else ""
        raise StatementError(
            f"unknown task type {_quoted(type_token.text)} at column {type_token.column}; expected one of {_TYPES}{hint}"
        ) from None

    # The location goes to CreateTaskRequest as data, so that an error in it names location.name, not name.
    location: dict[str, object] = {}
    if parser.at_keyword("LOCATION"):
        parser.advance()
        where = parser.current
        if parser.at_keyword("SYSTEM"):
            parser.advance()
        elif parser.at_keyword("CLUSTER", "NODE"):
            kind = LocationKind(parser.advance().text.upper())
            location = {"kind": kind, "name": parser.expect_name(f"a {kind.value.lower()} name")}
        else:
            raise StatementError(
                f"expected SYSTEM, CLUSTER name or NODE name after LOCATION at column {where.column}, "
                f"found {where.describe()}"
            )

    options: dict[str, object] = {}
    if parser.at_keyword("OPTIONS"):
        parser.advance()
        while True:
            key_token = parser.current
            if key_token.kind != "word":
                raise StatementError(
                    f"expected an option name at column {key_token.column}, found {key_token.describe()}"
                )
            key = parser.advance().text
            if not (parser.current.kind == "punct" and parser.current.text == "="):
                raise StatementError(f"expected '=' after option {_quoted(key)} at column {parser.current.column}")
            parser.advance()
            if key in options:
                raise StatementError(f"option {_quoted(key)} is given twice")
            options[key] = parser.value(key)
            if parser.current.kind == "punct" and parser.current.text == ",":
                parser.advance()
                continue
            break
    parser.finish()
    try:
        return CreateTaskRequest.model_validate(
            {"name": name, "type": task_type, "location": location, "options": options}
        )
    except ValidationError as error:
        raise StatementError(_validation_message(error)) from None


def parse_cancel_task(text: str) -> CancelTaskRequest:
    """Parse ``CANCEL TASK 'name_or_id'[;]``."""
    parser = _Parser(text)
    parser.expect_keyword("CANCEL", "the start of the statement")
    parser.expect_keyword("TASK", "CANCEL")
    target = parser.current
    if target.kind not in ("string", "word") or not target.text:
        raise StatementError(
            f"expected the task's name or id in quotes after CANCEL TASK at column {target.column}, "
            f"found {target.describe()}"
        )
    parser.advance()
    parser.finish()
    try:
        return CancelTaskRequest(task=target.text)
    except ValidationError as error:
        raise StatementError(_validation_message(error)) from None


def parse_statement(text: str) -> CreateTaskRequest | CancelTaskRequest:
    """Parse either statement; anything else is a :class:`StatementError` naming the two that are understood."""
    stripped = text.strip()
    if not stripped:
        raise StatementError("empty statement; expected CREATE TASK … or CANCEL TASK '…'")
    head = stripped.split(None, 1)[0].upper()
    if head == "CREATE":
        return parse_create_task(stripped)
    if head == "CANCEL":
        return parse_cancel_task(stripped)
    raise StatementError(
        f"unknown statement {_quoted(stripped.split(None, 1)[0])}; expected CREATE TASK … or CANCEL TASK '…'"
    )


def _quoted(text: str) -> str:
    return f"'{excerpt(text)}'"


def _check_digits(number: str, column: int) -> None:
    digits = len(number) - number.count("-") - number.count(".")
    if digits > NUMBER_MAX_DIGITS:
        raise StatementError(
            f"the number at column {column} has {digits} digits; numbers may have at most {NUMBER_MAX_DIGITS} digits"
        )


def _validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "options")
    return f"{where}: {message}" if where and "option" not in message else message
