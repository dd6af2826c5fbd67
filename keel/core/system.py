"""The actor for trusted command-line work: all actions, company-wide, not a person."""

from __future__ import annotations

from dataclasses import dataclass

from keel.core.permissions import DataScope
from keel.core.scoping import Reach


@dataclass(frozen=True, slots=True)
class SystemActor:
    """Used only by CLI commands run by an operator on the server itself."""

    pk: None = None
    is_authenticated: bool = True

    def has_action(self, code: str) -> bool:
        return True

    def reach(self) -> Reach:
        return Reach(scope=DataScope.COMPANY, site_ids=frozenset(), department_ids=frozenset())

    def __str__(self) -> str:
        return "system (command line)"


def system_actor() -> SystemActor:
    return SystemActor()
