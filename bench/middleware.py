from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse

from quiz.operations import QueryCount


def count_queries(get_response: Callable[[HttpRequest], HttpResponse]):
    """Each response says how many queries it took (`X-Queries`), for bench/loadtest.py."""

    def middleware(request: HttpRequest) -> HttpResponse:
        queries = QueryCount()
        with connection.execute_wrapper(queries):
            response = get_response(request)
        response["X-Queries"] = str(queries.count)
        return response

    return middleware
