"""Request metadata that services may record (who is calling from where).

Set by ``RequestContextMiddleware`` for web and API requests; the CLI and background
tasks set their own. Services read it for the audit trail, never for decisions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RequestMeta:
    ip_address: str | None = None
    user_agent: str = ""
    channel: str = "system"  # web, api, cli, task, system
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


_current: ContextVar[RequestMeta] = ContextVar("keel_request_meta", default=RequestMeta())  # noqa: B039


def current_request_meta() -> RequestMeta:
    return _current.get()


@contextmanager
def request_meta(meta: RequestMeta) -> Iterator[RequestMeta]:
    token = _current.set(meta)
    try:
        yield meta
    finally:
        _current.reset(token)
