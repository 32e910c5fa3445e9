"""A wrong calendar in a playbook is refused with the line of the mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import playbook_model
from bot.playbook import PlaybookInvalid, load_playbook, parse_playbook

HEAD = "community: {name: Makers, timezone: Europe/Berlin}\ncalendar:\n  entries:\n"


def problems(text: str, base_dir: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(PlaybookInvalid) as info:
        parse_playbook(text, playbook_model(), "pb.yaml", base_dir)
    return [(p.line, p.path, p.message) for p in info.value.problems]


def entry(*lines: str) -> str:
    return HEAD + "    tips:\n" + "".join(f"      {line}\n" for line in lines)


def test_a_bad_cron_expression_names_its_line_and_field(tmp_path: Path) -> None:
    text = entry("channel: general", 'text: "hi"', 'cron: "0 25 * * *"')
    [(line, path, message)] = problems(text, tmp_path)
    assert line == 7 and path == "calendar.entries.tips.cron"
    assert "field 2 (hour) '25' is wrong" in message and "0-23" in message


def test_an_unknown_timezone_names_its_line(tmp_path: Path) -> None:
    text = "community:\n  name: Makers\n  timezone: Europe/Berlinn\n"
    [(line, path, message)] = problems(text, tmp_path)
    assert (line, path) == (3, "community.timezone")
    assert "unknown timezone 'Europe/Berlinn'" in message


def test_an_end_before_the_start_is_refused(tmp_path: Path) -> None:
    text = entry(
        "channel: general",
        'text: "hi"',
        'cron: "0 9 * * *"',
        "start: 2026-12-01",
        "end: 2026-11-01",
    )
    [(line, path, message)] = problems(text, tmp_path)
    assert line == 5 and path == "calendar.entries.tips"
    assert "'end' (2026-11-01) is before 'start' (2026-12-01)" in message


def test_a_missing_image_file_is_refused_and_a_present_one_resolved(tmp_path: Path) -> None:
    text = entry("channel: general", 'text: "hi"', 'cron: "0 9 * * *"', "image: img/cover.png")
    playbook = tmp_path / "pb.yaml"
    playbook.write_text(text, encoding="utf-8")
    with pytest.raises(PlaybookInvalid) as info:
        load_playbook(playbook, playbook_model())
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.path) == (
        str(playbook),
        8,
        "calendar.entries.tips.image",
    )
    assert "'img/cover.png' not found" in problem.message

    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "cover.png").write_bytes(b"\x89PNG")
    loaded = load_playbook(playbook, playbook_model())
    assert loaded.calendar.entries["tips"].image == str((tmp_path / "img/cover.png").resolve())


def test_a_pool_without_topic_and_an_entry_without_schedule_are_refused(tmp_path: Path) -> None:
    text = entry("channel: general", 'text: "hi"', 'cron: "0 9 * * *"', "pool: [a, b]")
    [(line, _, message)] = problems(text, tmp_path)
    assert line == 5 and "neither the text nor the poll question uses {topic}" in message
    [(line, _, message)] = problems(entry("channel: general", 'text: "hi"'), tmp_path)
    assert line == 5 and "give exactly one of 'cron'" in message
