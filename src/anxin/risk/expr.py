"""A small, safe expression language for rule conditions, built on Python's `ast`.

A condition reads like Python — `new_payee and amount >= 5000 and device_age_min < 30` —
but only a whitelist of nodes is accepted: names of catalogued features, literals,
`and`/`or`/`not`, comparisons (chains, `in` a literal list), and `+ - * /`. Attribute
access, calls, subscripts, lambdas, comprehensions and everything else are refused when the
rule is loaded, with the column, so nothing a rule author writes can reach Python itself.
Nothing is passed to `eval`: the checked tree is turned into a chain of closures.

Types are checked at load time too, because a type error found at 3 am on the hot path is
a rule that silently never fires. Money features are Decimal, so decimal literals in a
condition (`amount > 999.99`) become Decimal, and mixing money with a float statistic in
arithmetic is refused; comparing them is fine (Python compares Decimal and float exactly).
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from anxin.core.errors import InvalidInput

Fn = Callable[[Mapping[str, Any]], Any]
Type = Literal["bool", "text", "int", "decimal", "float", "literal", "list"]
"""`literal` is a fractional constant, Decimal or float depending on what it meets."""

MAX_SOURCE: Final = 2000
NUMERIC: Final = frozenset({"int", "decimal", "float", "literal"})
FEATURE_TYPES: Final[dict[str, Type]] = {
    "bool": "bool",
    "int": "int",
    "float": "float",
    "money": "decimal",
    "text": "text",
}

_REFUSED: Final[dict[type[ast.AST], str]] = {
    ast.Attribute: "attribute access",
    ast.Call: "function calls",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.NamedExpr: "assignment",
    ast.IfExp: "conditional expressions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Starred: "starred expressions",
    ast.JoinedStr: "f-strings",
    ast.Dict: "dictionaries",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}

_COMPARE: Final[dict[type[ast.cmpop], Callable[[Any, Any], bool]]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
# `feature OP constant` is by far the most common shape; one closure call each.
_NAME_CONST: Final[dict[type[ast.cmpop], Callable[[str, Any], Fn]]] = {
    ast.Lt: lambda n, c: lambda f: f[n] < c,
    ast.LtE: lambda n, c: lambda f: f[n] <= c,
    ast.Gt: lambda n, c: lambda f: f[n] > c,
    ast.GtE: lambda n, c: lambda f: f[n] >= c,
    ast.Eq: lambda n, c: lambda f: f[n] == c,
    ast.NotEq: lambda n, c: lambda f: f[n] != c,
    ast.In: lambda n, c: lambda f: f[n] in c,
    ast.NotIn: lambda n, c: lambda f: f[n] not in c,
}
_ARITHMETIC: Final[dict[type[ast.operator], Callable[[Any, Any], Any]]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


@dataclass(frozen=True, slots=True)
class Condition:
    """A checked, compiled condition. Division by zero raises ZeroDivisionError at runtime;
    the rule engine treats that as "does not match"."""

    source: str
    names: frozenset[str]
    evaluate: Fn


def compile_condition(source: str, features: Mapping[str, str]) -> Condition:
    """Check `source` against the whitelist and the feature catalogue (name -> kind), then
    compile it. Raises `InvalidInput` with a message a rule author can act on."""
    if not isinstance(source, str) or not source.strip():
        raise InvalidInput("a condition must be a non-empty string")
    if len(source) > MAX_SOURCE:
        raise InvalidInput(f"a condition may be at most {MAX_SOURCE} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise InvalidInput(f"syntax error at column {exc.offset}: {exc.msg}") from None
    checker = _Checker(source.strip(), features)
    kind = checker.check(tree.body)
    if kind != "bool":
        raise InvalidInput(f"a condition must be true or false, this one is {kind}")
    return Condition(source, frozenset(checker.names), checker.compile(tree.body))


class _Checker:
    def __init__(self, source: str, features: Mapping[str, str]) -> None:
        self.source = source
        self.features = features
        self.names: set[str] = set()
        self.types: dict[int, Type] = {}

    def fail(self, node: ast.AST, message: str) -> InvalidInput:
        column = getattr(node, "col_offset", -1) + 1
        return InvalidInput(f"{message} (column {column})")

    def check(self, node: ast.expr) -> Type:
        kind = self._check(node)
        self.types[id(node)] = kind
        return kind

    def _check(self, node: ast.expr) -> Type:
        if type(node) in _REFUSED:
            raise self.fail(node, f"{_REFUSED[type(node)]} are not allowed in a condition")
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                if self.check(value) != "bool":
                    raise self.fail(value, "`and`/`or` need true/false operands")
            return "bool"
        if isinstance(node, ast.UnaryOp):
            operand = self.check(node.operand)
            if isinstance(node.op, ast.Not):
                if operand != "bool":
                    raise self.fail(node, "`not` needs a true/false operand")
                return "bool"
            if isinstance(node.op, ast.USub | ast.UAdd) and operand in NUMERIC:
                return operand
            raise self.fail(node, "this unary operator is not allowed here")
        if isinstance(node, ast.BinOp):
            return self._arithmetic(node)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            raise self.fail(node, "a list may only follow `in` or `not in`")
        raise self.fail(node, f"{type(node).__name__} is not allowed in a condition")

    def _name(self, node: ast.Name) -> Type:
        kind = self.features.get(node.id)
        if kind is None:
            close = difflib.get_close_matches(node.id, list(self.features), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.fail(node, f"unknown feature {node.id!r}{hint}")
        self.names.add(node.id)
        return FEATURE_TYPES[kind]

    def _constant(self, node: ast.Constant) -> Type:
        value = node.value
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "int"
        if isinstance(value, float):
            return "literal"
        if isinstance(value, str):
            return "text"
        raise self.fail(node, f"the constant {value!r} is not allowed")

    def _arithmetic(self, node: ast.BinOp) -> Type:
        if type(node.op) not in _ARITHMETIC:
            raise self.fail(node, "only + - * / are allowed")
        left, right = self.check(node.left), self.check(node.right)
        if left not in NUMERIC or right not in NUMERIC:
            raise self.fail(node, "arithmetic needs numbers on both sides")
        kinds = {left, right}
        if "float" in kinds and "decimal" in kinds:
            raise self.fail(node, "cannot do arithmetic between money and a float statistic")
        if "float" in kinds:
            return "float"
        if kinds == {"int"}:
            return "float" if isinstance(node.op, ast.Div) else "int"
        return "decimal"

    def _compare(self, node: ast.Compare) -> Type:
        left = self.check(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.Is | ast.IsNot):
                raise self.fail(node, "`is` is not allowed; use ==")
            if isinstance(op, ast.In | ast.NotIn):
                self._members(right_node, left)
                right: Type = "list"
            else:
                right = self.check(right_node)
                ordered = not isinstance(op, ast.Eq | ast.NotEq)
                if not (
                    (left in NUMERIC and right in NUMERIC)
                    or (not ordered and left == right and left in ("text", "bool"))
                ):
                    raise self.fail(node, f"cannot compare {left} with {right} this way")
            left = right
        return "bool"

    def _members(self, node: ast.expr, element: Type) -> None:
        if not isinstance(node, ast.List | ast.Tuple | ast.Set):
            raise self.fail(node, '`in` needs a literal list, such as ("a", "b")')
        for item in node.elts:
            if not isinstance(item, ast.Constant):
                raise self.fail(item, "a list may only hold constants")
            kind = self._constant(item)
            if not (kind == element or (kind in NUMERIC and element in NUMERIC)):
                raise self.fail(item, f"a {kind} in a list compared with a {element}")
        self.types[id(node)] = "list"

    # -- compilation (only ever sees checked trees) -------------------------------------

    def compile(self, node: ast.expr, as_float: bool = False) -> Fn:
        if isinstance(node, ast.Name):
            return operator.itemgetter(node.id)
        if isinstance(node, ast.Constant):
            value = self._value(node, as_float)
            return lambda _f: value
        if isinstance(node, ast.BoolOp):
            parts = [self.compile(value) for value in node.values]
            return _all(parts) if isinstance(node.op, ast.And) else _any(parts)
        if isinstance(node, ast.UnaryOp):
            operand = self.compile(node.operand, as_float)
            if isinstance(node.op, ast.Not):
                return lambda f: not operand(f)
            if isinstance(node.op, ast.USub):
                return lambda f: -operand(f)
            return operand
        if isinstance(node, ast.BinOp):
            floaty = self.types[id(node)] == "float"
            left, right = self.compile(node.left, floaty), self.compile(node.right, floaty)
            apply = _ARITHMETIC[type(node.op)]
            return lambda f: apply(left(f), right(f))
        assert isinstance(node, ast.Compare)
        return self._compile_compare(node)

    def _compile_compare(self, node: ast.Compare) -> Fn:
        operands = [node.left, *node.comparators]
        floaty = any(self.types.get(id(o)) == "float" for o in operands)
        steps: list[Fn] = []
        for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
            if isinstance(left, ast.Name) and isinstance(
                right, ast.Constant | ast.List | ast.Tuple | ast.Set
            ):
                steps.append(_NAME_CONST[type(op)](left.id, self._operand_value(right, floaty)))
                continue
            left_fn, right_fn = self.compile(left, floaty), self.compile_operand(right, floaty)
            steps.append(_compare(_COMPARE[type(op)], left_fn, right_fn))
        return steps[0] if len(steps) == 1 else _all(steps)

    def compile_operand(self, node: ast.expr, as_float: bool) -> Fn:
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            members = self._operand_value(node, as_float)
            return lambda _f: members
        return self.compile(node, as_float)

    def _operand_value(self, node: ast.expr, as_float: bool) -> Any:
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return frozenset(self._value(item, as_float) for item in node.elts)  # type: ignore[arg-type]
        assert isinstance(node, ast.Constant)
        return self._value(node, as_float)

    def _value(self, node: ast.Constant, as_float: bool) -> Any:
        value = node.value
        if isinstance(value, float) and not as_float:
            # The literal's own text, so 0.1 is exactly one tenth rather than float(0.1).
            text = ast.get_source_segment(self.source, node) or repr(value)
            return Decimal(text.replace("_", ""))
        return value


def _compare(test: Callable[[Any, Any], bool], left: Fn, right: Fn) -> Fn:
    return lambda f: test(left(f), right(f))


def _all(parts: list[Fn]) -> Fn:
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) and b(f)
    if len(parts) == 3:
        a, b, c = parts
        return lambda f: a(f) and b(f) and c(f)

    if len(parts) == 4:
        a, b, c, d = parts
        return lambda f: a(f) and b(f) and c(f) and d(f)

    def every(f: Mapping[str, Any]) -> bool:
        for part in parts:  # noqa: SIM110 (a generator in all() costs twice as much here)
            if not part(f):
                return False
        return True

    return every


def _any(parts: list[Fn]) -> Fn:
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) or b(f)

    def some(f: Mapping[str, Any]) -> bool:
        for part in parts:  # noqa: SIM110 (a generator in any() costs twice as much here)
            if part(f):
                return True
        return False

    return some
