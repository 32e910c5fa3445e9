"""A realistic, seeded week of community life as a replay file: joins (one burst), chat with
replies and reactions, daily check-ins, ads and floods, moderator commands (/warn, /timeout,
/cases, /ban), member commands (/rank, /report, /redeem) and a few leaves."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday
CHAT = [
    "good morning everyone",
    "has anyone tried the new release?",
    "I think the docs could be clearer on this",
    "thanks, that helped a lot",
    "how do points work",
    "what are you all working on this week?",
    "lunch break, back in an hour",
    "the meetup was great yesterday",
    "can someone review my pull request",
    "agreed, tabs are better",
    "我今天学了很多",
    "大家好，请多关照",
]
ADS = [
    "兼职刷单，日结300，加我",
    "double your bitcoin today, DM me",
    "代开发票 联系我",
    "free nitro here https://grabify.link/abc",
]


def _at(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def week_events(
    seed: int = 7, members: int = 30, days: int = 7, gap: tuple[int, int] = (20, 420)
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    names = [f"m{i:02d}" for i in range(members)]
    joined: list[str] = []
    spammers = {names[-1], names[-2]}
    message_ids: list[tuple[str, str]] = []
    serial = 0

    def add(t: datetime, **fields: Any) -> None:
        out.append({"at": _at(t), **fields})

    for day in range(days):
        t = START + timedelta(days=day)
        if day == 1:  # a burst of joins (the welcome batches them)
            for name in names[len(joined) : len(joined) + 4]:
                t += timedelta(seconds=5)
                add(t, type="join", user=name)
                joined.append(name)
        end = START + timedelta(days=day, hours=14)
        while t < end:
            t += timedelta(seconds=rng.randint(*gap))
            roll = rng.random()
            if len(joined) < len(names) and roll < 0.05:
                name = names[len(joined)]
                joined.append(name)
                add(t, type="join", user=name)
                continue
            if not joined:
                continue
            user = rng.choice(joined)
            serial += 1
            mid = f"d{day}-{serial}"
            if roll < 0.10:
                add(t, type="message", user=user, text="checkin", message_id=mid)
            elif user in spammers and roll < 0.4:
                add(t, type="message", user=user, text=rng.choice(ADS), message_id=mid)
            elif roll < 0.16 and message_ids:
                target, author = rng.choice(message_ids[-20:])
                add(t, type="reaction", user=user, message_id=target, target_user=author)
            elif roll < 0.19:
                victim = rng.choice(joined)
                add(
                    t, type="command", user="mod", roles=["moderator"], command="warn",
                    args={"member": victim, "reason": "off topic"},
                )  # fmt: skip
            elif roll < 0.20:
                add(
                    t, type="command", user="mod", roles=["moderator"], command="timeout",
                    args={"member": rng.choice(joined), "duration": "5m", "reason": "heated"},
                )  # fmt: skip
            elif roll < 0.21:
                add(t, type="command", user=user, command="rank")
            elif roll < 0.22 and message_ids:
                target, author = rng.choice(message_ids[-10:])
                add(
                    t, type="command", user=user, command="report", target_message_id=target,
                    target_user=author, target_text="rude", args={"reason": "rude"},
                )  # fmt: skip
            elif roll < 0.23:
                add(
                    t, type="command", user="mod", roles=["moderator"], command="cases",
                    args={"member": user},
                )  # fmt: skip
            elif roll < 0.235:
                add(t, type="command", user=user, command="redeem", args={"item": "sticker"})
            elif roll < 0.24 and len(joined) > 10:
                add(t, type="leave", user=joined.pop(rng.randrange(len(joined))))
            elif roll < 0.26:
                # a flood: the same text six times in a few seconds
                for _ in range(6):
                    t += timedelta(seconds=1)
                    serial += 1
                    add(t, type="message", user=user, text="hello??", message_id=f"f{serial}")
            else:
                reply = rng.choice(message_ids[-5:])[0] if message_ids and roll > 0.8 else None
                line: dict[str, Any] = {"type": "message", "user": user, "message_id": mid}
                line["text"] = rng.choice(CHAT)
                if reply:
                    line["reply_to"] = reply
                add(t, **line)
                message_ids.append((mid, user))
    t = START + timedelta(days=days - 1, hours=15)
    add(
        t, type="command", user="mod", roles=["moderator"], command="ban",
        args={"member": sorted(spammers)[0], "reason": "ads"},
    )  # fmt: skip
    return out


def write_week(path: Path, **kwargs: Any) -> Path:
    path.write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in week_events(**kwargs)),
        encoding="utf-8",
    )
    return path


if __name__ == "__main__":
    import sys

    write_week(Path(sys.argv[1]))
