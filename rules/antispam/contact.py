"""Contact solicitations as spammers really write them: a handle word (微信, its homophones and
abbreviations 威信 / 薇 / v信 / vx / wx, QQ / 扣扣 / 企鹅 / q群, 飞机 / TG, WhatsApp, ...)
followed by an id, phone numbers, "scan the QR code to join", and invitations to a private chat.

Everything works on the forms `normalize` already built (full-width folded, look-alikes folded,
zero-width characters gone, runs of single characters glued: ``z y 1 2 3`` reads ``zy123``); the
id after a handle is joined back from short pieces (``qun 123 456``) and Chinese numerals
(``一二三四五六``). One Aho-Corasick pass over the spaced form finds the handle words; the rest
runs only where one was found, so a message without any costs one automaton pass and a few
`in` tests.

`find_contacts` returns *signals*, not a verdict: `rules.antispam.adscore` weighs them with the
scam lexicon and who is talking (a long-standing member saying "我们的微信群周五开会" is not
an advertiser).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import ahocorasick

from rules.antispam.normalize import Normalized, normalize

# Handle words. "evasive" ones are what honest members rarely type (homophones, abbreviations,
# emoji): they weigh more than the plain names. Single letters only count after a verb (加q).
PLAIN_HANDLES = (
    "微信", "qq", "wechat", "weixin", "telegram", "whatsapp", "skype", "snapchat", "kik",
    "电报", "line号", "微信号", "qq号", "qq群", "微信群",
)  # fmt: skip
EVASIVE_HANDLES = (
    "威信", "薇信", "维信", "徽信", "卫星", "魏信", "微芯", "v信", "vx", "wx", "vx号", "wei信",
    "薇", "绿泡泡", "扣扣", "叩叩", "抠抠", "企鹅", "企鹅号", "q群", "扣群", "飞机", "纸飞机",
    "飞机号", "tg", "tg号", "whatsap", "wa号", "v", "q", "加v", "加q", "wei xin", "wei xing",
    "kou kou", "qi e",
)  # fmt: skip
SINGLE_LETTER = frozenset({"v", "q"})
# Emoji spammers use as handles; normalization drops them (they are not letters), so they are
# looked for in the folded text.
EMOJI_HANDLES = {"🐧": "🐧(QQ)", "✈": "✈(Telegram)", "🛩": "🛩(Telegram)", "💬": "💬"}

VERBS = frozenset({
    "加", "添加", "家", "嘉", "联系", "联系我", "私", "找", "找我", "搜", "搜索", "戳", "扫", "+",
    "加我", "加个", "加下", "加一下", "请加", "速加", "可加", "直接加", "有意加", "加好友",
    "add", "contact", "text", "message", "dm", "ping", "reach", "hit", "jia",
})  # fmt: skip
# Tokens that may sit between a handle and its id ("微信号：", "QQ群号是", "telegram id @")
FILLERS = frozenset({
    "号", "码", "号码", "是", "为", "搜", "加", "我", "的", "群", "群号", "私", "聊", "联", "系",
    "备", "注", "同", "步", "id", "is", "me", "at", "on", "my", "handle", "number", "no", "nr",
    "account", "user", "username", "群聊", "号是",
})  # fmt: skip
_CN_DIGITS = {
    "零": "0", "〇": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
    "七": "7", "八": "8", "九": "9", "壹": "1", "贰": "2", "叁": "3", "肆": "4", "伍": "5",
    "陆": "6", "柒": "7", "捌": "8", "玖": "9", "幺": "1",
}  # fmt: skip
_ASCII_ALNUM = re.compile(r"[a-z0-9]+")
_UPPER = re.compile(r"[A-Z]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[a-z]")
# English words that follow a handle in ordinary talk and are not ids
_NOT_IDS = frozenset({
    "group", "groups", "after", "before", "later", "today", "tonight", "tomorrow", "please",
    "thanks", "chat", "chats", "channel", "account", "works", "doesnt", "message", "messages",
    "meeting", "about", "instead", "because", "where", "there", "their", "which", "would",
    "could", "should", "video", "voice", "call", "calls", "first", "again", "still", "since",
    "people", "users", "sticker", "stickers", "pay", "payment", "official", "number", "contact",
})  # fmt: skip

PHONE_CN = re.compile(r"(?<!\d)(?:86)?1[3-9]\d{9}(?!\d)")
PHONE_ANY = re.compile(r"(?<!\d)\d{10,13}(?!\d)")
# UK premium-rate and 08xx lines, and 070 "personal numbers" (they forward at a premium rate)
PREMIUM = re.compile(r"(?<!\d)0(?:9\d{9}|8\d{8,9}|70\d{8})(?!\d)")
SHORT_CODE = re.compile(
    r" (?:text|txt|send|sending|reply|replying|rply|sms|msg|message|txting|texting)"
    r"(?: [a-z0-9]+){0,6} (?:to (?!7726 )\d{4,6}|on \d{5,6})(?!\d)"  # 7726: where spam is reported
)
# a price per message / minute / week: "150p/msg", "£1.50 per min", "3 pounds a week"
_UNIT = r"(?:msg|msgs|message|txt|text|sms|min|mins|minute|wk|week|call)\b"
CHARGE = re.compile(
    r"(?:[£$€]\d+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?\s?(?:p|ppm|pence|pounds?|gbp)\b)"
    rf"\s?(?:/|per |a |an |each ){_UNIT}"
    rf"|\d+\.\d{{2}}\s?(?:/|per ){_UNIT}"
    r"|\b\d+\s?ppm\b"
    # "4 pounds per clip", "£2 per question", "5 pounds charged", "charged at premium rate"
    r"|(?:[£$€]\d+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})? ?(?:p|pence|pounds?|gbp)) per (?:go|clip|vid"
    r"|video|pic|picture|photo|question|entry|alert|download|reading|tone|ringtone)\b"
    r"|\b\d+(?:\.\d{1,2})? ?(?:pounds?|gbp) charged\b|\bcharged at (?:the )?premium rate"
)
# SMS-era prize ads by shape rather than by word (docs/antispam-quality.md, issue 13): a prize
# value ("£1000", "$350 award", "2,000 pounds"; not "£1.50" or "$20"), an age gate ("18+",
# "over 16s"), a bare 5-digit short code ("ringtoneking 84484"), a prize word shouted inside
# ordinary text ("for FREE", "WIN a", "URGENT!")
PRIZE_VALUE = re.compile(
    r"[£$€] ?(?:\d{1,3},\d{3}|\d{3,})(?!\.\d|\d)"
    r"|(?<![\d.,])\d{3,}(?:,\d{3})? ?(?:pounds|quid|gbp)\b"
)
AGE_GATE = re.compile(
    r"(?<![\w+])1[68] ?\+(?!\d)|\bover 1[68]s?\b|\b(?:aged|age) 1[68]\+"
    r"|\bmust be (?:over )?1[68]\b|\b1[68] (?:or|and) over\b"
)
BARE_SHORT_CODE = re.compile(r"(?<![\d£$€.,:/#-])[6-8]\d{4}(?![\d.,:/])")
SHOUTED_PRIZE = re.compile(
    r"\b(?:FREE|WIN|WON|WINNER|PRIZE|CLAIM|CASH|URGENT|AWARDED|CONGRATULATIONS|GUARANTEED)\b"
)
# "call 08000930705 now", "please ring us on 0207 ...", "dial 402": calling a number (not "call
# me on ...", which friends say); a price in pence ("only 10p", "costing 300p")
CALL_NUMBER = re.compile(
    r"\b(?:call|ring|dial|calling|phone)(?: (?!me\b)[a-z]+){0,3}? \+?\d[\d -]{7,}\d"
)
PENCE = re.compile(r"(?<![\d.£$€])\d{1,3}p\b")
# content sold to the handset: "new tones straight to ur mobile", "games for your phone"
TO_THE_PHONE = re.compile(
    r"\b(?:to|on|for|from|onto|via) (?:your|ur|yr) (?:mobile|phone|fone|handset|mob)\b"
)
PHONE_CONTENT = re.compile(
    r"\b(?:ring ?tones?|tones|wallpapers?|logos|polys|games|downloads?|animations?|videos?|vids"
    r"|pics|content|music|screensavers?|chart)\b"
)
# "reply YES", "txt HORO", "text CHAT to", "send STOP": a keyword in capitals to text back
REPLY_KEYWORD = re.compile(
    r"\b(?:[Rr]eply|REPLY|[Rr]ply|[Tt]xt|TXT|[Tt]ext|TEXT|[Ss]end|SEND)"
    r"(?: back| BACK)?(?: with| WITH)?:? ([A-Z][A-Z0-9]{1,11})\b"
)
_NOT_KEYWORDS = frozenset({
    "OK", "ASAP", "ME", "UR", "LOL", "PLS", "PLZ", "THX", "BTW", "IDK", "OMG", "AM", "PM", "IT",
    "TO", "THE", "AND", "IF", "MY", "HIM", "HER", "US", "THEM", "ALL",
})  # fmt: skip
QR_STRONG = (
    "扫码进群", "扫码入群", "扫码加", "扫码领", "扫码关注", "扫描二维码", "扫一扫", "长按识别",
    "长按二维码", "识别二维码", "识别图中", "见图扫码", "扫码", "二维码进群",
)  # fmt: skip
QR_EN = re.compile(r" (?:scan (?:the |this |my )?qr(?: code)?|qr code to join|scan to join) ")
PRIVATE_ZH = (
    "私我", "私聊我", "私信我", "滴滴我", "敲我", "戳我", "详情私", "详聊", "私聊详谈", "私聊了解",
    "私信了解", "有意私", "需要的私", "看我主页", "主页联系", "加我详聊", "来撩", "找我领",
    "私聊", "私信", "加好友",
)  # fmt: skip
PRIVATE_EN = re.compile(
    r" (?:dm|pm|inbox|message|text|contact|hit) me"
    # friends say "text me when you're back", "message me if": not an invitation to a DM
    r"(?! (?:when|whenever|if|once|tonight|later|tomorrow|the|back|after|before|anymore|in)\b)"
    r"(?: (?:now|asap|privately|directly|for|on|via|up))? "
    r"| (?:send|drop) me a (?:dm|pm|message) | for more info (?:dm|pm) "
)
CALL_TO_ACTION = (
    "有意者", "有意向的", "欢迎咨询", "详情咨询", "名额有限", "先到先得", "速来", "懂的私",
    "懂的来", "要的私", "需要私", "不过退款", "不过全额退款",
)  # fmt: skip
CALL_TO_ACTION_EN = re.compile(
    r" (?:limited slots|act now|link in (?:my )?bio|check my (?:bio|profile)|don t miss out"
    r"|click the link|first come first served only) "
)
# a handle glued to its id by normalization: "v x：a b c 7 7 8 8" reads "vxabc7788"
GLUED = re.compile(r"(?<= )(vx|wx|qq|tg|weixin)([a-z0-9]{4,})(?= )")
JOIN_GROUP = ("进群", "加群", "入群", "拉你进", "拉群", "群满了", "进裙", "加裙", "免费进群")


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence: its kind (weighted by the playbook) and what matched, in words."""

    kind: str  # handle_with_id | evasive_handle_with_id | handle | phone | premium_number |
    #            short_code | premium_charge | reply_keyword | qr_code | private_chat |
    #            join_group | call_to_action | disguise | prize_value | age_gate |
    #            short_number | shouted_prize | call_number | pence_price | phone_content
    detail: str


def _key(word: str) -> str:
    return normalize(word).spaced


@cache
def _handles() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for word in PLAIN_HANDLES:
        automaton.add_word(_key(word), (_key(word), word, False))
    for word in EVASIVE_HANDLES:
        key = _key(word)
        if key.strip():
            automaton.add_word(key, (key, word, True))
    automaton.make_automaton()
    return automaton


@cache
def _phrases() -> ahocorasick.Automaton:
    """Chinese QR / private-chat / join phrases, matched on the compact form."""
    automaton = ahocorasick.Automaton()
    kinds = (
        ("qr_code", QR_STRONG),
        ("private_chat", PRIVATE_ZH),
        ("join_group", JOIN_GROUP),
        ("call_to_action", CALL_TO_ACTION),
    )
    for kind, words in kinds:
        for word in words:
            key = normalize(word).compact
            automaton.add_word(key, (kind, word))
    automaton.make_automaton()
    return automaton


def _id_after(tail: list[str], cjk_context: bool) -> tuple[str, int] | None:
    """The id-like token at the start of `tail` (fillers skipped, short pieces joined), and how
    many pieces it was joined from; None when what follows is not an id."""
    i = 0
    while i < len(tail) and i < 4 and tail[i] in FILLERS:
        i += 1
    pieces: list[str] = []
    skipped = 0
    while i < len(tail) and len(pieces) < 8:
        token = tail[i]
        if token in _CN_DIGITS:
            digits = ""
            while i < len(tail) and tail[i] in _CN_DIGITS:
                digits += _CN_DIGITS[tail[i]]
                i += 1
            if len(digits) < 4:
                break
            pieces.append(digits)
            continue
        if not _ASCII_ALNUM.fullmatch(token):
            if not pieces and skipped < 6 and len(token) == 1 and not token.isascii():
                skipped += 1  # 加我微信拉你进群 qun8899: a few characters between
                i += 1
                continue
            break
        if pieces and len(token) > 4 and len(pieces[-1]) > 4:
            break  # two long words: not pieces of one id
        pieces.append(token)
        i += 1
        if sum(map(len, pieces)) >= 32:
            break
    if not pieces:
        return None
    ident = "".join(pieces)
    digits = len(_DIGIT.findall(ident))
    letters = len(_LETTER.findall(ident))
    if len(ident) < 5:
        return None
    if digits >= 3 or (digits and letters):
        return ident, len(pieces)
    if skipped:
        return None
    if cjk_context and letters >= 5 and ident not in _NOT_IDS:
        return ident, len(pieces)  # a latin word right after 微信 in Chinese text is an id
    return None


def _has_cjk(text: str) -> bool:
    return not text.isascii() and any("\u4e00" <= ch <= "\u9fff" for ch in text)


# Words each English pattern cannot match without (`in` tests at C speed, so a chat line that
# has none of them costs no regex search).
_GLUED_NEEDS = ("vx", "wx", "qq", "tg", "weixin")
_REPLY_NEEDS = ("reply", "rply", "txt", "text", "send")  # in the folded (lower-case) text
_QR_NEEDS = ("scan", "qr")
_ACTION_NEEDS = (
    "limited slots", "act now", "link in", "check my", "miss out", "click the link", "first come",
)  # fmt: skip
_PRIVATE_NEEDS = (" me ", "more info")
_SHOUTED_NEEDS = (
    "FREE", "WIN", "WON", "PRIZE", "CLAIM", "CASH", "URGENT", "AWARDED", "CONGRATULATIONS",
    "GUARANTEED",
)  # fmt: skip  # in the original text: `SHOUTED_PRIZE` is case-sensitive


_PHONE_NEEDS = ("mob", "phone", "fone", "handset")  # `TO_THE_PHONE`, in the folded text
# in the folded text: `CHARGE` (each alternative ends in a unit, "ppm", "per " or "charged"),
# `CALL_NUMBER`, `AGE_GATE` (every alternative holds 16 or 18)
_CHARGE_NEEDS = (
    "msg", "message", "txt", "text", "sms", "min", "wk", "week", "call", "ppm", "per ", "charged",
)  # fmt: skip
_CALL_NEEDS = ("call", "ring", "dial", "phone")
_AGE_NEEDS = ("16", "18")
_DIGITS = re.compile(r"\d+")


def _longest_digits(compact: str) -> int:
    """The longest run of digits: premium and phone numbers take 10, a short code 4 or 5 (a
    bare one), a prize value 3."""
    return max(map(len, _DIGITS.findall(compact)), default=0)


def _has_any(text: str, needles: tuple[str, ...]) -> bool:
    for needle in needles:  # noqa: SIM110  # no generator: this runs ~10 times per message
        if needle in text:
            return True
    return False


@cache
def needle_words() -> frozenset[str]:
    """Every word some signal of `find_contacts` cannot fire without, for `may_have_contacts`:
    the handle keys and the pre-check words, all looked for in the spaced form (a word of
    letters found in the folded or original text is inside a word of the spaced form)."""
    words = set(_GLUED_NEEDS)
    for needles in plain_signals().values():
        words |= needles
    return frozenset(words)


@cache
def plain_signals() -> dict[str, frozenset[str]]:
    """The only signals `find_contacts` may give on ASCII text without a digit, by kind, each
    with the words (as looked for in the spaced form) it cannot give without: a handle's id
    needs a digit there (`_id_after`, no Chinese context), and so do the glued handles and
    every number signal. `Ads.may_fire_plain` bounds a chat line's score by them."""
    return {
        "handle": frozenset(key for key, *_ in _handles().values()),  # a verb before one
        "reply_keyword": frozenset(_REPLY_NEEDS),
        "phone_content": frozenset(_PHONE_NEEDS),
        "shouted_prize": frozenset(needle.lower() for needle in _SHOUTED_NEEDS),
        "qr_code": frozenset(_QR_NEEDS),
        "call_to_action": frozenset(_ACTION_NEEDS),
        "private_chat": frozenset(_PRIVATE_NEEDS),
    }


@cache
def _needles() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for word in needle_words():
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton


def may_have_contacts(norm: Normalized) -> bool:
    """False only when `find_contacts(norm)` is surely empty: one automaton pass instead of
    its dozen searches, for the common chat line. A new signal in `find_contacts` must keep
    this true wherever it may fire (tests/antispam/test_fast_path.py checks every corpus)."""
    compact = norm.compact
    if _has_cjk(compact) or _DIGIT.search(compact):
        return True
    folded = norm.folded
    if not folded.isascii() and any(emoji in folded for emoji in EMOJI_HANDLES):
        return True
    return next(_needles().iter(norm.spaced), None) is not None


def find_contacts(norm: Normalized) -> list[Signal]:
    """Every contact signal in a normalized message (in the order they were found)."""
    spaced = norm.spaced
    signals: list[Signal] = []
    cjk = _has_cjk(norm.compact)
    seen_ids: set[str] = set()
    for end, (key, word, evasive) in _handles().iter(spaced):
        start = end + 1 - len(key)
        before = spaced[max(0, start - 12) : start + 1].split()
        verb = bool(before) and (
            before[-1] in VERBS
            or "".join(before[-2:]) in VERBS
            or (word.isascii() and any(b in VERBS for b in before[-3:]))
        )
        if word in SINGLE_LETTER and not verb:
            continue
        tail = spaced[end : end + 120].split()
        found = _id_after(tail, cjk)
        shown = word.upper() if word.isascii() else word
        if found is None:
            if verb:
                signals.append(Signal("handle", f"{'加' if cjk else 'add'} {shown}"))
            continue
        ident, pieces = found
        if ident in seen_ids:
            continue
        seen_ids.add(ident)
        if verb:
            signals.append(Signal("handle", f"{'加' if cjk else 'add'} {shown}"))
        kind = "evasive_handle_with_id" if evasive else "handle_with_id"
        signals.append(Signal(kind, f"{shown} → {ident}"))
        if pieces >= 3:
            signals.append(Signal("disguise", f"id {ident} written in {pieces} pieces"))
    for glued in GLUED.finditer(spaced) if _has_any(spaced, _GLUED_NEEDS) else ():
        ident = glued.group(2)
        if _DIGIT.search(ident) and ident not in seen_ids:
            seen_ids.add(ident)
            signals.append(Signal("evasive_handle_with_id", f"{glued.group(1).upper()} → {ident}"))
    folded = norm.folded
    for emoji, shown in () if folded.isascii() else EMOJI_HANDLES.items():
        if emoji in folded:
            at = folded.index(emoji) + len(emoji)
            found = _id_after(normalize(folded[at : at + 60]).spaced.split(), True)
            if found:
                signals.append(Signal("evasive_handle_with_id", f"{shown} → {found[0]}"))
    compact = norm.compact
    if _DIGIT.search(compact):
        # most numbers in chat are short ("at 5", "2pm"): the patterns that need a long run
        # of digits (one of the folded or spaced form is inside one of the compact form) or
        # a word of theirs are not searched without
        run = _longest_digits(compact)
        premium = PREMIUM.search(compact) if run >= 10 else None
        phone = (PHONE_CN.search(compact) or PHONE_ANY.search(compact)) if run >= 10 else None
        if premium:
            signals.append(Signal("premium_number", premium.group()))
        elif phone and phone.group() not in seen_ids:
            signals.append(Signal("phone", phone.group()))
        code = SHORT_CODE.search(spaced) if run >= 4 else None
        if code:
            signals.append(Signal("short_code", code.group().strip()))
        charge = CHARGE.search(folded) if _has_any(folded, _CHARGE_NEEDS) else None
        if charge:
            signals.append(Signal("premium_charge", charge.group()))
        call = CALL_NUMBER.search(folded) if _has_any(folded, _CALL_NEEDS) else None
        if call:
            signals.append(Signal("call_number", call.group()))
        if not charge:
            pence = PENCE.search(folded)
            if pence:
                signals.append(Signal("pence_price", pence.group()))
        prize = PRIZE_VALUE.search(folded) if run >= 3 else None
        if prize:
            signals.append(Signal("prize_value", prize.group()))
        age = AGE_GATE.search(folded) if _has_any(folded, _AGE_NEEDS) else None
        if age:
            signals.append(Signal("age_gate", age.group().strip()))
        if not code and not cjk and run >= 5:
            bare = BARE_SHORT_CODE.search(folded)
            if bare:
                signals.append(Signal("short_number", bare.group()))
    original = norm.original
    keyword = (
        next((m for m in REPLY_KEYWORD.finditer(original) if m.group(1) not in _NOT_KEYWORDS), None)
        if _has_any(folded, _REPLY_NEEDS)
        else None
    )
    quiet = None  # is the text mostly lower case? (a shouted text is not an ad by its capitals)
    if keyword:
        quiet = len(_UPPER.findall(original)) * 2 < len(_ASCII_LETTER.findall(original))
        if quiet:
            signals.append(Signal("reply_keyword", keyword.group().strip()))
    if not cjk and _has_any(folded, _PHONE_NEEDS):
        phone = TO_THE_PHONE.search(folded)
        if phone:
            content = PHONE_CONTENT.search(folded)
            if content:
                signals.append(Signal("phone_content", f"{content.group()} … {phone.group()}"))
    shouted = (
        SHOUTED_PRIZE.search(original) if not cjk and _has_any(original, _SHOUTED_NEEDS) else None
    )
    if shouted and (
        quiet if quiet is not None
        else len(_UPPER.findall(original)) * 2 < len(_ASCII_LETTER.findall(original))
    ):  # fmt: skip
        signals.append(Signal("shouted_prize", shouted.group()))
    if cjk:
        kinds: set[str] = set()
        for _, (kind, word) in _phrases().iter(compact):
            if kind not in kinds:
                kinds.add(kind)
                signals.append(Signal(kind, word))
    else:
        qr = QR_EN.search(spaced) if _has_any(spaced, _QR_NEEDS) else None
        if qr:
            signals.append(Signal("qr_code", qr.group().strip()))
    action = CALL_TO_ACTION_EN.search(spaced) if _has_any(spaced, _ACTION_NEEDS) else None
    if action:
        signals.append(Signal("call_to_action", action.group().strip()))
    private = PRIVATE_EN.search(spaced) if _has_any(spaced, _PRIVATE_NEEDS) else None
    if private:
        signals.append(Signal("private_chat", private.group().strip()))
    return signals


__all__ = ["Signal", "find_contacts"]
