"""Plumbing shared by the shop services: a small JSON-over-HTTP server and client.

Every outbound call made while serving a request forwards that request's W3C
`baggage` header unchanged (see `call`).
"""

from shop_common.http import BAGGAGE, HttpError, JsonHandler, Unreachable, call, serve, service_url

__all__ = ["BAGGAGE", "HttpError", "JsonHandler", "Unreachable", "call", "serve", "service_url"]
