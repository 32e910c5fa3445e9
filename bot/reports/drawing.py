"""A chart-drawing process (`python -m bot.reports.drawing`): reads pickled requests
(report, language, [(chart, path)]) from stdin, draws each chart, answers None or the error.

The weekly report's charts are drawn here, not in the bot: matplotlib is pure CPU (~0.1 s per
chart) and, in the bot, holds the GIL the event loop needs and loads ~60 MB into it. A plain
child process, not multiprocessing: that re-runs the parent's main script, which breaks any
script without a `__main__` guard."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from bot.reports.charts import CHARTS
from bot.reports.fonts import find_cjk_font
from bot.reports.model import Report
from bot.reports.mpl import new_figure

Charts = tuple[tuple[str, str], ...]  # (chart name, PNG path)


def draw(report: Report, language: str, charts: Charts) -> None:
    font = find_cjk_font()
    for name, path in charts:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        CHARTS[name](report, language, path, font)


def main() -> None:
    # ready before the first request: matplotlib loaded, the CJK font found
    new_figure()
    find_cjk_font()
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # the answers own stdout; anything printed goes to stderr
    while True:
        try:
            report, language, charts = pickle.load(requests)
        except EOFError:  # the bot closed the pipe or exited
            return
        answer = None
        try:
            draw(pickle.loads(report), language, charts)
        except Exception as exc:  # told to the bot, which draws in its own process instead
            answer = f"{type(exc).__name__}: {exc}"
        pickle.dump(answer, answers)
        answers.flush()


if __name__ == "__main__":
    main()
