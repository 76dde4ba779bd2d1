"""One HTTP request to an acquirer with the standard library, with a timeout on every step.

Anything that leaves the lane unsure whether the request arrived or what was answered (a refused
or reset connection, a timeout, a truncated body) raises ``NoAnswer``: the caller queries before
it does anything else. The reason it carries is our own words, never the peer's text.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from pos_tui.i18n import N_

MAX_BODY = 1 << 20
"""An answer longer than this (1 MiB) is not an acquirer's answer; bills get their own limit."""


class NoAnswer(Exception):
    """No usable answer: the request may or may not have been taken."""


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def request(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
            timeout: float = 10.0, max_body: int = MAX_BODY) -> HttpAnswer:
    """Send one request; the answer whatever its status, or NoAnswer."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context())
    elif parts.scheme == "http":
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    else:
        raise NoAnswer(N_("not an http(s) URL"))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read(max_body + 1)
        if len(data) > max_body:
            raise NoAnswer(N_("the answer is too long"))
        return HttpAnswer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    except (socket.timeout, TimeoutError):
        raise NoAnswer(N_("timed out")) from None
    except ssl.SSLError:
        raise NoAnswer(N_("TLS failed")) from None
    except (ConnectionError, http.client.HTTPException, OSError):
        raise NoAnswer(N_("connection lost")) from None
    finally:
        connection.close()


def refuse_server_errors(answer: HttpAnswer) -> HttpAnswer:
    """A 5xx says nothing about the trade: it is no answer (the caller queries)."""
    if answer.status >= 500:
        raise NoAnswer(N_("server error"))
    return answer
