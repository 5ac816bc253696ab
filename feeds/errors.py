"""Errors of the pipeline core.

Every error carries fields, not only text, and says whether retrying can help::

    FeedError                      root; .transient is False unless a subclass says otherwise
    ├── TransientFeedError         timeouts, connection errors, 5xx, 429: a retry may succeed
    │   └── PublishedChanged       a published object was replaced between reading its headers and its bytes (uri)
    ├── SourceError                the source cannot be read (missing file, 404, refused address, too big)
    ├── FeedSyntaxError            not well-formed, truncated, wrong encoding (line, column, item_id, hint)
    ├── HostileFeedError           entity declarations, DTDs, bombs: refused on purpose (line)
    ├── NotAFeedError              empty body, an HTML page, no repeating item element
    │   └── EmptyFeedError         a complete feed with no products: its envelope or header only (sold out)
    ├── UnknownFormat              a format key nobody registered (name, known)
    ├── ExportError                a writer or publish target failed
    └── ConfigError                a project, rule or export setting is invalid (problems: list[str])
        ├── RuleError              one rule of a rule list is invalid (rule_index, rule_type, reason)
        └── QuerySyntaxError       an MQL query or element path does not parse (position, expected, found)
"""

from __future__ import annotations


class FeedError(Exception):
    """Root of every error the pipeline raises on purpose."""

    transient = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


class TransientFeedError(FeedError):
    """A failure that may go away on retry (network, 5xx, throttling).

    `retry_after` is the server's own wish in seconds (HTTP Retry-After), for the retry schedule.
    """

    transient = True

    def __init__(self, message: str, *, hint: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class PublishedChanged(TransientFeedError):
    """A publish replaced the object being served between its headers and its bytes: read it again."""

    def __init__(self, uri: str) -> None:
        super().__init__(f"{uri} was replaced while it was being read")
        self.uri = uri


class SourceError(FeedError):
    """The source cannot be read at all."""


def local_file_refused(what: str, source: str) -> SourceError:
    """A path on the server where only URLs are allowed: on a shared server, tenants must not read its files."""
    return SourceError(
        f"{what} {source!r} is a path on the server, and this server reads {what}s only over http(s)",
        hint="publish it at an http(s) URL; on a single-user install set FEEDHUB_ALLOW_LOCAL_SOURCES=true",
    )


class FeedSyntaxError(FeedError):
    """The feed is not well-formed XML/CSV, ends early, or is in the wrong encoding."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        item_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        if item_id:
            where.append(f"after product {item_id!r}")
        full = f"{message} at {', '.join(where)}" if where else message
        super().__init__(full, hint=hint)
        self.line = line
        self.column = column
        self.item_id = item_id


class HostileFeedError(FeedError):
    """The feed uses XML features we refuse on purpose (entities, DTDs, bombs); `line` is where, when known."""

    def __init__(self, message: str, *, line: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.line = line


class NotAFeedError(FeedError):
    """The input is readable but is not a product feed."""


class EmptyFeedError(NotAFeedError):
    """A well-formed feed without products: an XML envelope with no items, a CSV header with no rows.

    What a shop that sold out publishes, so a project run may hold it for confirmation instead of failing.
    The parser that raises it has read the feed's `info` (root, namespaces, header elements, columns)
    first, so empty exports keep the feed's shape.
    """


class UnknownFormat(FeedError):
    """A format key that is not registered."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown format {name!r}; known formats: {', '.join(known)}")
        self.name = name
        self.known = known


class ExportError(FeedError):
    """Writing or publishing an export failed."""


class ConfigError(FeedError):
    """A configuration (project, rules, export settings) is invalid; lists every problem at once."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems) if problems else "invalid configuration")
        self.problems = problems


class RuleError(ConfigError):
    """One rule of a rule list is invalid; a rule list reports all of them at once inside a ConfigError."""

    def __init__(self, rule_index: int, rule_type: str, reason: str) -> None:
        super().__init__([f"rule {rule_index} ({rule_type or 'no type'}): {reason}"])
        self.rule_index = rule_index
        self.rule_type = rule_type
        self.reason = reason


class QuerySyntaxError(ConfigError):
    """An MQL query or an element path does not parse; `position` is 1-based within `text`."""

    def __init__(self, text: str, *, position: int, expected: str, found: str = "") -> None:
        shown = f"found {found!r}" if found else "found the end of the text"
        super().__init__([f"syntax error at position {position} of {text!r}: expected {expected}, {shown}"])
        self.text = text
        self.position = position
        self.expected = expected
        self.found = found
