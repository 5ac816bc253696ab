"""User regular expressions that cannot hang a run.

We use the `regex` module rather than RE2: its `\\w`, `\\d` and `\\b` follow Unicode (`\\w+` on
"Žluťoučký kůň" gives two words, which Czech and Slovak shops need), it speaks the PCRE dialect
Mergado users already write (look-arounds, back-references `\\1`), and every call takes a
`timeout=`. RE2 is linear-time but ASCII-only for `\\w`/`\\d` and has no back-references.
So each match gets a time budget; a pattern that runs out of it fails that product with a clear
per-product error and the run goes on. A pattern the engine refuses is reported when the rule is
saved (validation), never in the middle of a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import regex

from feeds.transforms.failure import ProductFailure

REGEX_TIMEOUT_S = 0.05
MAX_PATTERN_CHARS = 2_000


class PatternError(ValueError):
    """The pattern does not compile; the message says why, for a validation report."""


@dataclass(frozen=True, eq=False)
class SafePattern:
    """A compiled user pattern whose every call runs under a time budget."""

    source: str
    compiled: Any
    timeout_s: float = REGEX_TIMEOUT_S

    def search(self, text: str) -> Any:
        """First match or None; ProductFailure when the budget runs out."""
        try:
            return self.compiled.search(text, timeout=self.timeout_s)
        except TimeoutError as exc:
            raise self._too_slow() from exc

    def sub(self, replacement: str, text: str) -> str:
        """Replace every match; `\\1` and `\\g<name>` refer to groups."""
        try:
            return str(self.compiled.sub(replacement, text, timeout=self.timeout_s))
        except TimeoutError as exc:
            raise self._too_slow() from exc
        except (regex.error, IndexError) as exc:
            raise ProductFailure(
                f"replacement {replacement!r} does not fit pattern {self.source!r}: {exc}"
            ) from exc

    def _too_slow(self) -> ProductFailure:
        return ProductFailure(
            f"regular expression {self.source!r} took longer than {self.timeout_s * 1000:.0f} ms "
            "on this value "
            "(catastrophic backtracking?); simplify it, e.g. avoid nested repeats like (a+)+"
        )


def compile_pattern(source: str, *, ignore_case: bool = False) -> SafePattern:
    """Compile a user pattern (Unicode classes on); PatternError with the engine's reason if it is refused."""
    if len(source) > MAX_PATTERN_CHARS:
        raise PatternError(f"the pattern is longer than {MAX_PATTERN_CHARS} characters")
    flags = regex.V0 | (regex.IGNORECASE if ignore_case else 0)
    try:
        return SafePattern(source, regex.compile(source, flags))
    except regex.error as exc:
        raise PatternError(f"invalid regular expression {source!r}: {exc}") from exc
