"""API keys and roles.

A key looks like ``mck_<prefix>_<secret>``. The prefix is public and finds the stored row;
the secret is 256 random bits and only its SHA-256 digest is stored. A slow password hash
buys nothing for a secret with that much entropy, and a fast one keeps every request cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

KEY_SCHEME = "mck"


class Role(StrEnum):
    ADMIN = "admin"  # everything, including keys and the catalog
    INTEGRATOR = "integrator"  # the manufacturer's systems: orders, configurator, planning
    SHOPFLOOR = "shopfloor"  # dispatch lists, job sheets, operation reports


@dataclass(frozen=True)
class NewApiKey:
    plaintext: str  # shown once to the caller, never stored
    prefix: str
    secret_hash: str


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant and role an API key grants."""

    tenant_id: int
    tenant_slug: str
    key_id: int
    role: Role

    def has_any(self, roles: frozenset[Role]) -> bool:
        return self.role is Role.ADMIN or self.role in roles


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_api_key() -> NewApiKey:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewApiKey(f"{KEY_SCHEME}_{prefix}_{secret}", prefix, hash_secret(secret))


def split_api_key(presented: str) -> tuple[str, str] | None:
    """Return ``(prefix, secret)`` of a well-formed key, else None."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
