"""Custom export templates: an output format defined without code, as an XML or a CSV/TSV template.

    template = load_template(json_text)          # TemplateError lists every problem, each named
    writer = TemplateWriter(binary_out, template)  # begin(), write(chunk) per chunk, end()

Expressions are a small language of our own (feeds.templates.expr): element paths, text, numbers,
`&`, arithmetic, comparisons and a fixed table of functions; no attribute access, no loops, no
imports. docs/templates.md describes the format and the limits.
"""

from __future__ import annotations

from feeds.templates.errors import ExpressionError, TemplateError, TemplateRenderError, UnknownPreset
from feeds.templates.expr.compile import CompiledExpression, compile_expression
from feeds.templates.expr.functions import FUNCTIONS, MAX_VALUE_CHARS
from feeds.templates.model import (
    AttributeSpec,
    CsvColumn,
    CsvTemplate,
    ElementSpec,
    HeaderElement,
    Template,
    XmlTemplate,
)
from feeds.templates.presets import PRESET_PREFIX, PRESETS, load_preset, preset_text
from feeds.templates.validate import load_template, template_problems
from feeds.templates.writer import SIZE_BUDGET_CHARS, TIME_BUDGET_MS, TemplateWriter

__all__ = [
    "FUNCTIONS",
    "MAX_VALUE_CHARS",
    "PRESETS",
    "PRESET_PREFIX",
    "SIZE_BUDGET_CHARS",
    "TIME_BUDGET_MS",
    "AttributeSpec",
    "CompiledExpression",
    "CsvColumn",
    "CsvTemplate",
    "ElementSpec",
    "ExpressionError",
    "HeaderElement",
    "Template",
    "TemplateError",
    "TemplateRenderError",
    "TemplateWriter",
    "UnknownPreset",
    "XmlTemplate",
    "compile_expression",
    "load_preset",
    "load_template",
    "preset_text",
    "template_problems",
]
