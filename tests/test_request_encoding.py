"""Request bodies may arrive gzipped (Content-Encoding: gzip), as the SDK sends them to a remote server."""

from __future__ import annotations

import gzip
import http.client
import json
import urllib.parse
from typing import Any

from vigil.testing import VigilServer


def post(vigil: VigilServer, body: bytes, encoding: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
    address = urllib.parse.urlsplit(vigil.endpoint_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.CreateLogGroup"}
    if encoding:
        headers["Content-Encoding"] = encoding
    connection.request("POST", "/", body=body, headers=headers)
    response = connection.getresponse()
    reply = response.read()
    connection.close()
    return response.status, json.loads(reply or b"{}"), {k.lower(): v for k, v in response.getheaders()}


def test_a_gzipped_body_is_read_as_if_it_were_plain(vigil: VigilServer, logs_client: Any) -> None:
    status, _, _ = post(vigil, gzip.compress(b'{"logGroupName": "/zipped"}'), "gzip")
    assert status == 200
    assert [g["logGroupName"] for g in logs_client.describe_log_groups()["logGroups"]] == ["/zipped"]


def test_every_reply_says_the_server_accepts_gzip(vigil: VigilServer) -> None:
    _, _, headers = post(vigil, b'{"logGroupName": "/plain"}', None)
    assert headers["accept-encoding"] == "gzip"


def test_a_corrupt_gzip_body_is_a_serialization_error(vigil: VigilServer) -> None:
    status, reply, _ = post(vigil, b"\x1f\x8b\x08not gzip at all", "gzip")
    assert status == 400
    assert reply["__type"].endswith("SerializationException")
    assert "gzip" in reply["message"]


def test_a_body_that_inflates_beyond_the_limit_is_refused(vigil: VigilServer) -> None:
    bomb = gzip.compress(b" " * (9 * 1024 * 1024))  # the default limit is 8 MiB
    status, reply, _ = post(vigil, bomb, "gzip")
    assert status == 413
    assert "inflates" in reply["message"]


def test_an_unknown_content_encoding_is_refused_by_name(vigil: VigilServer) -> None:
    status, reply, _ = post(vigil, b"{}", "br")
    assert status == 400
    assert "'br'" in reply["message"]
