"""The permission machinery: areas, access levels, actions and data scopes.

Each domain app declares its actions in its own ``permissions.py`` with ``declare()``.
A job title's role preset grants an access level per area; an action is granted when the
title's level in the action's area reaches the action's minimum level, plus explicit
grants and minus explicit revocations. New apps' actions therefore reach every preset
without a data migration, and an admin can still fine-tune any title.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol


class Area(StrEnum):
    """The six operations areas, plus administration of Keel itself."""

    PROCESS = "process"
    SUPPLY_CHAIN = "supply_chain"
    COSTS = "costs"
    RISK = "risk"
    AUTOMATION = "automation"
    SERVICE = "service"
    ADMINISTRATION = "administration"

    @property
    def label(self) -> str:
        return AREA_LABELS[self]


AREA_LABELS: dict[Area, str] = {
    Area.PROCESS: "Process optimization",
    Area.SUPPLY_CHAIN: "Supply chain & logistics",
    Area.COSTS: "Resources & costs",
    Area.RISK: "Risk & compliance",
    Area.AUTOMATION: "Technology & automation",
    Area.SERVICE: "Customer experience",
    Area.ADMINISTRATION: "Administration",
}


class Level(IntEnum):
    """Access level a preset grants in an area. Higher levels include the lower ones."""

    NONE = 0
    VIEW = 1
    OPERATE = 2
    MANAGE = 3

    @classmethod
    def parse(cls, name: str) -> Level:
        try:
            return cls[name.upper()]
        except KeyError as error:
            choices = ", ".join(level.name.lower() for level in cls)
            raise ValueError(f"unknown access level {name!r}; use one of {choices}") from error


class DataScope(StrEnum):
    """Which rows a title sees: the whole company, or its sites, or its departments."""

    COMPANY = "company"
    SITE = "site"
    DEPARTMENT = "department"


@dataclass(frozen=True, slots=True)
class Action:
    """A named thing a person may do, such as ``organization.change_person``."""

    code: str
    area: Area
    minimum_level: Level
    label: str


_REGISTRY: dict[str, Action] = {}


def declare(code: str, *, area: Area, minimum_level: Level, label: str) -> Action:
    """Register an action. Codes are ``<app>.<verb>_<noun>`` and unique."""
    app, _, verb = code.partition(".")
    if not app or not verb:
        raise ValueError(f"action code {code!r} must look like 'app.verb_noun'")
    existing = _REGISTRY.get(code)
    action = Action(code=code, area=area, minimum_level=minimum_level, label=label)
    if existing is not None and existing != action:
        raise ValueError(f"action {code!r} is declared twice with different meanings")
    _REGISTRY[code] = action
    return action


def get_action(code: str) -> Action:
    try:
        return _REGISTRY[code]
    except KeyError as error:
        raise KeyError(f"undeclared action {code!r}") from error


def all_actions() -> list[Action]:
    """Every declared action, by area (in the areas' order: the six, then administration), then by code."""
    areas = list(Area)
    return sorted(_REGISTRY.values(), key=lambda action: (areas.index(action.area), action.code))


def actions_for_levels(
    levels: dict[str, str], *, granted: list[str] | None = None, revoked: list[str] | None = None
) -> frozenset[str]:
    """Resolve a role preset (area levels plus overrides) into the set of action codes.

    Actions whose minimum level is NONE belong to everyone signed in, unless revoked.
    """
    resolved = {
        action.code
        for action in _REGISTRY.values()
        if Level.parse(levels.get(action.area.value, "none")) >= action.minimum_level
    }
    resolved |= {code for code in granted or [] if code in _REGISTRY}
    resolved -= set(revoked or [])
    return frozenset(resolved)


class Actor(Protocol):
    """What the permission machinery needs to know about whoever is acting."""

    pk: object
    is_authenticated: bool

    def has_action(self, code: str) -> bool: ...
