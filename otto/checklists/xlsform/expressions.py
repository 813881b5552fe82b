"""XLSForm `relevant` expressions translated into checklist conditions.

Only the simple forms that inspection forms use are understood (a small recursive-descent
parser over this grammar); anything else raises UnsupportedExpression, whose message is
Swedish because it ends up in the import warnings shown to the form's author:

    expression := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" "(" expression ")" | "(" expression ")"
                | "selected" "(" ref "," literal ")" | ref OP literal | literal OP ref
    OP         := "=" | "!=" | ">" | ">=" | "<" | "<="
    ref        := "${" name "}"        literal := 'text' | "text" | number

`${q} != ''` becomes {"op": "answered"} and `${q} = ''` its negation; `selected(${q}, 'x')`
becomes `eq` (which also matches an item of a multiple-choice answer, see `logic`).
Conditions come out with XLSForm names in "q"; `resolve` turns them into question ids.
"""

import re
from collections.abc import Mapping
from typing import Any, NoReturn

from otto.checklists.logic import iter_leaves

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{\s*[^}\s]+\s*\})
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
      | (?P<op>!=|>=|<=|=|>|<)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][\w:.-]*)
    )""",
    re.VERBOSE,
)
_EXPECTED = {"ref": "en fråga ${namn}", "op": "en jämförelse (=, !=, >, >=, <, <=)"}
_OPS = {"=": "eq", "!=": "ne", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
# The op that keeps a comparison's meaning when its two sides are swapped.
_SWAPPED = {"eq": "eq", "ne": "ne", "gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte"}


class UnsupportedExpression(ValueError):
    """A relevant expression outside the understood forms; the message says why (Swedish)."""


def _tokenize(expression: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = expression.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise UnsupportedExpression(f"okänt tecken vid ”{text[position:].strip()[:20]}”")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over the token list; one method per grammar rule."""

    def __init__(self, expression: str):
        self.tokens = _tokenize(expression)
        self.position = 0

    def parse(self) -> dict:
        if not self.tokens:
            raise UnsupportedExpression("uttrycket är tomt")
        condition = self.expression()
        if self.position < len(self.tokens):
            raise UnsupportedExpression(f"oväntat ”{self.tokens[self.position][1]}”")
        return condition

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            self.fail(f"”{value}”" if value else _EXPECTED.get(kind, "ett värde"))
        self.position += 1
        return token[1]

    def fail(self, expected: str) -> NoReturn:
        token = self.peek()
        found = f"”{token[1]}”" if token else "slutet av uttrycket"
        raise UnsupportedExpression(f"väntade {expected} men fann {found}")

    def at_word(self, word: str) -> bool:
        return self.peek() == ("word", word)

    def expression(self) -> dict:
        parts = [self.and_expression()]
        while self.at_word("or"):
            self.position += 1
            parts.append(self.and_expression())
        return parts[0] if len(parts) == 1 else {"any": parts}

    def and_expression(self) -> dict:
        parts = [self.unary()]
        while self.at_word("and"):
            self.position += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else {"all": parts}

    def unary(self) -> dict:
        token = self.peek()
        if token == ("word", "not"):
            self.position += 1
            return {"not": self.parenthesised()}
        if token == ("punct", "("):
            return self.parenthesised()
        if token == ("word", "selected"):
            self.position += 1
            self.take("punct", "(")
            name = self.reference()
            self.take("punct", ",")
            value = self.literal()
            self.take("punct", ")")
            return {"q": name, "op": "eq", "value": value}
        if token is not None and token[0] == "word":
            raise UnsupportedExpression(f"funktionen eller ordet ”{token[1]}” stöds inte")
        return self.comparison()

    def parenthesised(self) -> dict:
        self.take("punct", "(")
        condition = self.expression()
        self.take("punct", ")")
        return condition

    def comparison(self) -> dict:
        if self.peek() is not None and self.peek()[0] == "ref":
            name = self.reference()
            op = _OPS[self.take("op")]
            value = self.literal()
        else:
            value = self.literal()
            op = _SWAPPED[_OPS[self.take("op")]]
            name = self.reference()
        if value == "" and op in ("eq", "ne"):
            answered = {"q": name, "op": "answered"}
            return answered if op == "ne" else {"not": answered}
        return {"q": name, "op": op, "value": value}

    def reference(self) -> str:
        return self.take("ref")[2:-1].strip()

    def literal(self) -> str | int | float:
        token = self.peek()
        if token is not None and token[0] == "string":
            self.position += 1
            return token[1][1:-1]
        if token is None or token[0] != "number":
            self.fail("ett värde ('text' eller tal)")
        self.position += 1
        return float(token[1]) if "." in token[1] else int(token[1])


def parse_relevant(expression: str) -> dict:
    """Translate a relevant expression into a condition naming XLSForm fields in "q"."""
    return _Parser(expression).parse()


def resolve(condition: dict, questions: Mapping[str, dict]) -> dict:
    """Point the condition's leaves at question ids, fitting values to the question types.

    `questions` maps XLSForm names to the questions built so far (so only earlier ones):
    a quoted number compared with a number question becomes a number, a bare number
    compared with a choice or text question becomes text.
    """
    for _path, leaf in iter_leaves(condition):
        question = questions.get(leaf["q"])
        if question is None:
            raise UnsupportedExpression(f"”${{{leaf['q']}}}” är ingen tidigare fråga")
        leaf["q"] = question["id"]
        if "value" in leaf:
            leaf["value"] = _fit_value(leaf["value"], question["type"])
    return condition


def _fit_value(value: Any, question_type: str) -> Any:
    if question_type in ("integer", "number") and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    if question_type in ("choice", "text") and not isinstance(value, str):
        return str(value)
    return value
