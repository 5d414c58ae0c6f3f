"""Hit highlighting: wrap search hits in ``<em>`` even inside already-linked HTML.

A port of twitter-text's ``HitHighlighter`` (JS ``hitHighlight.js`` / Ruby
``hit_highlighter.rb``). ``hits`` are ``[start, end)`` code point offsets into the
text *as if its HTML tags were removed*, so they can come from the plain post text
while ``text`` is the auto-linked HTML. The text is split on ``<`` and ``>``; even
chunks are text, odd chunks are tag bodies, which are copied through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

DEFAULT_HIGHLIGHT_TAG = "em"

_TAG_SPLIT = re.compile(r"[<>]")


def hit_highlight(
    text: str, hits: Iterable[Sequence[int]] | None = None, tag: str = DEFAULT_HIGHLIGHT_TAG
) -> str:
    """Wrap each ``[start, end)`` hit of ``text`` (offsets ignore HTML tags) in ``tag``.

    Hits must be sorted and non-overlapping. A hit running off the end of the text is
    closed at the end.
    """
    flat_hits = [offset for hit in hits or () for offset in hit]
    if not flat_hits:
        return text

    tags = (f"<{tag}>", f"</{tag}>")
    chunks = _TAG_SPLIT.split(text)
    result: list[str] = []
    chunk_index = 0
    chunk: str | None = chunks[0]
    prev_chunks_len = 0
    chunk_cursor = 0
    start_in_chunk = False

    for index, hit in enumerate(flat_hits):
        tag_text = tags[index % 2]
        placed = False

        while chunk is not None and hit >= prev_chunks_len + len(chunk):
            result.append(chunk[chunk_cursor:])
            if start_in_chunk and hit == prev_chunks_len + len(chunk):
                result.append(tag_text)
                placed = True
            # Copy the tag following this text chunk (if any) through unchanged.
            if chunk_index + 1 < len(chunks) and chunks[chunk_index + 1]:
                result.append(f"<{chunks[chunk_index + 1]}>")
            prev_chunks_len += len(chunk)
            chunk_cursor = 0
            chunk_index += 2
            chunk = chunks[chunk_index] if chunk_index < len(chunks) else None
            start_in_chunk = False

        if not placed and chunk is not None:
            hit_spot = hit - prev_chunks_len
            result.append(chunk[chunk_cursor:hit_spot] + tag_text)
            chunk_cursor = hit_spot
            start_in_chunk = index % 2 == 0
        elif not placed:
            # Hits that run off the end still get their tag.
            result.append(tag_text)

    if chunk is not None:
        if chunk_cursor < len(chunk):
            result.append(chunk[chunk_cursor:])
        for rest_index in range(chunk_index + 1, len(chunks)):
            piece = chunks[rest_index]
            result.append(piece if rest_index % 2 == 0 else f"<{piece}>")
    return "".join(result)
