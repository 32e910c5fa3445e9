"""matplotlib on first use: commands that draw nothing (`playbook check`, `replay`) start ~0.6 s
sooner than if every import of the report code loaded it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(**options: Any) -> Figure:
    import matplotlib

    matplotlib.use("Agg")  # no GUI backend, ever: reports are made on servers
    from matplotlib.figure import Figure

    return Figure(**options)
