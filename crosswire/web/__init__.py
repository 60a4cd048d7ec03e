"""The story explorer: a small web app over the crosswire store (``crosswire serve``)."""

from crosswire.web.app import create_app, serve

__all__ = ["create_app", "serve"]
