"""SNS subscription filter policies: validation as SetSubscriptionAttributes does it, and matching.

A policy maps property names to a list of conditions, any of which may match (OR); every property must match
(AND); ``"$or": [policy, …]`` joins alternative sub-policies. Conditions: exact strings and numbers, ``null``,
``true``/``false`` (message body), ``prefix``, ``suffix``, ``equals-ignore-case``, ``anything-but`` (values,
or a ``prefix``/``suffix``/``equals-ignore-case``), ``numeric`` (``=`` or a range), ``exists`` and ``cidr``.
With the MessageAttributes scope a property is a message attribute (String, String.Array, Number; Binary
attributes never match a value); with the MessageBody scope it is a key of the JSON body, nested objects naming
nested keys. Sources: AWS's "Amazon SNS subscription filter policies" and "filter policy constraints" pages.
"""

from __future__ import annotations

import functools
import ipaddress
import math
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from vigil.errors import ServiceError

MAX_KEYS = 5
MAX_COMBINATIONS = 150
NUMERIC_LIMIT = 1e9
MAX_POLICY_BYTES = 256 * 1024

Matcher = Callable[[Any], bool]  # one value present in the message -> matches?
_MISSING = object()


def _invalid(reason: str) -> ServiceError:
    return ServiceError("InvalidParameter", f"Invalid parameter: FilterPolicy: {reason}")


class _Leaf:
    """The conditions on one property; ``exists`` conditions are decided by presence alone."""

    def __init__(self, matchers: list[Matcher], exists: list[bool]) -> None:
        self.matchers = matchers
        self.exists = exists

    def matches(self, values: list[Any] | object) -> bool:
        present = values is not _MISSING
        if any(want == present for want in self.exists):
            return True
        if not present:
            return False
        assert isinstance(values, list)
        return any(m(v) for m in self.matchers for v in values)


class _Node:
    """Properties that must all match, plus ``$or`` groups of which one sub-policy must match."""

    def __init__(self, leaves: dict[str, _Leaf], children: dict[str, _Node], alternatives: list[list[_Node]]) -> None:
        self.leaves = leaves
        self.children = children
        self.alternatives = alternatives


class FilterPolicy:
    def __init__(self, root: _Node, scope: str) -> None:
        self._root = root
        self.scope = scope

    def matches_attributes(self, attributes: Mapping[str, Mapping[str, str]]) -> bool:
        return _match_node(self._root, lambda name: _attribute_values(attributes.get(name)))

    def matches_body(self, message: str) -> bool:
        try:
            body = orjson.loads(message)
        except orjson.JSONDecodeError:
            return False
        if not isinstance(body, dict):
            return False
        return _match_body(self._root, [body])


def _match_node(node: _Node, values_of: Callable[[str], list[Any] | object]) -> bool:
    if not all(leaf.matches(values_of(name)) for name, leaf in node.leaves.items()):
        return False
    return all(any(_match_node(alt, values_of) for alt in group) for group in node.alternatives)


def _match_body(node: _Node, objects: list[dict[str, Any]]) -> bool:
    """``objects``: the JSON objects at this depth (several when an array of objects was crossed)."""

    def values_of(name: str) -> list[Any] | object:
        found: list[Any] = []
        seen = False
        for obj in objects:
            if name in obj:
                seen = True
                value = obj[name]
                found.extend(value if isinstance(value, list) else [value])
        return found if seen else _MISSING

    if not all(leaf.matches(values_of(name)) for name, leaf in node.leaves.items()):
        return False
    for name, child in node.children.items():
        inner = [obj[name] for obj in objects if name in obj]
        nested = [o for v in inner for o in (v if isinstance(v, list) else [v]) if isinstance(o, dict)]
        if not _match_body(child, nested):
            return False
    return all(any(_match_body(alt, objects) for alt in group) for group in node.alternatives)


def _attribute_values(attribute: Mapping[str, str] | None) -> list[Any] | object:
    if attribute is None:
        return _MISSING
    data_type = attribute.get("DataType", "String")
    if "StringValue" not in attribute:
        return []  # Binary: present, but no value to compare
    text = attribute["StringValue"]
    if data_type == "String.Array":
        try:
            items = orjson.loads(text)
        except orjson.JSONDecodeError:
            return []
        return items if isinstance(items, list) else []
    if data_type.split(".", 1)[0] == "Number":
        try:
            return [float(text)]
        except ValueError:
            return []
    return [text]


# ---- compiling -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def compile_policy(text: str, scope: str = "MessageAttributes") -> FilterPolicy:
    """The policy in ``text``, or InvalidParameter with AWS's reason."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise _invalid("Filter policy is too large")
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise _invalid("failed to parse JSON.") from None
    if not isinstance(document, dict):
        raise _invalid("Filter policy must be a JSON object")
    nested = scope == "MessageBody"
    root = _compile_node(document, nested)
    keys = _count_keys(document)
    if keys > MAX_KEYS:
        raise _invalid(f"Filter policy can not have more than {MAX_KEYS} keys")
    if _combinations(document) > MAX_COMBINATIONS:
        raise _invalid("Filter policy is too complex")
    return FilterPolicy(root, scope)


def _compile_node(document: Mapping[str, Any], nested: bool) -> _Node:
    leaves: dict[str, _Leaf] = {}
    children: dict[str, _Node] = {}
    alternatives: list[list[_Node]] = []
    for key, value in document.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(v, dict) for v in value):
                raise _invalid('"$or" must be a list of at least two filter policies')
            alternatives.append([_compile_node(v, nested) for v in value])
        elif isinstance(value, dict):
            if not nested:
                raise ServiceError(
                    "InvalidParameter",
                    "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy",
                )
            children[key] = _compile_node(value, nested)
        elif isinstance(value, list):
            if not value:
                raise _invalid(f"Empty arrays are not allowed (key {key})")
            leaves[key] = _compile_leaf(value)
        else:
            raise _invalid(f'"{key}" must be an object or an array')
    return _Node(leaves, children, alternatives)


def _compile_leaf(conditions: list[Any]) -> _Leaf:
    matchers: list[Matcher] = []
    exists: list[bool] = []
    for condition in conditions:
        if isinstance(condition, dict):
            if len(condition) != 1:
                raise _invalid("Only one key allowed in match expression")
            ((operator, operand),) = condition.items()
            if operator == "exists":
                if not isinstance(operand, bool):
                    raise _invalid("exists match pattern must be either true or false.")
                exists.append(operand)
            else:
                matchers.append(_operator(operator, operand))
        else:
            matchers.append(_exact(condition))
    return _Leaf(matchers, exists)


def _exact(value: Any) -> Matcher:
    if isinstance(value, bool) or value is None:
        return lambda v: type(v) is type(value) and v == value
    if isinstance(value, int | float):
        number = _check_number(value)
        return lambda v: _is_number(v) and math.isclose(float(v), number, rel_tol=0, abs_tol=1e-5)
    if isinstance(value, str):
        return lambda v: isinstance(v, str) and v == value
    raise _invalid("Match value must be String, number, true, false, or null")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _check_number(value: Any) -> float:
    if not _is_number(value):
        raise _invalid("Value of numeric must be numeric")
    if not -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT:
        raise _invalid(f"Numeric match values must be between -{NUMERIC_LIMIT:.0e} and {NUMERIC_LIMIT:.0e}")
    return float(value)


def _text_operand(name: str, operand: Any) -> str:
    if not isinstance(operand, str):
        raise _invalid(f"{name} match pattern must be a string")
    return operand


def _operator(operator: str, operand: Any) -> Matcher:
    if operator == "prefix":
        prefix = _text_operand("prefix", operand)
        return lambda v: _is_text(v) and v.startswith(prefix)
    if operator == "suffix":
        suffix = _text_operand("suffix", operand)
        return lambda v: _is_text(v) and v.endswith(suffix)
    if operator == "equals-ignore-case":
        folded = _text_operand("equals-ignore-case", operand).casefold()
        return lambda v: _is_text(v) and v.casefold() == folded
    if operator == "anything-but":
        return _anything_but(operand)
    if operator == "numeric":
        return _numeric(operand)
    if operator == "cidr":
        try:
            network = ipaddress.ip_network(_text_operand("cidr", operand), strict=False)
        except ValueError:
            raise _invalid(f"Malformed CIDR, one '/' required: {operand}") from None
        return lambda v: _is_text(v) and _in_network(v, network)
    raise _invalid(f"Unrecognized match type {operator}")


def _in_network(value: str, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        return ipaddress.ip_address(value) in network
    except ValueError:
        return False


def _anything_but(operand: Any) -> Matcher:
    if isinstance(operand, dict):
        if len(operand) != 1 or next(iter(operand)) not in ("prefix", "suffix", "equals-ignore-case"):
            raise _invalid("Unsupported anything-but pattern")
        inner = _operator(*next(iter(operand.items())))
        return lambda v: _is_text(v) and not inner(v)
    values = operand if isinstance(operand, list) else [operand]
    if not values or not all(_is_number(v) or isinstance(v, str) for v in values):
        raise _invalid("Inside anything but list, start|null|boolean is not supported.")
    excluded = [_exact(v) for v in values]
    return lambda v: (_is_number(v) or _is_text(v)) and not any(m(v) for m in excluded)


_LOWER = {">": float.__gt__, ">=": float.__ge__}
_UPPER = {"<": float.__lt__, "<=": float.__le__}


def _numeric(operand: Any) -> Matcher:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise _invalid("Value of numeric must be an array.")
    if operand[0] == "=":
        if len(operand) != 2:
            raise _invalid("Bad numeric range operator: =")
        target = _check_number(operand[1])
        return lambda v: _is_number(v) and math.isclose(float(v), target, rel_tol=0, abs_tol=1e-5)
    tests: list[Callable[[float], bool]] = []
    seen_lower = seen_upper = False
    for op, bound in zip(operand[::2], operand[1::2], strict=True):
        limit = _check_number(bound)
        if op in _LOWER and not seen_lower and not seen_upper:
            seen_lower = True
            tests.append(functools.partial(lambda f, b, x: f(x, b), _LOWER[op], limit))
        elif op in _UPPER and not seen_upper:
            seen_upper = True
            tests.append(functools.partial(lambda f, b, x: f(x, b), _UPPER[op], limit))
        else:
            raise _invalid(f"Bad numeric range operator: {op}")
    return lambda v: _is_number(v) and all(t(float(v)) for t in tests)


def _count_keys(document: Mapping[str, Any]) -> int:
    """Leaf properties, counting each ``$or`` branch's keys."""
    count = 0
    for key, value in document.items():
        if key == "$or" and isinstance(value, list):
            count += sum(_count_keys(v) for v in value if isinstance(v, dict))
        elif isinstance(value, dict):
            count += _count_keys(value)
        else:
            count += 1
    return count


def _combinations(document: Mapping[str, Any]) -> int:
    """AWS's complexity: the product of the value counts of the properties, ``$or`` branches added up."""
    total = 1
    for key, value in document.items():
        if key == "$or" and isinstance(value, list):
            total *= sum(_combinations(v) for v in value if isinstance(v, dict))
        elif isinstance(value, dict):
            total *= _combinations(value)
        elif isinstance(value, list):
            total *= max(len(value), 1)
    return total


def accepts(policy: FilterPolicy | None, message: str, attributes: Mapping[str, Mapping[str, str]]) -> bool:
    if policy is None:
        return True
    if policy.scope == "MessageBody":
        return policy.matches_body(message)
    return policy.matches_attributes(attributes)
