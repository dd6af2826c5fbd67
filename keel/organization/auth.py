"""Who is calling: API tokens, browser sessions, and the sign-in throttle."""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from keel.core.errors import PermissionDenied, Throttled
from keel.core.scoping import Reach
from keel.organization.models import ApiToken, LoginAttempt, Person

TOKEN_PREFIX = "keel"  # noqa: S105 (public marker, not a secret)
ALL_ACTIONS = "*"


def token_digest(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; argon2 is for passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenActor:
    """A person acting through one of their API tokens: the token can only narrow."""

    person: Person
    token: ApiToken
    is_authenticated: bool = True

    @property
    def pk(self) -> int:
        return self.person.pk

    @property
    def email(self) -> str:
        return self.person.email

    def has_action(self, code: str) -> bool:
        allowed = self.token.actions
        return self.person.has_action(code) and (ALL_ACTIONS in allowed or code in allowed)

    def reach(self) -> Reach:
        return self.person.reach()

    def __str__(self) -> str:
        return f"{self.person.email} (token {self.token.prefix})"


def parse_token(raw: str) -> tuple[str, str] | None:
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def authenticate_token(request: HttpRequest) -> TokenActor | None:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return None
    parsed = parse_token(raw.strip())
    if parsed is None:
        return None
    prefix, secret = parsed
    token = (
        ApiToken.objects.select_related("person", "person__title").filter(prefix=prefix).first()
    )
    if token is None or not hmac.compare_digest(token.digest, token_digest(secret)):
        return None
    if not token.is_usable or not token.person.is_active:
        return None
    now = timezone.now()
    # One write a minute at most, not one per request.
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gt=now - timedelta(minutes=1)).update(
        last_used_at=now
    )
    return TokenActor(person=token.person, token=token)


def authenticate_session(request: HttpRequest) -> Person | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if request.method not in {"GET", "HEAD", "OPTIONS", "TRACE"}:
        from ninja.utils import check_csrf

        if check_csrf(request) is not None:
            raise PermissionDenied("CSRF check failed: send the X-CSRFToken header.")
    return user


# --- Sign-in throttle -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttemptTicket:
    attempt_id: int


def begin_login_attempt(*, username: str, ip_address: str | None) -> AttemptTicket:
    """Record the attempt first, then count: safe under concurrent attempts.

    The attempt row commits before the count runs, so the k-th attempt to commit sees at
    least k rows; at most ``limit`` attempts in a window ever reach the password check.
    """
    limit = settings.KEEL_LOGIN_FAILURE_LIMIT
    window = timedelta(seconds=settings.KEEL_LOGIN_WINDOW_SECONDS)
    now = timezone.now()
    key = username.strip().lower()[:254]
    with transaction.atomic():
        attempt = LoginAttempt.objects.create(username=key, ip_address=ip_address)
    recent = LoginAttempt.objects.filter(attempted_at__gte=now - window).exclude(succeeded=True)
    by_user = recent.filter(username=key)
    if by_user.count() > limit:
        _refuse(attempt, by_user, window)
    if ip_address and recent.filter(ip_address=ip_address).count() > limit * 4:
        _refuse(attempt, recent.filter(ip_address=ip_address), window)
    return AttemptTicket(attempt_id=attempt.pk)


def _refuse(attempt: LoginAttempt, rows: Any, window: timedelta) -> None:
    # A refused attempt never reached the password check, so it does not extend the wait.
    LoginAttempt.objects.filter(pk=attempt.pk).delete()
    oldest = rows.order_by("attempted_at").values_list("attempted_at", flat=True).first()
    wait = (oldest + window - timezone.now()).total_seconds() if oldest else window.total_seconds()
    raise Throttled("Too many sign-in attempts. Try again later.", retry_after=max(1, math.ceil(wait)))


def finish_login_attempt(ticket: AttemptTicket, *, succeeded: bool) -> None:
    LoginAttempt.objects.filter(pk=ticket.attempt_id).update(succeeded=succeeded)
    if succeeded:
        attempt = LoginAttempt.objects.get(pk=ticket.attempt_id)
        LoginAttempt.objects.filter(username=attempt.username, succeeded=False).delete()
