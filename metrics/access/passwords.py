"""Passwords as argon2id hashes: made with argon2's recommended parameters, checked with the same work whether the
name is known or not, whatever parameters an old hash was made with."""

from __future__ import annotations

import functools
import os
import threading

import argon2
import argon2.profiles

from ..domain.i18n import Refused, Text

MIN_PASSWORD = 8
_CHECKING = threading.BoundedSemaphore(2)  # each check takes 64 MiB and ~0.2 s: at most two at once


@functools.cache
def hasher() -> argon2.PasswordHasher:
    """argon2's recommended parameters, or the profile $PILOT_ARGON2_PROFILE names (the tests use CHEAPEST, so that a
    hash takes microseconds). A stored hash carries its parameters, so hashes made under either verify alike."""
    profile = os.environ.get("PILOT_ARGON2_PROFILE")
    if not profile:
        return argon2.PasswordHasher()
    return argon2.PasswordHasher.from_parameters(getattr(argon2.profiles, profile.upper()))


@functools.cache
def _dummy_hash() -> str:
    """Checked against when there is no hash to check (an unknown name): made when first needed, as hashing at import
    cost every CLI start a quarter of a second."""
    return hasher().hash("not a password of anyone")


def hashed(password: str) -> str:
    """A new password's hash; Refused when it is too short."""
    if len(password) < MIN_PASSWORD:
        raise Refused(
            Text("密码至少需要 {n} 个字符。", "The password needs at least {n} characters.").format(n=MIN_PASSWORD)
        )
    return hasher().hash(password)


def matches(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash. The work is the same for no hash (an unknown name) and for a
    hash made with cheaper parameters (checked against the dummy too), so the time taken tells nothing."""
    with _CHECKING:
        if stored is None or _cheaper(stored):
            _verify(_dummy_hash(), password)
        return stored is not None and _verify(stored, password)


def needs_rehash(stored: str) -> bool:
    """Whether a matching hash should be made again with today's parameters (on the next good sign-in)."""
    try:
        return hasher().check_needs_rehash(stored)
    except argon2.exceptions.InvalidHashError:
        return True


def _cheaper(stored: str) -> bool:
    try:
        params = argon2.extract_parameters(stored)
    except argon2.exceptions.InvalidHashError:
        return True
    current = hasher()
    return params.time_cost * params.memory_cost < current.time_cost * current.memory_cost


def _verify(stored: str, password: str) -> bool:
    try:
        return hasher().verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False
