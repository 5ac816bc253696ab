"""A product's values by element path, to show what rules changed (trace) and diff two runs (preview).

Keyed groups are named by their key in the Mergado-1 shorthand (`PARAM|Barva`, `DELIVERY|PPL`
as `DELIVERY { DELIVERY_ID = "PPL" } | DELIVERY_PRICE`...), so a diff says which parameter changed.
"""

from __future__ import annotations

from feeds.model import Element
from feeds.paths import KEYED_GROUPS

_GROUP_KEYS = {name: spec[0] for name, spec in KEYED_GROUPS.items()} | {"DELIVERY": "DELIVERY_ID"}

Snapshot = dict[str, tuple[str, ...]]


def snapshot(product: Element) -> Snapshot:
    """Every value of the product by path; repeated elements give tuples of several values."""
    values: dict[str, list[str]] = {}
    for name, value in product.attrs.items():
        values.setdefault(f"@{name}", []).append(value)
    _collect(product, "", values)
    return {path: tuple(found) for path, found in values.items()}


def _collect(element: Element, prefix: str, values: dict[str, list[str]]) -> None:
    for child in element.children:
        path = _child_path(child, prefix)
        for name, value in child.attrs.items():
            values.setdefault(f"{path}|@{name}", []).append(value)
        if child.children:
            _collect(child, path, values)
        else:
            values.setdefault(path, []).append(child.text.strip())


def _child_path(child: Element, prefix: str) -> str:
    base = f"{prefix}|{child.name}" if prefix else child.name
    key_name = _GROUP_KEYS.get(child.name)
    if key_name is None or prefix:
        return base
    key = child.get(key_name).strip().replace('"', '\\"')
    return f'{child.name} {{ {key_name} = "{key}" }}' if key else base


def diff(before: Snapshot, after: Snapshot) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(path, values before, values after) for every path whose values differ, in a stable order."""
    paths = list(before) + [path for path in after if path not in before]
    return [(p, before.get(p, ()), after.get(p, ())) for p in paths if before.get(p, ()) != after.get(p, ())]
