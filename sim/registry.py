"""A small ordered registry: the one source of truth for a list of named things.

Shock kinds, network kinds, money flows, daily columns, KPIs and mechanisms are each kept
in one :class:`Registry`. The schema, the model, the plots, the CLI, the dashboard and the
docs read the registry instead of keeping their own copies, so adding an entry is one edit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Entries by name, in registration order. Unknown names raise a ``KeyError`` whose
    message lists the allowed names (what a user needs to correct a typo)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        if item.name in self._items:
            raise ValueError(f"{self.what}: {item.name!r} is registered twice")
        self._items[item.name] = item
        return item

    def __getitem__(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(
                f"{self.what}: unknown {name!r} (allowed: {', '.join(self._items)})"
            ) from None

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> tuple[str, ...]:
        return tuple(self._items)

    def __repr__(self) -> str:
        return f"Registry({self.what}: {', '.join(self._items)})"
