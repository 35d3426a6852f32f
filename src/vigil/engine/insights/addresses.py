"""IP address functions. Subnets must be literal CIDR strings: each becomes a numeric range (IPv4) or a
range of 32-digit hex strings (IPv6) here, so a row only pays for converting its own address."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from vigil.engine.insights import ast, values
from vigil.engine.insights.expressions import ExprCompiler
from vigil.engine.insights.plan import Kind, X, lit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
# IANA special-purpose ranges other than the private ones (RFC 6890 and its updates).
RESERVED = (
    "0.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "::ffff:0:0/96",
    "64:ff9b::/96",
    "100::/64",
    "2001::/23",
    "2001:db8::/32",
    "fe80::/10",
    "ff00::/8",
)


def v4_number(address: X) -> X:
    return X("ipv4_number", (address,), Kind.NUM)


def v6_hex(address: X) -> X:
    return X("ipv6_hex", (address,), Kind.STR)


def in_network(address: X, network: Network) -> X:
    if network.version == 4:
        low, high = int(network.network_address), int(network.broadcast_address)
        return X("between", (v4_number(address), lit(low), lit(high)), Kind.BOOL)
    low_hex = f"{int(network.network_address):032x}"
    high_hex = f"{int(network.broadcast_address):032x}"
    return X("between", (v6_hex(address), lit(low_hex), lit(high_hex)), Kind.BOOL)


def in_any(address: X, cidrs: tuple[str, ...]) -> X:
    tests = [in_network(address, ipaddress.ip_network(cidr)) for cidr in cidrs]
    result = tests[0]
    for test in tests[1:]:
        result = values.boolean("or", result, test)
    return values.boolean("false_if_null", result)


def _address(c: ExprCompiler, call: ast.Call) -> X:
    return values.text(c.compile(call.args[0]))


def _valid(version: int | None) -> Callable[[ExprCompiler, ast.Call], X]:
    def build(c: ExprCompiler, call: ast.Call) -> X:
        address = _address(c, call)
        v4 = values.present(v4_number(address))
        v6 = values.present(v6_hex(address))
        return v4 if version == 4 else v6 if version == 6 else values.boolean("or", v4, v6)

    return build


def _subnet(version: int | None) -> Callable[[ExprCompiler, ast.Call], X]:
    def build(c: ExprCompiler, call: ast.Call) -> X:
        cidr = call.args[1]
        try:
            if not isinstance(cidr, ast.StringLit):
                raise ValueError
            network = ipaddress.ip_network(cidr.value, strict=False)
        except ValueError:
            raise c.error(cidr, f'{call.name}() takes a literal CIDR such as "10.0.0.0/8" as its subnet') from None
        if version is not None and network.version != version:
            raise c.error(cidr, f"{call.name}() takes an IPv{version} subnet")
        return values.boolean("false_if_null", in_network(_address(c, call), network))

    return build


def _ipv4_to_number(c: ExprCompiler, call: ast.Call) -> X:
    return v4_number(_address(c, call))


def _private(c: ExprCompiler, call: ast.Call) -> X:
    return in_any(_address(c, call), PRIVATE)


def _reserved(c: ExprCompiler, call: ast.Call) -> X:
    return in_any(_address(c, call), RESERVED)


def _public(c: ExprCompiler, call: ast.Call) -> X:
    address = _address(c, call)
    valid = values.boolean("or", values.present(v4_number(address)), values.present(v6_hex(address)))
    special = values.boolean("or", in_any(address, PRIVATE), in_any(address, RESERVED))
    return values.boolean("and", valid, values.boolean("not", special))


BUILDERS: dict[str, Callable[[ExprCompiler, ast.Call], X]] = {
    "isvalidip": _valid(None),
    "isvalidipv4": _valid(4),
    "isvalidipv6": _valid(6),
    "isipinsubnet": _subnet(None),
    "isipv4insubnet": _subnet(4),
    "isipv6insubnet": _subnet(6),
    "ipv4tonumber": _ipv4_to_number,
    "isprivateip": _private,
    "isreservedip": _reserved,
    "ispublicip": _public,
}
