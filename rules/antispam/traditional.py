"""Traditional → simplified Chinese, one character at a time, for matching only.

Ads arrive in both scripts (代開發票 / 代开发票); folding every traditional character to its
simplified form on both sides lets one keyword catch both. The mapping comes from OpenCC's
character table (package `opencc`, about 3,500 characters) and is used only to build the fold
table once; it is strictly one character to one character, so match spans still map back to the
original text. Without the package a short built-in table covers the characters that ads and FAQ
questions use most, so matching degrades instead of failing.
"""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)

# CJK Unified Ideographs and Extension A: where traditional characters live
_CJK_RANGES: tuple[tuple[int, int], ...] = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))

# The fallback: characters of common ad, contact and money words (代開發票, 兼職刷單, 聯繫電話,
# 賺錢, 優惠紅包, 點擊鏈接, 報名...). Keys are traditional, values simplified.
_COMMON = dict(
    zip(
        "開發單職聯繫電話號碼賺錢優紅點擊鏈網絡貸轉帳賬戶買賣價質產區證書課會員報這個們說時間問"
        "題資訊體驗種長門關係際輕鬆費專業務歡請簡線進樣還後裡麼為與幣據約機經營銷傳廣衛視頻圖獎"
        "勵禮盪處導師學習讀寫過場運動實現無條認識寶貝組掃領紀錄購車選擇刪節數隊東麗氣總額當貨",
        "开发单职联系电话号码赚钱优红点击链网络贷转帐账户买卖价质产区证书课会员报这个们说时间问"
        "题资讯体验种长门关系际轻松费专业务欢请简线进样还后里么为与币据约机经营销传广卫视频图奖"
        "励礼荡处导师学习读写过场运动实现无条认识宝贝组扫领纪录购车选择删节数队东丽气总额当货",
        strict=True,
    )
)


@functools.cache
def traditional_to_simplified() -> dict[str, str]:
    """{traditional character: simplified character}, built once and never changed."""
    try:
        import opencc  # noqa: PLC0415 - optional at import time; needed once per process
    except ImportError:
        log.warning("package opencc missing: only common traditional characters are folded")
        return dict(_COMMON)
    chars = [chr(code) for low, high in _CJK_RANGES for code in range(low, high + 1)]
    # one character per line, so OpenCC's phrase table never joins neighbours
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a conversion that changed lengths: keep what is safe
        log.warning("opencc changed the character count; using the built-in table")
        return dict(_COMMON)
    return {t: s for t, s in zip(chars, converted, strict=True) if t != s and len(s) == 1}


__all__ = ["traditional_to_simplified"]
