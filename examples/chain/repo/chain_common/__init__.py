"""Plumbing shared by the chain services: a small JSON-over-HTTP server and client.

Every call made with `get_json` while a request is being served forwards that request's W3C `baggage`
header unchanged.
"""

from chain_common.http import BAGGAGE, HttpError, get_json, serve, service_url

__all__ = ["BAGGAGE", "HttpError", "get_json", "serve", "service_url"]
