"""An operator's first hour, from a wheel: install qunbot into a fresh virtual environment
outside the repository and run the demo and the report from an empty folder."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv holding the built wheel. Its dependencies come from the test's own
    environment (a .pth line), so the test needs no download beyond the build backend."""
    work = tmp_path_factory.mktemp("wheel")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(ROOT)],
        cwd=work,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = work.glob("qunbot-*.whl")
    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    assert made.returncode == 0, made.stderr
    target = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    done = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        cwd=work,
    )
    assert done.returncode == 0, done.stderr
    # the dependencies already installed here (the editable qunbot itself is a finder hook in
    # a .pth file, which a plain path line does not run, so it cannot shadow the wheel)
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (target / "zz_deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    return venv / "bin"


def test_the_installed_package_runs_without_the_repository(installed, tmp_path):
    where = _run(
        [
            str(installed / "python"),
            "-c",
            "import bot.shipped as s, bot.cli as c; print(s.DEFAULT_PLAYBOOK); print(c.__file__)",
        ],
        cwd=tmp_path,
    )
    assert where.returncode == 0, where.stderr
    assert str(ROOT) not in where.stdout, "the wheel, not the checkout, must answer"
    assert "_shipped/playbooks/default.yaml" in where.stdout


def test_demo_then_report_from_an_empty_folder(installed, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    qunbot = str(installed / "qunbot")

    demo = _run([qunbot, "demo", "--weeks", "1"], cwd=folder)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Community health report" in demo.stdout
    assert (folder / "demo-output" / "report.md").is_file()

    # the report of what the demo left, as its last line suggests
    again = demo.stdout.split("See it again, for any period:", 1)[1].split()
    assert again[:2] == ["qunbot", "report"]
    report = _run([qunbot, *again[1:]], cwd=folder)
    assert report.returncode == 0, report.stderr
    assert "2018-10-01" in report.stdout and "Health score" in report.stdout

    # a plain `qunbot report` in a folder with no data says where data would be
    bare = tmp_path / "bare"
    bare.mkdir()
    nothing = _run([qunbot, "report"], cwd=bare)
    assert nothing.returncode == 1
    assert "there is no database at data/qunbot.db" in nothing.stderr
    assert "Traceback" not in nothing.stderr

    # the Chinese playbook by name, and a first playbook to edit
    check = _run([qunbot, "playbook", "check", "zh-learning"], cwd=bare)
    assert check.returncode == 0, check.stdout + check.stderr
    init = _run([qunbot, "init", "mybot", "--language", "zh"], cwd=bare)
    assert init.returncode == 0, init.stderr
    mine = _run([qunbot, "playbook", "check", "mybot/playbook.yaml"], cwd=bare)
    assert mine.returncode == 0, mine.stdout
