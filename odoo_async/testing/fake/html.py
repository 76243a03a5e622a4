"""Sanitising HTML fields as Odoo 19 does for the cases the fake was checked on: scripts
and styles removed, event-handler attributes and ``javascript:`` links dropped, bare
text escaped, and content that does not start with a block element wrapped in ``<p>``
(``"x"`` is stored as ``"<p>x</p>"``, so a domain ``comment = "x"`` matches nothing)."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import Final

__all__ = ["sanitize"]

_DROPPED: Final = frozenset({"script", "style", "iframe", "object", "embed", "meta", "link",
                             "base", "form"})
_VOID: Final = frozenset({"br", "hr", "img", "input", "col", "area", "wbr", "source"})
_BLOCKS: Final = frozenset({"p", "div", "ul", "ol", "table", "blockquote", "pre", "h1", "h2",
                            "h3", "h4", "h5", "h6", "section", "article", "header", "footer",
                            "hr", "dl", "figure"})


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.first_tag: str | None = None
        self.seen_text_first = False
        self._skipping = 0

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], close: bool) -> None:
        if tag in _DROPPED:
            if not close and tag not in _VOID:
                self._skipping += 1
            return
        if self._skipping:
            return
        if self.first_tag is None and not self.seen_text_first:
            self.first_tag = tag
        kept = [(name, value) for name, value in attrs
                if not name.startswith("on") and not (
                    value and value.strip().lower().startswith("javascript:"))]
        text = "".join(f' {name}="{html.escape(value or "", quote=True)}"'
                       for name, value in kept)
        self.out.append(f"<{tag}{text}{' /' if close else ''}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, close=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, close=True)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self._skipping = max(0, self._skipping - 1)
            return
        if not self._skipping and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self.first_tag is None and not self.out and not data.strip():
            return  # leading whitespace goes, as lxml drops it
        if self.first_tag is None and not self.out:
            self.seen_text_first = True
            data = data.lstrip()
        self.out.append(html.escape(data, quote=False))


def sanitize(value: str) -> str:
    """``value`` as Odoo stores an HTML field (see the module docstring)."""
    if not value:
        return value
    cleaner = _Cleaner()
    cleaner.feed(value)
    cleaner.close()
    body = "".join(cleaner.out)
    if not body:
        return ""
    if cleaner.seen_text_first or cleaner.first_tag not in _BLOCKS:
        return f"<p>{body}</p>"
    return body
