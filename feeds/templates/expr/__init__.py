"""The template expression language: parse (parser) -> syntax tree (ast) -> closures (compile), over a
fixed table of functions (functions)."""
