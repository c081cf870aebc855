"""Keeps the request being served where the audit trail can find it."""

from .services import bind_request, release_request


class AuditContextMiddleware:
    """Sets one context variable per request, nothing else.

    Signal receivers (a role link changed in the admin, a password set) are not handed the request;
    this is how their records still name the acting account and its address. It reads no header and
    touches no database, so the citizen's form pays only for setting and resetting a variable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = bind_request(request)
        try:
            return self.get_response(request)
        finally:
            release_request(token)
