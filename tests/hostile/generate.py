"""A seeded generator of hostile replay lines: what a platform, a broken export or an attacker
could hand the bot. Seeded, so a failure names a seed that reproduces it."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

HOSTILE_TEXTS = [
    "",
    " ",
    "\x00",
    "NUL\x00in the middle\x00",
    "lone \ud800 surrogate",
    "\udfff\ud800 reversed pair",
    "\u202eevil RTL override\u202c",
    "zero\u200bwidth\u200c\u200d\u2060joiners\ufeff",
    "'; DROP TABLE members; --",
    "' OR '1'='1",
    "Robert'); DELETE FROM points_ledger WHERE ('1'='1",
    "{member}",
    "{member.__class__.__mro__}",
    "{{7*7}} ${7*7} <%= 7*7 %> #{7*7}",
    "%s %d %(points)s %n",
    "{0} {1} {} {:>99999999}",
    "<script>alert(1)</script>",
    "加微信 vx123456 代开发票 刷单返利",
    "ｆｒｅｅ ｎｉｔｒｏ double your bitcoin https://grabify.link/x",
    "@everyone @here " * 20,
    "🔥" * 500,
    "a" * 5000,
    "\n" * 300,
    "Z̷̧̛̺a̸̡͙l̵̨̛g̶̢̛o̷̧͘",
    "checkin",
    "打卡",
    "\x1b[31mred\x1b[0m\x07\x08",
]
HOSTILE_IDS = [
    "",
    "u" * 300,
    "id\x00nul",
    "sur\ud800rogate",
    "\u202eadmin",
    "'; DROP TABLE members; --",
    "{member}",
    "0",
    "-1",
    "9" * 40,
]
COMMANDS = [
    "warn", "timeout", "untimeout", "kick", "ban", "unban", "cases", "case", "purge", "report",
    "checkin", "rank", "leaderboard", "points", "shop", "redeem", "spam", "ham", "raid",
    "automod", "calendar", "explain", "playbook", "no_such_command", "", "../../etc/passwd",
]  # fmt: skip
ABSURD_NUMBERS: list[Any] = [
    0, -1, 1, 2**31, 2**31 - 1, -(2**31), 2**63, 10**30, -(10**30), 3.5, float("inf"),
    float("nan"), "1e309", "99999999999999999999", "#12", "-0", "１２", "", None, True, [], {},
]  # fmt: skip
ABSURD_DURATIONS: list[Any] = [
    "10m", "0s", "-5m", "99999999999999999999d", "1e9d", "inf", "nan", "1.5.5h", "10 m 2 h",
    "28d", "29d", "36500d", "36501d", 10**30, -1, "", "⌛", None,
]  # fmt: skip


class Hostile:
    """Lines of a stream: mostly plausible chat with hostile content, some broken lines."""

    def __init__(self, seed: int, users: int = 40) -> None:
        self.rng = random.Random(seed)
        self.users = [f"user{i}" for i in range(users)]
        self.mods = ["mod1", "mod2"]
        self.at = T0
        self.messages: list[str] = []
        self.count = 0

    # -- values --------------------------------------------------------------------------------

    def text(self) -> Any:
        r = self.rng.random()
        if r < 0.7:  # chat, so that members earn, level up, check in and get nudged
            words = self.rng.choices(["hi", "hello", "ok", "thanks", "nice", "lol", "好的"], k=4)
            return " ".join(words) + f" {self.rng.randrange(10**6)}"
        if r < 0.92:
            return self.rng.choice(HOSTILE_TEXTS)
        if r < 0.96:
            length = self.rng.randrange(1, 60)
            return "".join(chr(self.rng.randrange(0, 0x11000)) for _ in range(length))
        if r < 0.98:
            return "x" * self.rng.choice([30_000, 120_000])
        return self.rng.choice([12, 3.5, None, True, ["a"], {"t": 1}])  # wrong types

    def user(self) -> Any:
        r = self.rng.random()
        if r < 0.85:
            return self.rng.choice(self.users)
        if r < 0.95:
            return self.rng.choice(HOSTILE_IDS) or "blank"
        return self.rng.choice([123456789, None, ["x"], {"id": 1}, True, 1.5])

    def when(self) -> Any:
        r = self.rng.random()
        if r < 0.96:
            self.at += timedelta(seconds=self.rng.choice([0, 1, 5, 15, 30, 61]))
            return self.at.isoformat().replace("+00:00", "Z")
        if r < 0.98:
            return self.at.replace(tzinfo=None).isoformat()  # naive: read as UTC
        return self.rng.choice([
            "2036-03-02T09:00:00Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z",
            "not a time", 1700000000, None, "2026-02-30T00:00:00Z", "+275760-09-13T00:00:00Z",
        ])  # fmt: skip

    def message_id(self) -> str:
        if self.messages and self.rng.random() < 0.9:
            return self.rng.choice(self.messages[-50:])
        return self.rng.choice(HOSTILE_IDS) or "m-none"

    def args(self, command: str) -> Any:
        rng = self.rng
        if rng.random() < 0.05:
            return rng.choice([[1, 2], "weight=9", 7, None])
        args: dict[str, Any] = {}
        if rng.random() < 0.8:
            args["user"] = self.user()
        for name in ("weight", "number", "count", "amount"):
            if rng.random() < 0.3:
                args[name] = rng.choice(ABSURD_NUMBERS)
        for name in ("duration", "delete_messages"):
            if rng.random() < 0.3:
                args[name] = rng.choice(ABSURD_DURATIONS)
        if rng.random() < 0.5:
            args["reason"] = self.text()
        if rng.random() < 0.2:
            args["action"] = rng.choice(["give", "take", "reverse", "show", "on", "off", "x" * 500])
        if rng.random() < 0.2:
            args["text"] = self.text()
        if rng.random() < 0.1:
            args["scope"] = rng.choice(["all", "ALL", "none"])
        if command == "redeem" and rng.random() < 0.5:
            args["item"] = rng.choice(["mug", "", "x" * 400, "{member}"])
        return args

    # -- lines ---------------------------------------------------------------------------------

    def event(self) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choices(
            [
                "message",
                "join",
                "leave",
                "edit",
                "delete",
                "reaction",
                "command",
                "button",
                "bogus",
            ],
            weights=[66, 4, 2, 5, 2, 3, 13, 2, 2],
        )[0]
        self.count += 1
        line: dict[str, Any] = {"at": self.when(), "type": kind, "user": self.user()}
        if kind == "bogus":
            line["type"] = rng.choice(["tick", "", None, 7, "MESSAGE", "message\x00"])
            return line
        if rng.random() < 0.05:
            line["community"] = rng.choice(["other", "u" * 300, 5])
        if rng.random() < 0.1:
            line["channel"] = rng.choice(["random", "c" * 200, "\u202egeneral", 42])
        if rng.random() < 0.05:
            line["bot"] = rng.choice([True, False, "false", "true", "yes", 0, 2, "maybe"])
        if kind in ("message", "edit"):
            mid = f"m{self.count}"
            self.messages.append(mid)
            line["message_id"] = mid if rng.random() < 0.97 else rng.choice(HOSTILE_IDS)
            line["text"] = self.text()
            if rng.random() < 0.1:
                line["reply_to"] = self.message_id()
            if rng.random() < 0.05:
                line["attachments"] = rng.choice([1, 3, -1, 10**9, "2", float("inf"), None])
            if rng.random() < 0.05:
                line["mentions"] = rng.choice([[self.user() for _ in range(3)], "x", [1, 2] * 300])
            if rng.random() < 0.03:
                line["forward"] = rng.choice([True, "false", "no"])
        elif kind == "delete":
            line["message_id"] = self.message_id()
        elif kind == "reaction":
            line["message_id"] = self.message_id()
            line["emoji"] = rng.choice(["👍", "🔥" * 200, "\x00", "\ud800", "custom:123", 5])
            line["target_user"] = self.user()
        elif kind == "button":
            line["custom_id"] = rng.choice(["verify", "welcome:verify", "x" * 500, "\x00", ""])
        elif kind == "command":
            command = rng.choice(COMMANDS)
            line["command"] = command
            line["args"] = self.args(command)
            if rng.random() < 0.5:
                line["user"] = rng.choice(self.mods)
                line["roles"] = ["moderator"]
            if rng.random() < 0.2:
                line["target_message_id"] = self.message_id()
                line["target_user"] = self.user()
                line["target_text"] = self.text()
        if rng.random() < 0.02:
            line["roles"] = rng.choice([["moderator"] * 300, "admin", [1, 2], [None]])
        return line

    def lines(self, count: int) -> list[str]:
        out: list[str] = []
        for _ in range(count):
            r = self.rng.random()
            if r < 0.01:
                out.append(self.rng.choice([
                    "{not json", "[" * 5000, '{"at": NaN}', "null", "[]", '"text"', "\x00",
                    '{"at": "2026-03-02T09:00:00Z", "type": "message", "user": "a", '
                    '"attachments": Infinity}',
                ]))  # fmt: skip
                continue
            out.append(json.dumps(self.event(), ensure_ascii=self.rng.random() < 0.5))
        return out
