"""The registry of question kinds: each kind's module registers its class once."""

from __future__ import annotations

from quiz.grading.base import Kind

_KINDS: dict[str, Kind] = {}


def register(cls: type[Kind]) -> type[Kind]:
    """Class decorator: make `cls` the kind named `cls.name`."""
    if cls.name in _KINDS:
        raise ValueError(f"two kinds are named {cls.name!r}")
    _KINDS[cls.name] = cls()
    return cls


def kind(name: str) -> Kind:
    """The kind named `name`; `ValueError` for a name no kind has."""
    try:
        return _KINDS[name]
    except KeyError:
        raise ValueError(f"unknown question kind {name!r}") from None


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: k.position)
