"""The dashboard's own texts exist in English and in Chinese, and a page in Chinese shows none
of the English ones."""

from __future__ import annotations

import re
import string
from pathlib import Path

from markupsafe import escape

from bot.web.texts import EN, ZH

WEB = Path(__file__).resolve().parents[2] / "bot" / "web"


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_text_has_both_languages_with_the_same_placeholders():
    assert set(EN) == set(ZH)
    for key, english in EN.items():
        assert fields(english) == fields(ZH[key]), key
        assert ZH[key] != english or not re.search(r"[a-z]{4}", english), key


def test_every_text_the_pages_ask_for_exists():
    asked = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        asked |= set(re.findall(r"""\bt\((?:request, )?['"]([a-z_]+\.[a-z_0-9]+)['"]""", source))
        asked |= set(re.findall(r"""['"]((?:err|flash)\.[a-z_]+)['"]""", source))
    assert asked and not asked - set(EN), asked - set(EN)


async def test_pages_in_chinese_show_no_english_text_of_the_dashboard(dash):
    await dash.sign_in()
    english = [str(escape(v)) for k, v in EN.items() if v != ZH[k] and len(v) > 12 and "{" not in v]
    assert "Download this member&#39;s data (JSON)" in english
    for path in (
        "/?lang=zh",
        dash.page("report"),
        dash.page("cases"),
        dash.page("cases/2"),
        dash.page("members"),
        dash.page("members/bob"),
        dash.page("calendar"),
        "/playbook/default.yaml",
    ):
        page = await dash.client.get(path)
        assert page.status_code == 200, path
        assert 'lang="zh-CN"' in page.text, path
        shown = [e for e in english if e in page.text]
        assert not shown, (path, shown)
