"""The executor: order, audit, capabilities, retries, missing permissions, shadow mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.actions import ALL_ACTION_KINDS, Action, AddRole, Post, Reply
from bot.adapter import ActionResult, PlatformError
from bot.app import playbook_model
from bot.engine import Engine, RuleOutcome
from bot.events import Actor, MessagePosted
from bot.executor import Executor
from bot.playbook import parse_playbook
from bot.rule import AlreadyDone, ApplyContext, Capability, Decision, Patch, rule
from bot.runtime import Runtime
from bot.state import CommunityState
from bot.store import Store

T = datetime(2026, 3, 2, 9, tzinfo=UTC)


@dataclass
class FlakyAdapter:
    platform: str = "test"
    capabilities: frozenset[str] = ALL_ACTION_KINDS - {"add_role"}
    failures: list[PlatformError] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)  # action kinds always refused
    done: list[Action] = field(default_factory=list)

    def why_unsupported(self, kind: str) -> str:
        return f"this platform has no {kind}"

    def serves(self, community_id: str) -> bool:
        return True

    async def execute(self, community_id: str, action: Action) -> ActionResult:
        if action.kind in self.forbidden:
            raise PlatformError(PlatformError.FORBIDDEN, "Missing Permissions")
        if self.failures:
            raise self.failures.pop(0)
        self.done.append(action)
        return ActionResult(ref=str(len(self.done)))


@pytest.fixture
async def env(tmp_path):
    store = await Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    ref = await store.community("test", "c1")
    playbook = parse_playbook("community: {mod_log_channel: mod-log}\n", playbook_model())
    yield store, ref, playbook
    await store.close()


def fired(*actions: Action, patches: tuple[Patch, ...] = (), shadow: bool = False) -> RuleOutcome:
    decision = Decision(True, "because", tuple(actions), patches, shadow=shadow)
    return RuleOutcome("test.rule", "test", decision)


async def run(env, adapter, *outcomes, shadow=False, sleeps=None, executor=None):
    store, ref, playbook = env

    async def sleep(seconds: float) -> None:
        (sleeps if sleeps is not None else []).append(seconds)

    runtime = Runtime(store=store, capabilities=[], playbooks=None, executor=Executor({}))  # type: ignore[arg-type]
    view = runtime.view(playbook)
    executor = executor or Executor({"test": adapter}, sleep=sleep)
    state = CommunityState(ref, store, {})
    return await executor.run(
        list(outcomes), ApplyContext(store, ref, state), view, T, shadow=shadow
    )


async def test_actions_run_in_order_and_are_audited(env):
    adapter = FlakyAdapter()
    done = await run(
        env, adapter, fired(Post(channel_id="a", text="1"), Post(channel_id="a", text="2"))
    )
    assert [a.text_shown for a in adapter.done] == ["1", "2"]
    log = await env[0].audit_log(env[1])
    assert [(e["text"], e["status"], e["rule"]) for e in log] == [
        ("1", "executed", "test.rule"),
        ("2", "executed", "test.rule"),
    ]
    assert [o.ref for o in done] == ["1", "2"]


async def test_unsupported_action_is_skipped_and_says_why(env):
    done = await run(env, FlakyAdapter(), fired(AddRole(user_id="u", role="vip")))
    assert done[0].status == "skipped" and "no add_role" in done[0].detail


async def test_rate_limit_is_retried_after_the_platform_delay(env):
    adapter = FlakyAdapter(
        failures=[PlatformError(PlatformError.RATE_LIMITED, "429", retry_after=3.0)]
    )
    sleeps: list[float] = []
    done = await run(env, adapter, fired(Post(channel_id="a", text="hi")), sleeps=sleeps)
    assert done[0].status == "executed" and sleeps == [3.0]


async def test_missing_permission_is_reported_once_and_the_bot_goes_on(env):
    adapter = FlakyAdapter(forbidden={"kick"})
    from bot.actions import Kick

    executor = Executor({"test": adapter})
    first = await run(env, adapter, fired(Kick(user_id="u1")), executor=executor)
    second = await run(
        env,
        adapter,
        fired(Kick(user_id="u2")),
        fired(Reply(channel_id="a", text="ok")),
        executor=executor,
    )
    assert first[0].status == "failed" and "forbidden" in first[0].detail
    assert second[0].status == "failed"
    # one alert to the moderators' log channel after the first failure, none after the second
    alerts = [a for a in adapter.done if isinstance(a, Post) and a.channel_id == "mod-log"]
    assert len(alerts) == 1 and "kick" in alerts[0].text
    assert second[-1].status == "executed"


async def test_shadow_mode_decides_and_logs_but_executes_nothing(env):
    class Count(Patch):
        calls = 0

        async def apply(self, ctx: ApplyContext) -> None:
            Count.calls += 1

    adapter = FlakyAdapter()
    done = await run(
        env, adapter, fired(Post(channel_id="a", text="x"), patches=(Count(),), shadow=True)
    )
    assert adapter.done == [] and Count.calls == 0
    assert done[0].status == "shadow"
    assert (await env[0].audit_log(env[1]))[0]["status"] == "shadow"


async def test_a_claim_already_taken_drops_the_decisions_actions(env):
    class Claimed(Patch):
        async def apply(self, ctx: ApplyContext) -> None:
            raise AlreadyDone("key exists")

    adapter = FlakyAdapter()
    await run(
        env,
        adapter,
        fired(Post(channel_id="a", text="twice?"), patches=(Claimed(),)),
        fired(Post(channel_id="a", text="other")),
    )
    assert [a.text_shown for a in adapter.done] == ["other"]


async def test_a_crashing_rule_is_reported_and_other_rules_still_run(env):
    store, ref, playbook = env

    @rule("broken.rule", on=MessagePosted)
    def broken(ev, cfg, snap, now):
        raise ZeroDivisionError("oops")

    @rule("fine.rule", on=MessagePosted)
    def fine(ev, cfg, snap, now):
        return Decision.act([Reply(channel_id="a", text="fine")], "ok")

    from bot.configmodel import SectionConfig
    from bot.rule import RuleContext

    class Cfg(SectionConfig):
        pass

    caps = [Capability("broken", Cfg, (broken,)), Capability("fine", Cfg, (fine,))]
    engine = Engine(caps)
    pb = type("PB", (), {"broken": Cfg(), "fine": Cfg(), "community": playbook.community})()
    ctx = RuleContext(store, ref, None, pb, CommunityState(ref, store, {}), T)  # type: ignore[arg-type]
    ev = MessagePosted(
        platform="test",
        community_id="c1",
        occurred_at=T,
        channel_id="a",
        message_id="1",
        author=Actor("u"),
        text="hi",
    )
    outcomes = await engine.evaluate(ev, ctx)
    assert outcomes[0].decision is None and "ZeroDivisionError" in outcomes[0].note
    assert outcomes[1].fired
