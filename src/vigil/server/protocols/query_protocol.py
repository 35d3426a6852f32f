"""awsQuery: a form-encoded ``Action=…&Version=…`` request, answered in XML."""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.model import OperationModel, Shape

from vigil.errors import ServiceError
from vigil.server.protocols import model
from vigil.server.protocols.base import Protocol, Reply, WireCall

_XML = {"content-type": "text/xml"}
# Characters XML 1.0 cannot carry even as references; a client's XML parser rejects the whole document.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", text))


class QueryProtocol(Protocol):
    wire = "query"

    def read(self, path: str, headers: Mapping[str, str], body: bytes, signing_service: str | None) -> WireCall:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise ServiceError("MalformedQueryString", "The request body is not valid UTF-8.") from None
        form = dict(pairs)
        action, version = form.pop("Action", ""), form.pop("Version", "")
        service = (signing_service and model.service_for_signing_name(signing_service)) or (
            model.service_for_api_version(version)
        )
        if not action:
            raise ServiceError("MissingAction", "The request must contain the parameter Action.")
        if service is None:
            raise ServiceError("InvalidAction", f"Could not find a service for Version {version!r}.")
        operation = model.operation_model(service, action)
        if operation is None:
            raise ServiceError("InvalidAction", f"The action {action} is not valid for this web service.")
        tree: dict[str, Any] = {}
        for key, value in form.items():
            _insert(tree, key.split("."), value)
        params = _from_tree(operation.input_shape, tree) if operation.input_shape is not None else {}
        return WireCall(service, action, params)

    def result(self, call: WireCall, operation: OperationModel, result: dict[str, Any], request_id: str) -> Reply:
        namespace = model.service_model(call.service).metadata.get("xmlNamespace", "")
        out: list[str] = [f'<{call.operation}Response xmlns="{namespace}">']
        shape = operation.output_shape
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper", f"{call.operation}Result")
            out.append(f"<{wrapper}>")
            _write_members(out, shape, result)
            out.append(f"</{wrapper}>")
        out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>")
        out.append(f"</{call.operation}Response>")
        return Reply(200, "".join(out).encode(), dict(_XML))

    def error(self, service: str, error: ServiceError, request_id: str) -> Reply:
        namespace = model.service_model(service).metadata.get("xmlNamespace", "")
        kind = "Sender" if error.sender else "Receiver"
        xmlns = f' xmlns="{namespace}"' if namespace else ""
        body = (
            f"<ErrorResponse{xmlns}><Error><Type>{kind}</Type><Code>{_xml(error.code)}</Code>"
            f"<Message>{_xml(error.message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return Reply(self.status_of(service, error), body.encode(), dict(_XML))


def _insert(tree: dict[str, Any], parts: list[str], value: str) -> None:
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node.setdefault(parts[-1], value)


def _name(shape: Shape, default: str) -> str:
    return shape.serialization.get("name", default)


def _indexed(node: Any) -> Any:
    """The values of ``{"1": a, "2": b}`` in index order; anything else is returned for the validator."""
    if not isinstance(node, dict) or not all(k.isdigit() for k in node):
        return node
    return [node[k] for k in sorted(node, key=int)]


def _from_tree(shape: Shape, node: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(node, dict):
            return node
        out = {}
        for name, member in shape.members.items():
            key = _name(member, name)
            if key in node:
                out[name] = _from_tree(member, node[key])
        return out
    if kind == "list":
        if node == "":
            return node
        items = (
            node
            if shape.serialization.get("flattened")
            else (node.get(_name(shape.member, "member")) if isinstance(node, dict) else node)
        )
        items = _indexed(items)
        if not isinstance(items, list):
            return items
        return [_from_tree(shape.member, item) for item in items]
    if kind == "map":
        entries = (
            node if shape.serialization.get("flattened") else (node.get("entry") if isinstance(node, dict) else node)
        )
        entries = _indexed(entries)
        if not isinstance(entries, list):
            return entries
        key_name, value_name = _name(shape.key, "key"), _name(shape.value, "value")
        out_map: dict[Any, Any] = {}
        for entry in entries:
            if isinstance(entry, dict) and key_name in entry:
                out_map[entry[key_name]] = _from_tree(shape.value, entry.get(value_name))
        return out_map
    return node


def _scalar_text(shape: Shape, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return _xml(str(value))


def _write_members(out: list[str], shape: Shape, value: dict[str, Any]) -> None:
    for name, member in shape.members.items():
        if name in value and value[name] is not None:
            _write(out, member, _name(member, name), value[name])


def _write(out: list[str], shape: Shape, tag: str, value: Any) -> None:
    kind = shape.type_name
    if kind == "structure":
        out.append(f"<{tag}>")
        _write_members(out, shape, value)
        out.append(f"</{tag}>")
    elif kind == "list":
        member_tag = _name(shape.member, "member")
        if shape.serialization.get("flattened"):
            for item in value:
                _write(out, shape.member, tag, item)
            return
        out.append(f"<{tag}>")
        for item in value:
            _write(out, shape.member, member_tag, item)
        out.append(f"</{tag}>")
    elif kind == "map":
        key_tag, value_tag = _name(shape.key, "key"), _name(shape.value, "value")
        flattened = shape.serialization.get("flattened")
        if not flattened:
            out.append(f"<{tag}>")
        for k, v in value.items():
            out.append(f"<{tag if flattened else 'entry'}>")
            _write(out, shape.key, key_tag, k)
            _write(out, shape.value, value_tag, v)
            out.append(f"</{tag if flattened else 'entry'}>")
        if not flattened:
            out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_scalar_text(shape, value)}</{tag}>")
