"""Console parity (issue 12, point 11): the console behaves as the platforms do — the rest of
the line is the reason, a timed-out member cannot post, /kick removes the member, and an
unknown member or message id gets a clear answer instead of a case or silence."""

from __future__ import annotations

from tests.core.test_console_and_replay import console


async def lines(session, out, *typed: str) -> str:
    out.clear()
    for line in typed:
        await session.handle_line(line)
    return "\n".join(out)


async def test_warn_takes_the_rest_of_the_line_as_the_reason(tmp_path):
    session, out = await console(tmp_path)
    await lines(session, out, "/join alice", "/as alice", "hi all", "/as mia mod")

    text = await lines(session, out, "/warn alice be nice to newcomers")

    assert "alice, you have been warned: be nice to newcomers" in text
    assert "be nice to newcomers" in text.split("reply → mia")[1]
    text = await lines(session, out, "/warn alice spamming links 2", "/cases alice")
    assert "spamming links" in text and "(3 active warning points)" in text
    await session.runtime.store.close()


async def test_a_timed_out_member_cannot_post_until_the_timeout_ends(tmp_path):
    session, out = await console(tmp_path)
    await lines(session, out, "/join alice", "/as mia mod", "/timeout alice 10m flooding")

    text = await lines(session, out, "/as alice", "anyone here?")

    assert "alice is timed out until" in text and "not posted" in text
    assert "[c" not in text  # no message id: nothing was said
    text = await lines(session, out, "/time +11m", "/as alice", "sorry")
    assert "alice in #general: sorry" in text
    await session.runtime.store.close()


async def test_kick_removes_the_member_until_they_join_again(tmp_path):
    session, out = await console(tmp_path)
    await lines(session, out, "/join alice", "/as mia mod")

    text = await lines(session, out, "/kick alice advertising")

    assert "kick → alice" in text and "alice was removed" in text
    text = await lines(session, out, "/as alice", "let me back")
    assert "alice was kicked and is not in the community" in text
    text = await lines(session, out, "/as mia mod", "/warn alice again?")
    assert "I can't find alice" in text and "warn →" not in text
    text = await lines(session, out, "/join alice", "/as alice", "hello again")
    assert "alice in #general: hello again" in text
    await session.runtime.store.close()


async def test_unknown_members_and_messages_get_a_clear_answer(tmp_path):
    session, out = await console(tmp_path)
    await lines(session, out, "/as mia mod")

    for typed in ("/warn ghost spam", "/untimeout ghost", "/unban ghost", "/cases ghost"):
        text = await lines(session, out, typed)
        assert "I can't find ghost in this community" in text, typed
    for typed in ("/on c99 /warn spam", "/react c99", "/edit c99 new text", "/delete c99"):
        text = await lines(session, out, typed)
        assert "there is no message c99" in text, typed
    await lines(session, out, "/case 1")
    assert "There is no case #1." in "\n".join(out)  # no case was opened by any of it
    await session.runtime.store.close()
