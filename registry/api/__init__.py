"""The unified API: the record store over HTTP (cursors, API keys, OpenAPI 3.1).

``create_api_app()`` builds it as an ASGI app; ``api_routes(engine, ...)`` gives its routes
to add to another Starlette app (``canonry serve`` adds them to the webhook endpoint).
"""

from registry.api._app import api_routes, create_api_app
from registry.api._openapi import openapi_document

__all__ = ["api_routes", "create_api_app", "openapi_document"]
