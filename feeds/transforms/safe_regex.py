"""User regular expressions that cannot hang a run.

We use the `regex` module rather than RE2: its `\\w`, `\\d` and `\\b` follow Unicode (`\\w+` on
"Žluťoučký kůň" gives two words, which Czech and Slovak shops need), it speaks the PCRE dialect
Mergado users already write (look-arounds, back-references `\\1`), and every call takes a
`timeout=`. RE2 is linear-time but ASCII-only for `\\w`/`\\d` and has no back-references.
So each match gets a time budget; a pattern that runs out of it fails that product with a clear
per-product error and the run goes on. A pattern the engine refuses is reported when the rule is
saved (validation), never in the middle of a run.

The budget is not free: `timeout=` reads the process CPU clock (a system call) on every call, which
measured 3-6 us per call, more than the match itself on a product name. So each pattern is checked
once, when compiled (`_safe_length`): when it is made only of parts whose backtracking we can bound
(no back-references, look-arounds, nested or alternating repeats), its worst case on a text of n
characters is a polynomial in n, and texts short enough for that worst case to stay far below the
budget (`MAX_UNBUDGETED_STEPS`) are matched without the clock. Longer texts, and every other pattern,
keep the per-call budget, so a catastrophic pattern still cannot hang a run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import regex

from feeds.transforms.failure import ProductFailure

REGEX_TIMEOUT_S = 0.05
MAX_PATTERN_CHARS = 2_000
# The bound on backtracking steps of a call run without the clock. Measured: the tightest case found,
# `(?:ab)+x` on "abab...!", ran about 3 ns per step of the bound (15 ms here), the others far less.
MAX_UNBUDGETED_STEPS = 5_000_000


class PatternError(ValueError):
    """The pattern does not compile; the message says why, for a validation report."""


@dataclass(frozen=True, eq=False)
class SafePattern:
    """A compiled user pattern whose every call runs under a time budget."""

    source: str
    compiled: Any
    timeout_s: float = REGEX_TIMEOUT_S
    safe_length: int = -1  # texts up to this many characters cannot take long: no clock (see the module doc)

    def search(self, text: str) -> Any:
        """First match or None; ProductFailure when the budget runs out."""
        if len(text) <= self.safe_length:
            return self.compiled.search(text)
        try:
            return self.compiled.search(text, timeout=self.timeout_s)
        except TimeoutError as exc:
            raise self._too_slow() from exc

    def sub(self, replacement: str, text: str) -> str:
        """Replace every match; `\\1` and `\\g<name>` refer to groups."""
        try:
            if len(text) <= self.safe_length:
                return str(self.compiled.sub(replacement, text))
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
        compiled = regex.compile(source, flags)
    except regex.error as exc:
        raise PatternError(f"invalid regular expression {source!r}: {exc}") from exc
    return SafePattern(source, compiled, safe_length=_safe_length(source))


# The one-time check. A pattern is parsed into ("char",), ("seq", items), ("alt", branches) and
# ("rep", node, low, high or None); anything outside that small language (a back-reference, a
# look-around, \p{..}, a fuzzy {e<=1}, a POSIX class, verbose mode...) is _Unbounded. For a text of n
# characters, _cost gives an upper bound on the ways each part can match at one start (paths) and on
# the backtracking steps to try them all (work): a sequence multiplies, an alternation adds, a repeat
# of a one-way part has at most n + 1 counts, a repeat of a many-way part is bounded only when its
# count is. A search or a substitution tries at most n + 1 starts.

MAX_SAFE_LENGTH = 1 << 20
_ESCAPES = frozenset("dDwWsSbBAZntrfv")
_COUNT = re.compile(r"\{(\d*)(,?)(\d*)\}")
_GROUP = re.compile(r"\?(?::|P?<[A-Za-z_]\w*>|[ims]+(?:-[ims]+)?[:)]|-[ims]+[:)])")


class _Unbounded(Exception):
    """The pattern uses something whose backtracking this check does not bound."""


Node = tuple[Any, ...]


class _Shape:
    """A tiny recursive-descent parser of the bounded subset of the regex dialect."""

    def __init__(self, source: str) -> None:
        self.s = source
        self.i = 0

    def parse(self) -> Node:
        node = self.alternation()
        if self.i != len(self.s):
            raise _Unbounded
        return node

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.i < len(self.s) and self.s[self.i] == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self) -> Node:
        items = []
        while self.i < len(self.s) and self.s[self.i] not in "|)":
            items.append(self.repeat(self.atom()))
        return ("seq", items)

    def atom(self) -> Node:
        s, char = self.s, self.s[self.i]
        self.i += 1
        if char == "(":
            if s.startswith("?", self.i):
                match = _GROUP.match(s, self.i)
                if match is None:
                    raise _Unbounded
                self.i = match.end()
                if s[self.i - 1] == ")":  # an inline flag like (?i): matches nothing
                    return ("seq", [])
            inner = self.alternation()
            if not s.startswith(")", self.i):
                raise _Unbounded
            self.i += 1
            return inner
        if char == "[":
            return self.char_class()
        if char == "\\":
            return self.escape()
        if char in "*+?{)":
            raise _Unbounded
        return ("char", 0 if char in "^$" else 1)

    def escape(self) -> Node:
        if self.i >= len(self.s):
            raise _Unbounded
        char = self.s[self.i]
        self.i += 1
        if char.isalnum() and char not in _ESCAPES:  # \1 \g \p \N \x \X \G \K \L ...
            raise _Unbounded
        return ("char", 0 if char in "bBAZ" else 1)

    def char_class(self) -> Node:
        s = self.s
        if s.startswith("^", self.i):
            self.i += 1
        if s.startswith("]", self.i):
            self.i += 1
        while self.i < len(s) and s[self.i] != "]":
            if s[self.i] == "[":
                raise _Unbounded
            if s[self.i] == "\\":
                self.i += 1
                if self.i >= len(s) or (s[self.i].isalnum() and s[self.i] not in _ESCAPES):
                    raise _Unbounded
            self.i += 1
        if self.i >= len(s):
            raise _Unbounded
        self.i += 1
        return ("char", 1)

    def repeat(self, node: Node) -> Node:
        s = self.s
        if self.i >= len(s) or s[self.i] not in "*+?{":
            return node
        char = s[self.i]
        if char == "{":
            match = _COUNT.match(s, self.i)
            if match is None or not (match.group(1) or match.group(3)):
                raise _Unbounded
            low = int(match.group(1) or 0)
            high = None if match.group(2) and not match.group(3) else int(match.group(3) or low)
            self.i = match.end()
        else:
            low, high = (0, None) if char == "*" else (1, None) if char == "+" else (0, 1)
            self.i += 1
        if self.i < len(s) and s[self.i] in "?+":  # lazy or possessive: never more backtracking
            self.i += 1
        if self.i < len(s) and s[self.i] in "*+?{":
            raise _Unbounded
        return ("rep", node, low, high)


def _cost(node: Node, n: int) -> tuple[int, int, int]:
    """(work, paths, minimum width) of a part at one start position, for a text of n characters."""
    kind = node[0]
    if kind == "char":
        return 1, 1, node[1]
    if kind == "seq":
        work, paths, width = 1, 1, 0
        for item in node[1]:
            item_work, item_paths, item_width = _cost(item, n)
            work += paths * item_work
            paths *= item_paths
            width += item_width
        return work, paths, width
    if kind == "alt":
        costs = [_cost(branch, n) for branch in node[1]]
        return 1 + sum(c[0] for c in costs), sum(c[1] for c in costs), min(c[2] for c in costs)
    _, inner, low, high = node
    work, paths, width = _cost(inner, n)
    if high is None:
        if paths != 1 or width == 0:  # (a|aa)+, (a+)+, (a?)*: the catastrophic shapes
            raise _Unbounded
        high = n + 1
    if high > MAX_SAFE_LENGTH:
        raise _Unbounded
    if paths == 1:
        return high * work + high + 1, high - low + 1, low * width
    total_paths = sum(paths**k for k in range(low, high + 1))
    return sum(paths**k for k in range(high)) * work + total_paths, total_paths, low * width


def _steps(node: Node, n: int) -> int:
    return (n + 2) * _cost(node, n)[0]


def _safe_length(source: str) -> int:
    """The longest text this pattern can search without a time budget; -1 when it always needs one."""
    try:
        node = _Shape(source).parse()
        if _steps(node, 0) > MAX_UNBUDGETED_STEPS:
            return -1
        low, high = 0, 1
        while high < MAX_SAFE_LENGTH and _steps(node, high) <= MAX_UNBUDGETED_STEPS:
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if _steps(node, middle) <= MAX_UNBUDGETED_STEPS else (low, middle)
        return low
    except (_Unbounded, RecursionError):
        return -1
