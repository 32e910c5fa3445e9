"""Where the files qunbot ships live: the playbooks and the schema migrations.

In a checkout they are the top-level `playbooks/` and `migrations/` folders; an installed
package (a wheel) carries them as `bot/_shipped/playbooks` and `bot/_shipped/migrations`
(see setup.py). Defaults are resolved from here, never from the current folder."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """The shipped folder `name` (playbooks, migrations) of this installation."""
    packaged = _HERE / "_shipped" / name
    return packaged if packaged.is_dir() else _HERE.parent / name


def playbooks_dir() -> Path:
    return shipped_dir("playbooks")


def shipped_playbook(name: str = "default") -> Path:
    """A shipped playbook by name (`default`, `zh-learning`) or file name."""
    file = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
    return playbooks_dir() / file


def shipped_playbooks() -> list[str]:
    return sorted(p.stem for p in playbooks_dir().glob("*.yaml"))


DEFAULT_PLAYBOOK = shipped_playbook("default")
