"""Headers every dynamic response carries."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response that does not set its own.

    Every page here is one student's: a question, their answers, their results. Nothing may be
    kept by a shared computer's browser or a proxy, and Back must ask the server again rather
    than show a question that is no longer current. Static files are answered by WhiteNoise,
    above this middleware, with their own long-lived headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
