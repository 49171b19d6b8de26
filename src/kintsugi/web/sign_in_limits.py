"""How many failed sign-ins pause further tries, counted so that a stranger cannot lock a
person out.

Failures (audit events ``sign_in_failed`` in the last 15 minutes) are counted three ways:

- per (username, address): at the limit, that pair is paused: someone guessing one
  person's password from one place, or that person mistyping it;
- per address, any usernames: at a higher limit the address is paused (one place trying
  many usernames);
- per username, any addresses: at a much higher limit the username is only throttled, not
  locked: addresses that failed for it in the window are paused, and an address that has not
  failed (the person at their usual desk) still signs in with the right password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kintsugi.audit import service as audit
from kintsugi.core.config import Settings

WINDOW = timedelta(minutes=15)
FAILED = "sign_in_failed"


@dataclass(frozen=True)
class SignInLimits:
    """Failures in the window before a pause, per pair, per address and per username."""

    pair: int
    address: int
    username: int

    @classmethod
    def of(cls, settings: Settings) -> SignInLimits:
        return cls(
            pair=settings.sign_in_attempts_per_15min,
            address=settings.sign_in_attempts_per_address_15min,
            username=settings.sign_in_attempts_per_username_15min,
        )


def paused(
    session: Session, limits: SignInLimits, username: str, address: str, now: datetime
) -> bool:
    """True when this username may not be tried from this address now."""
    since = now - WINDOW
    pair = audit.count_since(session, FAILED, since, actor=username, ip=address)
    if pair >= limits.pair:
        return True
    if audit.count_since(session, FAILED, since, ip=address) >= limits.address:
        return True
    if pair == 0:  # an address that has not failed for this username may always try it
        return False
    return audit.count_since(session, FAILED, since, actor=username) >= limits.username


def record_failure(session: Session, username: str, address: str) -> None:
    """Count a failed sign-in (an audit event)."""
    audit.record(session, username, FAILED, username, ip=address)
