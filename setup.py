"""Packaging beyond what pyproject.toml can say: the top-level `playbooks/` and `migrations/`
folders ship inside the package as `bot/_shipped/…`, so an installed qunbot (a wheel, no
checkout) finds its default playbook and its schema migrations. Everything else is in
pyproject.toml; `bot/shipped.py` resolves these folders in a checkout and in an install."""

from setuptools import find_namespace_packages, setup

SHIPPED = {
    "bot._shipped.playbooks": "playbooks",
    "bot._shipped.migrations": "migrations",
    "bot._shipped.migrations.versions": "migrations/versions",
}

setup(
    packages=find_namespace_packages(include=["bot*", "adapters*", "rules*"]) + list(SHIPPED),
    package_dir=SHIPPED,
)
