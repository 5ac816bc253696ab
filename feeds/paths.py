"""Element paths: how users address values inside a product, parsed once and applied many times.

Grammar (Mergado 2 element paths, RULES-REFERENCE.md 1.5)::

    path    := step ( "|" step )*
    step    := NAME [ "{" MQL "}" ]        child elements called NAME, optionally filtered
             | "@" NAME                     an attribute of the nodes on the left (last step only)
             | "@@VALUE" | "@@POSITION"     pseudo-fields, only as a whole path inside a filter

`PRICE_VAT`, `DELIVERY|DELIVERY_PRICE`, `IMAGE|@description`, `@id` (on the item), `g:price`,
`PARAM { PARAM_NAME = "Barva" } | VAL`, `IMGURL_ALTERNATIVE { @@POSITION = 2 }`.
Names are case-sensitive; whitespace around `|` and names is ignored.

Mergado 1's flat form `PARAM|Barva` is accepted as shorthand for `PARAM { PARAM_NAME = "Barva" } | VAL`
(and `g:product_detail|color` for the Google equivalent) whenever the second name is not one of the
group's own child names.

Reading gives every matching value, in document order (repeated elements are multi-valued).
Writing follows Mergado: `set` leaves one value (the first node keeps it, further matches are
removed; an empty value removes the nodes), `transform` rewrites every value, `add` appends a new
occurrence, and writes create missing nodes, including the keyed node of a filter made of `=`
conditions joined by AND (`FLAGS | FLAG { CODE = "action" } | ACTIVE` creates the FLAG).

The `{ MQL }` filters are MQL, and MQL reads element paths: the two grammars are mutually recursive. So
this module never imports the query language; `parse_path_with` is handed the filter compiler, and
feeds.transforms.query binds its own as `parse_path`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Protocol

from feeds.errors import QuerySyntaxError

if TYPE_CHECKING:
    from feeds.model import Element

PSEUDO_FIELDS = ("@@VALUE", "@@POSITION")
KEYED_GROUPS: dict[str, tuple[str, str, frozenset[str]]] = {
    # group element: (name child, value child, every child name that means "nested, not shorthand")
    "PARAM": ("PARAM_NAME", "VAL", frozenset({"PARAM_NAME", "VAL", "NAME", "VALUE", "UNIT"})),
    "g:product_detail": (
        "g:attribute_name",
        "g:attribute_value",
        frozenset({"g:attribute_name", "g:attribute_value", "g:section_name"}),
    ),
}


class NodeFilter(Protocol):
    """A compiled `{ MQL }` filter: does a candidate node match, and which children does a write create."""

    def matches(self, node: Element, position: int) -> bool: ...

    @property
    def creates(self) -> tuple[tuple[ElementPath, str], ...] | None: ...


@dataclass(frozen=True)
class Step:
    """One `NAME { filter }` step of a path."""

    name: str
    filter: NodeFilter | None = None


@dataclass(frozen=True, eq=False)
class ElementPath:
    """A parsed element path; build it with `parse_path`."""

    text: str
    steps: tuple[Step, ...]
    attr: str | None = None
    pseudo: str | None = None

    @cached_property
    def _plain(self) -> str | None:
        """The child name when the path is one plain step (the common case rules are tuned for)."""
        if self.attr is None and self.pseudo is None and len(self.steps) == 1 and self.steps[0].filter is None:
            return self.steps[0].name
        return None

    def nodes(self, root: Element) -> list[Element]:
        """Every element the steps address (the attribute step, if any, is not applied)."""
        return [node for _, node in self.located(root)]

    def located(self, root: Element) -> list[tuple[Element, Element]]:
        """(parent, node) for every addressed element, so writes can detach nodes without a tree walk."""
        current: list[tuple[Element, Element]] = [(root, root)]
        for step in self.steps:
            name, flt = step.name, step.filter
            if flt is None:
                current = [(node, child) for _, node in current for child in node.children if child.name == name]
            else:
                found: list[tuple[Element, Element]] = []
                for _, node in current:
                    same = [child for child in node.children if child.name == name]
                    found.extend((node, child) for pos, child in enumerate(same, 1) if flt.matches(child, pos))
                current = found
            if not current:
                break
        return current

    def values(self, root: Element, position: int = 0) -> list[str]:
        """Every value the path addresses, in document order; [] when there is none."""
        if self.pseudo is not None:
            return [root.text] if self.pseudo == "@@VALUE" else [str(position)]
        if self.attr is None and len(self.steps) == 1 and self.steps[0].filter is None:
            name = self.steps[0].name  # the common case, kept tight: one plain child name
            return [child.text for child in root.children if child.name == name]
        nodes = self.nodes(root)
        if self.attr is None:
            return [node.text for node in nodes]
        attr = self.attr
        return [node.attrs[attr] for node in nodes if attr in node.attrs]

    def first(self, root: Element) -> str:
        """The first value, or "" (how Mergado reads a multi-valued element)."""
        if (
            self.attr is None
            and self.pseudo is None
            and len(self.steps) == 1
            and self.steps[0].filter is None
        ):
            name = self.steps[0].name
            for child in root.children:
                if child.name == name:
                    return child.text
            return ""
        found = self.values(root)
        return found[0] if found else ""

    def exists(self, root: Element) -> bool:
        """Whether at least one node (or attribute) is there, empty or not."""
        if self.attr is None:
            return bool(self.nodes(root))
        return any(self.attr in node.attrs for node in self.nodes(root))

    def set(self, root: Element, value: str) -> bool:
        """Leave exactly one value (or none, for ""), creating missing nodes; True if anything changed."""
        self._check_writable()
        if self.attr is not None:
            return self._set_attr(root, value)
        nodes = self.nodes(root)
        if value == "":
            return self.remove(root) > 0
        if not nodes:
            return self._create(root, value) is not None
        changed = nodes[0].text != value
        nodes[0].text = value
        if len(nodes) > 1:
            _detach(self.located(root)[1:])
            changed = True
        return changed

    def transform(self, root: Element, change: Callable[[str], str]) -> bool:
        """Rewrite every existing value with `change`; True if any value changed."""
        self._check_writable()
        changed = False
        if self._plain is not None:  # one plain child name: no path walk
            for node in root.children:
                if node.name == self._plain:
                    new = change(node.text)
                    if new != node.text:
                        node.text, changed = new, True
            return changed
        for node in self.nodes(root):
            if self.attr is None:
                new = change(node.text)
                if new != node.text:
                    node.text, changed = new, True
            elif self.attr in node.attrs:
                new = change(node.attrs[self.attr])
                if new != node.attrs[self.attr]:
                    node.attrs[self.attr], changed = new, True
        return changed

    def add(self, root: Element, value: str) -> bool:
        """Append one more occurrence after the existing ones (never overwrites)."""
        self._check_writable()
        if self.attr is not None:
            return self._set_attr(root, value) if not self.values(root) else False
        parent = self._parent(root, create=True)
        if parent is None:
            return False
        insert_child(parent, _new_node(self.steps[-1], value))
        return True

    def remove(self, root: Element) -> int:
        """Remove every addressed node (or attribute); returns how many went."""
        self._check_writable()
        located = self.located(root) if self.steps else []
        if self.attr is not None:
            holders = [node for _, node in located] if self.steps else [root]
            holders = [node for node in holders if self.attr in node.attrs]
            for node in holders:
                del node.attrs[self.attr]
            return len(holders)
        _detach(located)
        return len(located)

    def _check_writable(self) -> None:
        if self.pseudo is not None:
            raise QuerySyntaxError(self.text, position=1, expected="an element path that can be written")

    def _set_attr(self, root: Element, value: str) -> bool:
        assert self.attr is not None
        nodes = self.nodes(root) if self.steps else [root]
        if value == "":
            return self.remove(root) > 0
        if not nodes:
            created = self._create(root, "") if self.steps else None
            nodes = [created] if created is not None else []
        changed = False
        for node in nodes:
            if node.attrs.get(self.attr) != value:
                node.attrs[self.attr], changed = value, True
        return changed

    def _parent(self, root: Element, *, create: bool) -> Element | None:
        """The element that holds (or will hold) the last step's nodes."""
        parent = root
        for step in self.steps[:-1]:
            found = ElementPath(step.name, (step,)).nodes(parent)
            if found:
                parent = found[0]
            elif create and _creatable(step):
                parent = insert_child(parent, _new_node(step, ""))
            else:
                return None
        return parent

    def _create(self, root: Element, value: str) -> Element | None:
        if not self.steps or not _creatable(self.steps[-1]):
            return None
        parent = self._parent(root, create=True)
        if parent is None:
            return None
        return insert_child(parent, _new_node(self.steps[-1], value))


def _creatable(step: Step) -> bool:
    return step.filter is None or step.filter.creates is not None


def _new_node(step: Step, text: str) -> Element:
    from feeds.model import Element

    node = Element(step.name, text)
    if step.filter is not None:
        for path, value in step.filter.creates or ():
            path.set(node, value)
    return node


def insert_child(parent: Element, node: Element) -> Element:
    """Put a new child after its last same-named sibling (keeps PARAMs together), else at the end."""
    for index in range(len(parent.children) - 1, -1, -1):
        if parent.children[index].name == node.name:
            parent.children.insert(index + 1, node)
            return node
    parent.children.append(node)
    return node


def _detach(located: list[tuple[Element, Element]]) -> None:
    doomed: dict[int, set[int]] = {}
    parents: dict[int, Element] = {}
    for parent, node in located:
        doomed.setdefault(id(parent), set()).add(id(node))
        parents[id(parent)] = parent
    for key, ids in doomed.items():
        parent = parents[key]
        parent.children = [child for child in parent.children if id(child) not in ids]


FilterCompiler = Callable[[str], NodeFilter | None]
"""The inside of a `{ ... }` -> its compiled filter (None: only its syntax was checked)."""


@lru_cache(maxsize=4096)
def parse_path_with(text: str, compile_filter: FilterCompiler) -> ElementPath:
    """Parse an element path once (cached: the same text and compiler always give the same object)."""
    segments = _split_segments(text)
    if len(segments) == 2:
        shorthand = _flat_shorthand(segments)
        if shorthand is not None:
            return parse_path_with(shorthand, compile_filter)
    steps: list[Step] = []
    attr: str | None = None
    for index, (offset, segment) in enumerate(segments):
        name, filter_text, filter_offset = _split_filter(text, offset, segment)
        if name in PSEUDO_FIELDS:
            if len(segments) > 1 or filter_text is not None:
                raise QuerySyntaxError(text, position=offset + 1, expected=f"{name} alone")
            return ElementPath(text, (), pseudo=name)
        if name.startswith("@"):
            if index != len(segments) - 1 or filter_text is not None or len(name) == 1:
                raise QuerySyntaxError(
                    text, position=offset + 1, expected="an attribute only as the last step"
                )
            attr = name[1:]
            continue
        steps.append(Step(name, _compile_filter(compile_filter, filter_text, text, filter_offset)))
    return ElementPath(text, tuple(steps), attr)


def _split_segments(text: str) -> list[tuple[int, str]]:
    """Split on top-level `|` (not inside braces or quotes); each segment with its offset."""
    segments: list[tuple[int, str]] = []
    depth, quote, start = 0, "", 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                raise QuerySyntaxError(text, position=index + 1, expected="'{' before '}'", found="}")
        elif char == "|" and depth == 0:
            segments.append((start, text[start:index]))
            start = index + 1
    if quote or depth:
        raise QuerySyntaxError(text, position=len(text) + 1, expected="a closing quote" if quote else "'}'")
    segments.append((start, text[start:]))
    for offset, segment in segments:
        if not segment.strip():
            raise QuerySyntaxError(
                text, position=offset + 1, expected="an element name", found=segment.strip()
            )
    return segments


def _split_filter(text: str, offset: int, segment: str) -> tuple[str, str | None, int]:
    brace = segment.find("{")
    if brace < 0:
        return segment.strip(), None, 0
    name = segment[:brace].strip()
    body = segment[brace + 1 :].rstrip()
    if not name:
        raise QuerySyntaxError(text, position=offset + 1, expected="an element name before '{'", found="{")
    if not body.endswith("}"):
        raise QuerySyntaxError(text, position=offset + len(segment) + 1, expected="'|' or the end after '}'")
    return name, body[:-1], offset + brace + 1


def _compile_filter(
    compile_filter: FilterCompiler, filter_text: str | None, text: str, offset: int
) -> NodeFilter | None:
    if filter_text is None:
        return None
    try:
        return compile_filter(filter_text)
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(
            text, position=offset + exc.position, expected=exc.expected, found=exc.found
        ) from exc


def _flat_shorthand(segments: list[tuple[int, str]]) -> str | None:
    group, key = segments[0][1].strip(), segments[1][1].strip()
    spec = KEYED_GROUPS.get(group)
    if spec is None or key.startswith("@") or "{" in key or key in spec[2]:
        return None
    name_child, value_child, _ = spec
    quoted = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'{group} {{ {name_child} = "{quoted}" }} | {value_child}'


__all__ = ["KEYED_GROUPS", "ElementPath", "FilterCompiler", "NodeFilter", "Step", "insert_child", "parse_path_with"]


def closing_bracket(text: str, start: int) -> int | None:
    """Where the `]` closing the `[` at `start` is (an element path in brackets, as queries and templates
    write one: quotes and `{filters}` inside it are skipped), or None when it is never closed."""
    quote, depth = "", 0
    for index in range(start + 1, len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "]" and depth <= 0:
            return index
    return None
