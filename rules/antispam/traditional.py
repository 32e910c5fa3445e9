"""Traditional → simplified Chinese, one character at a time, for matching only.

Ads arrive in both scripts (代開發票 / 代开发票); folding every traditional character to its
simplified form on both sides lets one keyword catch both. The mapping comes from OpenCC's
character table (package `opencc`, about 3,500 characters) and is used only to build the fold
table once; it is strictly one character to one character, so match spans still map back to the
original text.
"""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)

# CJK Unified Ideographs and Extension A: where traditional characters live
_CJK_RANGES: tuple[tuple[int, int], ...] = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))


@functools.cache
def traditional_to_simplified() -> dict[str, str]:
    """{traditional character: simplified character}, built once and never changed."""
    import opencc  # noqa: PLC0415 - loads its dictionaries; needed once per process

    convert = opencc.OpenCC("t2s").convert
    chars = [chr(code) for low, high in _CJK_RANGES for code in range(low, high + 1)]
    # one character per line, so OpenCC's phrase table never joins neighbours
    converted = convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a conversion that changed lengths: one at a time
        log.warning("opencc changed the character count; converting characters one by one")
        converted = [convert(c) for c in chars]
    return {t: s for t, s in zip(chars, converted, strict=True) if t != s and len(s) == 1}
