"""Webhook rules that need no I/O: which URLs may receive events, signing secrets, which
endpoint wants which event, and when a failed delivery is tried again.

Target policy (SSRF): a receiver must be a public address reached over HTTPS. Private,
loopback, link-local, multicast and reserved addresses are refused unless the operator lists
their network in ``allowed_networks`` (``MC_WEBHOOKS_ALLOWED_NETWORKS``, e.g. ``10.0.0.0/8``
for an ERP on the plant's network, ``127.0.0.0/8`` for development); plain HTTP is accepted
only for such explicitly allowed networks. Host names are checked again on every send,
against the addresses they resolve to then, and the connection goes to the checked address.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem, InvalidInput

SECRET_PREFIX = "whsec_"
# After the last retry fails the delivery is dead: about 22 hours after the first attempt.
RETRY_SCHEDULE_S: tuple[float, ...] = (5, 30, 120, 600, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
JITTER = 0.2  # ± this fraction of each delay, so retries of many deliveries spread out
system_random: Callable[[], float] = secrets.SystemRandom().random

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def generate_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def parse_networks(raw: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in raw)


@dataclass(frozen=True)
class TargetPolicy:
    """Which addresses webhook requests may go to (see the module docstring)."""

    allowed_networks: tuple[IPNetwork, ...] = ()

    def explicitly_allowed(self, address: IPAddress) -> bool:
        return any(address in network for network in self.allowed_networks)

    def address_allowed(self, address: IPAddress) -> bool:
        return address.is_global or self.explicitly_allowed(address)


@dataclass(frozen=True)
class Target:
    """A checked receiver URL, split into what the sender needs."""

    scheme: str
    host: str
    port: int
    path: str  # with the query string


def parse_target(url: str, policy: TargetPolicy) -> Target:
    """Check a receiver URL's shape and, where the host is an address, the address.
    Malformed URLs are 400; well-formed ones the policy refuses are 422."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _bad_url(f"not a URL: {exc}") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _bad_url("an absolute http(s) URL with a host is required")
    if parts.username or parts.password:
        raise _bad_url("credentials in the URL are not accepted; authenticate by signature")
    if parts.fragment:
        raise _bad_url("a fragment is never sent; leave it out")
    host = parts.hostname
    address = _literal_address("127.0.0.1" if host == "localhost" else host)
    if address is not None and not policy.address_allowed(address):
        raise _refused(f"{host} is a private, loopback, link-local or reserved address")
    if parts.scheme == "http" and (address is None or not policy.explicitly_allowed(address)):
        raise _refused("https is required (plain http only for explicitly allowed networks)")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path)


def check_resolved(target: Target, addresses: Sequence[IPAddress], policy: TargetPolicy) -> None:
    """Refuse a send when any address the host resolves to is not allowed (DNS may point a
    public name at an internal address); raises ``BusinessRuleViolation``."""
    if not addresses:
        raise _refused(f"{target.host} did not resolve")
    for address in addresses:
        if not policy.address_allowed(address):
            raise _refused(f"{target.host} resolves to {address}, which is not allowed")
        if target.scheme == "http" and not policy.explicitly_allowed(address):
            raise _refused(f"plain http to {address} is not allowed")


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _bad_url(message: str) -> InvalidInput:
    return InvalidInput(
        message, code="invalid_url", errors=[FieldProblem("url", "invalid_url", message)]
    )


def _refused(message: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(
        message, code="url_not_allowed", errors=[FieldProblem("url", "url_not_allowed", message)]
    )


def wants(event_types: Sequence[str], event_type: str) -> bool:
    """An endpoint with no event types listed wants every event."""
    return not event_types or event_type in event_types


def retry_delay(
    failed_attempts: int,
    schedule: Sequence[float] = RETRY_SCHEDULE_S,
    jitter: float = JITTER,
    random: Callable[[], float] = system_random,
) -> timedelta | None:
    """How long to wait after ``failed_attempts`` failures, or None when retries are used up.
    ``random`` returns a float in [0, 1); 0.5 means no jitter."""
    if failed_attempts < 1 or failed_attempts > len(schedule):
        return None
    base = schedule[failed_attempts - 1]
    return timedelta(seconds=base * (1 + jitter * (2 * random() - 1)))
