"""What Publish accepts: the message, its subject, MessageStructure=json and message attributes, checked as
AWS checks them (docs: Publish, "Amazon SNS message attributes"), and the size that counts toward 256 KB."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from vigil.errors import ServiceError

MAX_MESSAGE_BYTES = 262_144
MAX_ATTRIBUTES = 10
MAX_SUBJECT_CHARS = 100
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
_SUBJECT = re.compile(r"[\x20-\x7e]+")  # ASCII text, no line breaks or control characters
_TYPE_PREFIXES = ("String", "Number", "Binary")

Attributes = Mapping[str, Mapping[str, str]]  # name -> {"DataType", "StringValue" | "BinaryValue" (base64)}


def invalid(what: str) -> ServiceError:
    return ServiceError("InvalidParameter", f"Invalid parameter: {what}")


def _bad_value(message: str) -> ServiceError:
    return ServiceError("ParameterValueInvalid", message)


@dataclass(frozen=True)
class Message:
    """A message ready to fan out: per-protocol texts when MessageStructure is json."""

    default: str
    subject: str | None = None
    attributes: Attributes = field(default_factory=dict)
    per_protocol: Mapping[str, str] = field(default_factory=dict)

    def text_for(self, protocol: str) -> str:
        return self.per_protocol.get(protocol, self.default)


def attributes_from_api(raw: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, str]]:
    """MessageAttributes as the API gives them (BinaryValue as bytes) in the form Vigil keeps."""
    out: dict[str, dict[str, str]] = {}
    for name, value in (raw or {}).items():
        entry = {"DataType": str(value.get("DataType", ""))}
        if value.get("StringValue") is not None:
            entry["StringValue"] = str(value["StringValue"])
        elif value.get("BinaryValue") is not None:
            binary = value["BinaryValue"]
            entry["BinaryValue"] = base64.b64encode(binary).decode() if isinstance(binary, bytes) else str(binary)
        out[name] = entry
    return out


def check_attributes(attributes: Attributes) -> None:
    if len(attributes) > MAX_ATTRIBUTES:
        raise _bad_value(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum [{MAX_ATTRIBUTES}]."
        )
    for name, value in attributes.items():
        lowered = name.lower()
        if (
            not _ATTRIBUTE_NAME.fullmatch(name)
            or ".." in name
            or name.startswith(".")
            or name.endswith(".")
            or lowered.startswith(("aws.", "amazon."))
        ):
            raise _bad_value(f"The message attribute name '{name}' is invalid.")
        data_type = value.get("DataType", "")
        if data_type.split(".", 1)[0] not in _TYPE_PREFIXES or data_type.endswith("."):
            raise _bad_value(
                f"The message attribute '{name}' has an invalid message attribute type, the set of supported type "
                "prefixes is Binary, Number, and String."
            )
        kind = data_type.split(".", 1)[0]
        text = value.get("BinaryValue" if kind == "Binary" else "StringValue")
        if not text:
            raise _bad_value(
                f"The message attribute '{name}' must contain non-empty message attribute value for message "
                f"attribute type '{kind}'."
            )
        if kind == "Number":
            try:
                float(text)
            except ValueError:
                raise _bad_value(
                    f"Could not cast message attribute '{name}' value to number."
                ) from None  # fmt: skip
        if data_type == "String.Array":
            try:
                items = orjson.loads(text)
            except orjson.JSONDecodeError:
                items = None
            if not isinstance(items, list) or any(isinstance(i, dict | list) for i in items):
                raise _bad_value(
                    f"The message attribute '{name}' with type 'String.Array' must be a JSON array of strings, "
                    "numbers, true, false or null."
                )


def size_of(message: str, attributes: Attributes) -> int:
    """Bytes counted toward the 256 KB limit: the message, and each attribute's name, type and value."""
    total = len(message.encode())
    for name, value in attributes.items():
        payload = value.get("StringValue")
        size = len(payload.encode()) if payload is not None else len(base64.b64decode(value.get("BinaryValue", "")))
        total += len(name.encode()) + len(value["DataType"].encode()) + size
    return total


def prepare(
    message: str,
    subject: str | None,
    structure: str | None,
    attributes: Attributes,
) -> Message:
    """The message a Publish (or one PublishBatch entry) describes, or AWS's error."""
    if not message:
        raise invalid("Empty message")
    if subject is not None and (len(subject) > MAX_SUBJECT_CHARS or not _SUBJECT.fullmatch(subject)):
        raise invalid("Subject")
    check_attributes(attributes)
    if size_of(message, attributes) > MAX_MESSAGE_BYTES:
        raise invalid("Message too long")
    if structure is None:
        return Message(message, subject, attributes)
    if structure != "json":
        raise invalid("MessageStructure")
    try:
        document = orjson.loads(message)
    except orjson.JSONDecodeError:
        raise invalid("Message Structure - No JSON message body is parseable") from None
    if not isinstance(document, dict):
        raise invalid("Message Structure - No JSON message body is parseable")
    if not isinstance(document.get("default"), str):
        raise invalid("Message Structure - No default entry in JSON message body")
    texts = {k: v for k, v in document.items() if isinstance(v, str)}
    return Message(texts["default"], subject, attributes, texts)
