"""YAML that organisers send us, read as plain data and nothing more.

PyYAML's SafeLoader builds no objects, but it still expands aliases: a 700-byte file of
nested `&a`/`*a` ("billion laughs") becomes gigabytes, and `[[[[…]]]]` thousands deep
exhausts Python's stack. A sites file needs neither, so both are refused with a line.
"""

from __future__ import annotations

from typing import Any

import yaml

from storage.site_schema import N_

# A sites file is at most 8 levels deep (digibanks → sites → coaching → hours → a value);
# well above that is certainly not a sites file, and well below Python's recursion limit.
MAX_DEPTH = 20
NO_ALIASES = N_("aliases and anchors (&, *) are not allowed")
TOO_DEEP = N_("the file is nested too deeply (at most {depth} levels)")


class YamlRefused(Exception):
    """YAML we do not read at all: `message` is an English msgid with {placeholders}."""

    def __init__(self, line: int, message: str, **params: object) -> None:
        self.line, self.message, self.params = line, message, params
        super().__init__(f"line {line}: {message.format(**params)}")


class StrictLoader(yaml.SafeLoader):
    """A SafeLoader without aliases or anchors and with limited nesting. A scalar YAML
    cannot build (the date 2026-13-45, an integer of 5,000 digits) stays the text it
    is, so that the field's own check says what is wrong instead of a traceback."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        line = event.start_mark.line + 1
        # An anchor alone is harmless, but it only exists to be aliased: refuse it first,
        # so that the error points at the start of the trouble.
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlRefused(line, NO_ALIASES)
        if self._depth >= MAX_DEPTH:
            raise YamlRefused(line, TOO_DEEP, depth=MAX_DEPTH)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _or_text(construct: Any) -> Any:
    """The constructor, but a value it cannot build stays its text."""

    def build(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, OverflowError):
            return node.value

    return build


for _tag, _construct in (
    ("tag:yaml.org,2002:int", yaml.constructor.SafeConstructor.construct_yaml_int),
    ("tag:yaml.org,2002:timestamp", yaml.constructor.SafeConstructor.construct_yaml_timestamp),
):
    StrictLoader.add_constructor(_tag, _or_text(_construct))


def load(text: str, loader: type[StrictLoader] = StrictLoader) -> Any:
    """One YAML document; YamlRefused for aliases, anchors or deep nesting, yaml.YAMLError
    for text that is not YAML."""
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader subclass: plain data only
    except RecursionError:  # a safety net: the depth limit stops long before this
        raise YamlRefused(1, TOO_DEEP, depth=MAX_DEPTH) from None
