"""The one YAML loader for everything the project reads: scenarios, sweep specs, ``--set``
values and dashboard uploads.

Why a loader of our own: ``yaml.safe_load`` constructs no objects, but it still lets a
few hundred bytes of aliases expand into billions of values ("billion laughs"), recurses
once per nesting level (5,000 levels end in a RecursionError) and silently keeps the last
of two equal keys. This loader is PyYAML's safe loader with four bounds checked while the
document is composed, before any Python value exists:

* size of the text (checked before parsing);
* nesting depth;
* values after alias expansion (an alias counts as every value of the node it names, so a
  bomb is stopped after a handful of events, not after it has grown);
* duplicate keys in a mapping (a later key would hide an earlier, possibly invalid, one).

Every problem raises :class:`YamlError` with one line naming the source, the line and the
limit; callers turn it into their own error type (ScenarioError, SpecError, InputError).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.limits import YAML_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_NODES, format_bytes


class YamlError(ValueError):
    """A YAML document is malformed or exceeds a limit; the message names source and limit.

    ``kind`` is ``"syntax"`` (not YAML), ``"limit"`` (size, depth or expansion),
    ``"duplicate"`` (a key given twice), ``"value"`` (a scalar Python cannot hold) or
    ``"file"`` (cannot be read)."""

    def __init__(self, message: str, kind: str = "syntax") -> None:
        super().__init__(message)
        self.kind = kind


class _Bounded(Exception):
    """Raised inside the composer; carries the message and the line."""

    def __init__(self, message: str, node_or_mark: Any = None, kind: str = "limit") -> None:
        super().__init__(message)
        self.kind = kind
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        self.line = mark.line + 1 if mark is not None and hasattr(mark, "line") else None


class _BoundedComposer:
    """Mixin over PyYAML's Composer: depth, expanded size and duplicate keys, as it composes."""

    max_depth: int
    max_nodes: int

    def _bounds_init(self, max_depth: int, max_nodes: int) -> None:
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self._depth = 0
        self._sizes: dict[int, int] = {}
        self._keep: list[Node] = []  # keeps ids in _sizes unique while composing

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        if self.check_event(AliasEvent):  # type: ignore[attr-defined]
            event = self.peek_event()  # type: ignore[attr-defined]
            target = self.anchors.get(event.anchor)  # type: ignore[attr-defined]
            if target is not None and id(target) not in self._sizes:
                raise _Bounded(
                    f"alias *{event.anchor} refers to a node that contains it (recursive alias)",
                    event.start_mark,
                    kind="recursive",
                )
        self._depth += 1
        if self._depth > self.max_depth:
            mark = self.peek_event().start_mark  # type: ignore[attr-defined]
            raise _Bounded(f"nested deeper than {self.max_depth} levels", mark)
        try:
            node = Composer.compose_node(self, parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1
        if id(node) not in self._sizes:
            self._sizes[id(node)] = self._size(node)
            self._keep.append(node)
        if self._sizes[id(node)] > self.max_nodes:
            raise _Bounded(
                f"more than {self.max_nodes:,} values once aliases (*name) are expanded",
                node,
            )
        return node

    def _size(self, node: Node) -> int:
        if isinstance(node, ScalarNode):
            return 1
        if isinstance(node, SequenceNode):
            return 1 + sum(self._sizes.get(id(c), 1) for c in node.value)
        if isinstance(node, MappingNode):
            seen: set[tuple[str, str]] = set()
            total = 1
            for k, v in node.value:
                if isinstance(k, ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    key = (k.tag, k.value)
                    if key in seen:
                        raise _Bounded(
                            f"duplicate key {k.value!r} (a later key would hide the first)",
                            k,
                            kind="duplicate",
                        )
                    seen.add(key)
                total += self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1)
            return total
        return 1  # pragma: no cover - PyYAML has no other node kinds


class _Loader(_BoundedComposer, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader (libyaml's CSafeLoader composes in C, where the
    bounds could not be checked) with the bounded composer."""

    def __init__(self, stream: str, max_depth: int, max_nodes: int) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self._bounds_init(max_depth, max_nodes)


def load(
    text: str | bytes,
    source: str = "document",
    *,
    max_bytes: int | None = None,
    max_depth: int | None = None,
    max_nodes: int | None = None,
) -> Any:
    """Parse one YAML document within the limits; ``None`` for an empty document.

    ``source`` names the file or flag in messages (``"baseline.yaml"``, ``"--set days"``).
    """
    max_bytes = YAML_MAX_BYTES.value() if max_bytes is None else max_bytes
    max_depth = YAML_MAX_DEPTH.value() if max_depth is None else max_depth
    max_nodes = YAML_MAX_NODES.value() if max_nodes is None else max_nodes
    size = len(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    if size > max_bytes:
        raise YamlError(
            f"{source}: {format_bytes(size)} is larger than the {format_bytes(max_bytes)} "
            "limit for a YAML document",
            "limit",
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise YamlError(f"{source}: not a UTF-8 text file", "file") from None
    loader = None
    try:
        loader = _Loader(text, max_depth, max_nodes)
        return loader.get_single_data()
    except _Bounded as err:
        where = f" line {err.line}" if err.line else ""
        note = " (a limit of the YAML reader: docs/limits.md)" if err.kind == "limit" else ""
        raise YamlError(f"{source}{where}: {err}{note}", err.kind) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "syntax error"
        context = getattr(err, "context", None) or ""
        if context.startswith("expected"):
            problem = f"{context}, {problem}"
        raise YamlError(f"{source}{where} is not valid YAML ({problem})") from None
    except (ValueError, OverflowError, RecursionError, MemoryError) as err:
        # e.g. an integer of 5,000 digits (Python's int-conversion limit), a date out of range
        reason = str(err).split(";")[0].splitlines()[0][:120] if str(err) else type(err).__name__
        raise YamlError(f"{source}: a value cannot be read ({reason})", "value") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_file(
    path: str | Path,
    source: str | None = None,
    *,
    max_bytes: int | None = None,
    max_depth: int | None = None,
    max_nodes: int | None = None,
) -> Any:
    """Read and parse a YAML file; the size is checked before the file is read."""
    p = Path(path)
    label = source or p.name
    max_bytes = YAML_MAX_BYTES.value() if max_bytes is None else max_bytes
    try:
        if not p.is_file():
            raise YamlError(f"{label}: not a regular file", "file")
        size = p.stat().st_size
        if size > max_bytes:
            raise YamlError(
                f"{label}: {format_bytes(size)} is larger than the {format_bytes(max_bytes)} "
                "limit for a YAML document",
                "limit",
            )
        with p.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # a file that grows while read stays bounded
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise YamlError(f"{label}: cannot read it ({reason})", "file") from None
    return load(data, label, max_bytes=max_bytes, max_depth=max_depth, max_nodes=max_nodes)
