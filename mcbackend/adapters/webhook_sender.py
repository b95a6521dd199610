"""Sends one webhook request: resolve, check every address against the target policy, then
connect to the checked address (so a DNS answer cannot change between check and connect).
Redirects are not followed; any answer but 2xx is a failure the dispatcher retries."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass

from mcbackend.domain.errors import MCError
from mcbackend.domain.webhooks import Target, TargetPolicy, check_resolved, parse_target

_MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "mcbackend-webhooks/1"


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    error: str | None
    response_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _resolve(target: Target) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, policy: TargetPolicy
) -> SendResult:
    """POST ``body`` to ``url``; never raises for network or policy failures."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = parse_target(url, policy)
        addresses = _resolve(target)
        check_resolved(target, addresses, policy)
        kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        connection = kind(target.host, target.port, str(addresses[0]), timeout)
        try:
            connection.request(
                "POST",
                target.path,
                body=body,
                headers={
                    **headers,
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                },
            )
            response = connection.getresponse()
            response.read(_MAX_RESPONSE_BYTES)
            status = response.status
        finally:
            connection.close()
    except MCError as exc:
        return SendResult(None, f"refused: {exc.detail}", elapsed())
    except (OSError, http.client.HTTPException) as exc:
        return SendResult(None, f"{type(exc).__name__}: {exc}"[:500], elapsed())
    if 200 <= status < 300:
        return SendResult(status, None, elapsed())
    return SendResult(status, f"receiver answered HTTP {status}", elapsed())
