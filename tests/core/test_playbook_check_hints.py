"""`qunbot playbook check` as an operator reads it: problems in file order, each saying what
to do, in the operator's own spelling."""

from __future__ import annotations

from typer.testing import CliRunner

from bot.cli import build_app

BROKEN = r"""community:
  name: 学习群
  名字: 学习群
welcome:
  enabled: true
  checkin:
    enabled: true
report:
  enabled: true
  time: 9:00
antispam:
  enabled: true
  rules:
    - name: ads
      triggers:
        regex: ["\\d{5,}("]
      actions: {delete: maybe}
"""


def check(tmp_path, text: str) -> list[str]:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(build_app(), ["playbook", "check", str(path)])
    assert result.exit_code == 1
    return [line.strip() for line in result.output.splitlines()[1:] if line.strip()]


def test_problems_come_in_file_order_each_with_what_to_do(tmp_path):
    lines = check(tmp_path, BROKEN)
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers) and len(numbers) == 5
    by_line = dict(zip(numbers, lines, strict=True))
    assert "keys are English" in by_line[3]
    assert "'checkin' belongs at the top level: indent it less" in by_line[6]
    assert "put it in quotes: '9:00'" in by_line[10] and "540" in by_line[10]
    assert r"regex '\d{5,}('" in by_line[16] and r"\\d" not in by_line[16]
    assert "write true or false" in by_line[17]


def test_a_key_slipped_out_of_its_section_is_sent_back_under_it(tmp_path):
    lines = check(tmp_path, "welcome:\n  enabled: true\ngreeting: hello\n")
    assert lines == [
        f"{tmp_path / 'broken.yaml'}:3:1: greeting: unknown key 'greeting'; 'greeting' is a key "
        "of 'welcome' (the key above): indent it under that key"
    ]
