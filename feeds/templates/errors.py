"""Errors of custom export templates, under the pipeline's own tree (feeds.errors)::

    ConfigError (feeds.errors)
    ├── TemplateError          a template does not validate: every problem, each naming its field (problems)
    ├── UnknownPreset          a preset name that is not shipped (name, known)
    └── ExpressionError        one expression does not parse or compile (text, position, reason)
    ExportError (feeds.errors)
    └── TemplateRenderError    one product cannot be rendered (product_id, field, reason): over the time or
                               size budget, a bad number, an output the schema refuses

`ValueFailure` is the signal an expression function raises for one product; it never leaves the
writer, which turns it into a `TemplateRenderError` naming the product and the template field.
"""

from __future__ import annotations

from feeds.errors import ConfigError, ExportError


class TemplateError(ConfigError):
    """A template is invalid; `problems` lists every one, each starting with the field it is about."""


class UnknownPreset(ConfigError):
    """A preset name nobody shipped (feeds.templates.presets.PRESETS)."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__([f"unknown template preset {name!r}; known presets: {', '.join(known)}"])
        self.name = name
        self.known = known


class ExpressionError(ConfigError):
    """An expression does not parse or uses what the language does not have; `position` is 1-based."""

    def __init__(self, text: str, *, position: int, reason: str) -> None:
        super().__init__([f"{reason} at position {position} of {text!r}"])
        self.text = text
        self.position = position
        self.reason = reason


class TemplateRenderError(ExportError):
    """One product could not be written with the template; the product is left out."""

    def __init__(self, product_id: str, field: str, reason: str) -> None:
        super().__init__(f"{product_id}: {field}: {reason}")
        self.product_id = product_id
        self.field = field
        self.reason = reason


class ValueFailure(Exception):
    """One value cannot be computed for this product (not a number, too big, a regex over its time)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


__all__ = ["ExpressionError", "TemplateError", "TemplateRenderError", "UnknownPreset", "ValueFailure"]
