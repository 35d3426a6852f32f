"""The one error type every layer raises: an AWS error code and a message.

The engine and the services raise it with the code the AWS service itself would use; the protocol
layer alone decides how it travels (HTTP status from the service model, JSON, XML or CBOR body).
"""

from __future__ import annotations


class ServiceError(Exception):
    """An error a client should see, named by its AWS error code."""

    def __init__(self, code: str, message: str, *, status: int | None = None, sender: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender

    def __repr__(self) -> str:
        return f"ServiceError({self.code!r}, {self.message!r})"


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message)
