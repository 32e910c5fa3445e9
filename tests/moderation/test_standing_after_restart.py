"""Who is staff survives a restart: after `kill`-and-start the bot still refuses to punish a
moderator it saw before, without seeing them again — on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.actions import Ban, Timeout, Warn
from tests.harness import BotHarness

PLAYBOOK = "community: {name: Makers, mod_log_channel: mod-log}\nmoderation: {}\n"


async def test_a_moderator_seen_before_a_restart_is_still_refused_as_a_target(
    tmp_path, db_url
) -> None:
    bot = await BotHarness.start(tmp_path, PLAYBOOK, db_url=db_url)
    try:
        bot.moderators.update({"boss", "helper"})
        await bot.say("helper", "I keep this place tidy")  # seen once, as a moderator
        await bot.say("bob", "hello")
        await bot.restart()
        bot.clear()
        for command in ("ban", "timeout", "warn"):
            await bot.command("boss", command, target_user_id="helper", duration="1h")
        punished = [a for a in bot.actions_for("helper") if isinstance(a, Ban | Timeout | Warn)]
        assert punished == []
        replies = bot.texts("reply")
        assert len(replies) == 3 and all("moderators" in r for r in replies), replies

        await bot.command("boss", "warn", target_user_id="bob", reason="a plain member")
        assert [a for a in bot.actions_for("bob") if isinstance(a, Warn)]
    finally:
        await bot.close()
