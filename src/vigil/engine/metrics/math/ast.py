"""The expression tree the parser builds. Every node keeps the 1-based position it starts at."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Number:
    value: float
    position: int


@dataclass(frozen=True)
class String:
    value: str
    position: int


@dataclass(frozen=True)
class Ref:
    """The Id of another query of the request."""

    name: str
    position: int


@dataclass(frozen=True)
class Keyword:
    """A bare upper-case word that some functions take as an argument: REPEAT, LINEAR, ASC, DESC, AVG, ..."""

    name: str
    position: int


@dataclass(frozen=True)
class Unary:
    operator: str  # "-", "+" or "NOT"
    operand: Node
    position: int


@dataclass(frozen=True)
class Binary:
    operator: str  # arithmetic, comparison, or "AND" / "OR" (&& and || are read as these)
    left: Node
    right: Node
    position: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    position: int


@dataclass(frozen=True)
class ArrayOf:
    """``[m1, m2, METRICS("errors")]``: the series of each item, in order."""

    items: tuple[Node, ...]
    position: int


Node = Number | String | Ref | Keyword | Unary | Binary | Call | ArrayOf


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, ArrayOf):
        return node.items
    return ()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children."""
    found, pending = [], [node]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(reversed(children(current)))
    return found
