"""The operator's web dashboard (docs/dashboard.md): Starlette + Jinja2, server-rendered.

`create_app(WebContext(...))` builds the ASGI app; `serve_embedded` runs it with uvicorn inside
the bot's own event loop; `install_dashboard_command` adds `/dashboard` to the runtime.
"""

from bot.web.app import create_app
from bot.web.context import WebContext, tokens_from_env

__all__ = ["WebContext", "create_app", "tokens_from_env"]
