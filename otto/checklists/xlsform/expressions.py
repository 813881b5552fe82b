"""XLSForm expressions (relevant, constraint) to checklist conditions, and back.

Only the simple forms that inspection forms use are understood (a small recursive-descent
parser over this grammar); anything else raises UnsupportedExpression, whose message is
Swedish because it ends up in the import summary shown to the form's author:

    expression := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" "(" expression ")" | "(" expression ")"
                | "selected" "(" ref "," literal ")"
                | ("count-selected" | "string-length") "(" ref ")" OP number
                | ref OP literal | literal OP ref | literal
    OP         := "=" | "!=" | ">" | ">=" | "<" | "<="
    ref        := "${" name "}" | "."      (".": the question itself, in a constraint)
    literal    := 'text' | "text" | number | date('YYYY-MM-DD') | true() | false()

Typographic quotes (‘ ’ “ ”) are read as straight quotes, as pyxform and ODK do.

Unanswered questions. In XPath an unanswered question is the empty string "": `${a} = 'x'`,
`${n} > 5` and `selected(${a}, 'x')` are false, while `${a} != 'x'` and `not(...)` are true.
OTTO's evaluator (`logic`) makes every leaf false on a missing answer, `ne` included. The
translation keeps the XLSForm meaning: `${a} != 'x'` becomes {"not": {"op": "eq"}} (true when
unanswered, as in ODK), never `ne`; `${a} != ''` becomes `answered`. `=` on a select_multiple
compares the whole answer in XPath, so it becomes "x chosen and no other option chosen";
`selected()` becomes `eq` (x among the chosen). A comparison (<, >...) with a single-choice
question whose option values are numbers becomes `in` with the options that satisfy it.
"""

import re
from collections.abc import Mapping
from typing import Any, NoReturn

from otto.checklists.logic import iter_leaves

SELF = "."
ALWAYS = {"all": []}  # the condition that is always true
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"'})
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{\s*[^}\s]+\s*\})
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
      | (?P<op>!=|>=|<=|=|>|<)
      | (?P<punct>[(),])
      | (?P<self>\.(?![\w.]))
      | (?P<word>[A-Za-z_][\w:.-]*)
    )""",
    re.VERBOSE,
)
_EXPECTED = {"ref": "en fråga ${namn}", "op": "en jämförelse (=, !=, >, >=, <, <=)"}
_OPS = {"=": "eq", "!=": "ne", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
_SYMBOLS = {op: symbol for symbol, op in _OPS.items()}
# The op that keeps a comparison's meaning when its two sides are swapped.
_SWAPPED = {"eq": "eq", "ne": "ne", "gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte"}
# count-selected(${q}) / string-length(${q}) compared with a number: answered or not.
_ANSWERED = {("gt", 0), ("gte", 1), ("ne", 0)}
_UNANSWERED = {("eq", 0), ("lt", 1), ("lte", 0)}
_COMPARE = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


class UnsupportedExpression(ValueError):
    """An expression outside the understood forms; the message says why (Swedish)."""


def normalise(expression: str) -> str:
    """The expression with typographic quotes made straight and outer space removed."""
    return expression.translate(_QUOTES).strip()


def conjuncts(expression: str) -> list[str]:
    """The parts of an expression joined by a top-level `and` (one part when there is a
    top-level `or`, which binds looser). Outer parentheses are removed first."""
    text = normalise(expression)
    while _wrapped(text):
        text = text[1:-1].strip()
    parts = _split_top_level(text, "or")
    if len(parts) > 1:
        return [text]
    parts = _split_top_level(text, "and")
    if len(parts) == 1:
        return [text] if text else []
    # An empty part (`a and`) stays, so that the parser names it.
    return [piece for part in parts for piece in (conjuncts(part) or [part])]


def _unquoted(text: str):
    """Each character outside quoted strings, as (position, char, bracket depth after it)."""
    depth, quote = 0, None
    for position, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            depth += (char == "(") - (char == ")")
            yield position, char, depth


def _split_top_level(text: str, word: str) -> list[str]:
    pattern = re.compile(rf"(?<![\w:.-]){word}(?![\w:.-])")
    parts, start = [], 0
    for position, char, depth in _unquoted(text):
        if depth == 0 and position >= start and char != ")" and pattern.match(text, position):
            parts.append(text[start:position].strip())
            start = position + len(word)
    parts.append(text[start:].strip())
    return parts


def _wrapped(text: str) -> bool:
    """Is the whole text one parenthesised group?"""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    return all(
        depth > 0 or position == len(text) - 1
        for position, char, depth in _unquoted(text)
        if char == ")"
    )


def _tokenize(expression: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = normalise(expression)
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
            return {"q": name, "op": "selected", "value": value}
        if token in (("word", "count-selected"), ("word", "string-length")):
            return self.presence(token[1])
        if token is not None and token[0] == "word" and token[1] not in ("date", "true", "false"):
            raise UnsupportedExpression(f"funktionen eller ordet ”{token[1]}” stöds inte")
        return self.comparison()

    def parenthesised(self) -> dict:
        self.take("punct", "(")
        condition = self.expression()
        self.take("punct", ")")
        return condition

    def presence(self, function: str) -> dict:
        """count-selected(${q}) > 0 and the like: is the question answered?"""
        self.position += 1
        self.take("punct", "(")
        name = self.reference()
        self.take("punct", ")")
        op, number = _OPS[self.take("op")], self.literal()
        answered = {"q": name, "op": "answered"}
        if (op, number) in _ANSWERED:
            return answered
        if (op, number) in _UNANSWERED:
            return {"not": answered}
        raise UnsupportedExpression(f"{function}(…) {_SYMBOLS[op]} {number} stöds inte")

    def comparison(self) -> dict:
        token = self.peek()
        if token is not None and token[0] in ("ref", "self"):
            name = self.reference()
            op = _OPS[self.take("op")]
            value = self.literal()
        else:
            value = self.literal()
            if self.peek() is None or self.peek()[0] != "op":
                # A lone literal: XPath's boolean() of it (1.5 and 'x' are true, 0 false).
                return ALWAYS if value not in (0, "", False) else {"any": []}
            op = _SWAPPED[_OPS[self.take("op")]]
            name = self.reference()
        if value == "" and op in ("eq", "ne"):
            answered = {"q": name, "op": "answered"}
            return answered if op == "ne" else {"not": answered}
        return {"q": name, "op": op, "value": value}

    def reference(self) -> str:
        token = self.peek()
        if token is not None and token[0] == "self":
            self.position += 1
            return SELF
        return self.take("ref")[2:-1].strip()

    def literal(self) -> Any:
        token = self.peek()
        if token in (("word", "true"), ("word", "false")):
            self.position += 1
            self.take("punct", "(")
            self.take("punct", ")")
            return token[1] == "true"
        if token == ("word", "date"):
            self.position += 1
            self.take("punct", "(")
            value = self.literal()
            self.take("punct", ")")
            return value
        if token is not None and token[0] == "string":
            self.position += 1
            return token[1][1:-1]
        if token is None or token[0] != "number":
            self.fail("ett värde ('text' eller tal)")
        self.position += 1
        return float(token[1]) if "." in token[1] else int(token[1])


def parse_relevant(expression: str) -> dict:
    """Translate an expression into a condition naming XLSForm fields in "q" (see module
    docstring); "selected" and "ne" leaves are settled by `resolve`."""
    return _Parser(expression).parse()


def resolve(condition: dict, questions: Mapping[str, dict], itself: dict | None = None) -> dict:
    """Point the condition's leaves at question ids and settle their XLSForm meaning.

    `questions` maps XLSForm names to the questions built so far (so only earlier ones);
    `itself` is the question "." stands for. Values are fitted to the question's type (a
    quoted number compared with a number question becomes a number, a bare number compared
    with a choice or text question becomes text), then the ops are translated as the module
    docstring says. Raises UnsupportedExpression for a name that is no earlier question.
    """
    if "q" in condition:
        return _resolve_leaf(condition, questions, itself)
    for combinator in ("all", "any"):
        if combinator in condition:
            return {combinator: [resolve(p, questions, itself) for p in condition[combinator]]}
    return {"not": resolve(condition["not"], questions, itself)}


def _resolve_leaf(leaf: dict, questions: Mapping[str, dict], itself: dict | None) -> dict:
    question = itself if leaf["q"] == SELF else questions.get(leaf["q"])
    if question is None:
        raise UnsupportedExpression(f"”${{{leaf['q']}}}” är ingen tidigare fråga")
    q = question["id"]
    if leaf["op"] == "answered":
        return {"q": q, "op": "answered"}
    op, value = leaf["op"], _fit_value(leaf["value"], question["type"])
    if op == "selected":
        return {"q": q, "op": "eq", "value": value}
    if op in ("eq", "ne"):
        equal = _equals(q, value, question)
        return equal if op == "eq" else {"not": equal}
    if question["type"] == "choice" and not question.get("multiple") and _is_number(value):
        numeric = [o["value"] for o in question["options"] if _as_number(o["value"]) is not None]
        if len(numeric) == len(question["options"]):
            chosen = [v for v in numeric if _COMPARE[op](_as_number(v), value)]
            return {"q": q, "op": "in", "value": chosen}
    return {"q": q, "op": op, "value": value}


def _equals(q: str, value: Any, question: dict) -> dict:
    """`${q} = value`: for a select_multiple the whole answer must be exactly that option."""
    equal = {"q": q, "op": "eq", "value": value}
    if question["type"] != "choice" or not question.get("multiple"):
        return equal
    others = [o["value"] for o in question["options"] if o["value"] != value]
    return {"all": [equal, {"not": {"q": q, "op": "in", "value": others}}]} if others else equal


def _fit_value(value: Any, question_type: str) -> Any:
    if question_type in ("integer", "number") and isinstance(value, str):
        number = _as_number(value)
        return value if number is None else number
    if question_type in ("choice", "text") and _is_number(value):
        return str(value)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(text: str) -> int | float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def referenced_names(condition: dict) -> list[str]:
    """The XLSForm names a parsed (unresolved) condition reads."""
    return [leaf["q"] for _, leaf in iter_leaves(condition)]


# --- Export: a condition as the XPath an XLSForm carries ---------------------------------


def to_xpath(condition: Mapping[str, Any], questions: Mapping[str, dict]) -> str:
    """The relevant expression that means in ODK what `condition` means in OTTO.

    `questions` maps question ids to questions (multiple choice is written with selected()).
    Leaves are false when unanswered in OTTO, so `ne` is written `${q} != '' and ...`.
    """
    if "q" in condition:
        return _leaf_xpath(condition, questions.get(condition["q"], {}))
    if "not" in condition:
        return f"not({to_xpath(condition['not'], questions)})"
    combinator = "all" if "all" in condition else "any"
    parts = [to_xpath(part, questions) for part in condition[combinator]]
    if not parts:
        return "true()" if combinator == "all" else "false()"
    joined = (" and " if combinator == "all" else " or ").join(
        f"({part})" if " or " in part or " and " in part else part for part in parts
    )
    return joined


def _leaf_xpath(leaf: Mapping[str, Any], question: Mapping[str, Any]) -> str:
    ref, op = f"${{{leaf['q']}}}", leaf["op"]
    multiple = question.get("type") == "choice" and question.get("multiple")
    if op == "answered":
        return f"{ref} != ''"
    value = leaf["value"]
    if op in ("eq", "ne"):
        test = f"selected({ref}, {_literal(value)})" if multiple else f"{ref} = {_literal(value)}"
        return test if op == "eq" else f"{ref} != '' and not({test})"
    if op == "in":
        tests = [_leaf_xpath({"q": leaf["q"], "op": "eq", "value": v}, question) for v in value]
        return " or ".join(tests) if tests else "false()"
    literal = _literal(value)
    if question.get("type") == "date":
        literal = f"date({literal})"
    return f"{ref} {_SYMBOLS[op]} {literal}"


def _literal(value: Any) -> str:
    if _is_number(value):
        return repr(value)
    if isinstance(value, bool):
        return "true()" if value else "false()"
    return f'"{value}"' if "'" in str(value) else f"'{value}'"
