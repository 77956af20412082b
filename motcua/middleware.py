"""Response headers every page carries: a Content-Security-Policy without inline scripts, no
framing, and no caching of pages shown to a signed-in user (they hold personal data)."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils.cache import add_never_cache_headers, patch_vary_headers


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
            add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
        return response


class RejectNulMiddleware:
    """400 for a NUL character in the path or the query string (``/ho-so/%00/``, ``?q=%00``).

    No code, search or filter holds one, and PostgreSQL refuses a NUL in a text parameter with an
    error: the views that look a code or a search up would answer 500. Form fields refuse NUL on
    their own (Django's CharField), with a form error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL character in the URL")
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """413 for a request whose body is larger than ``settings.REQUEST_MAX_BYTES``, before anything reads it.

    The declared ``Content-Length`` is compared first, so that a 50 MB upload is refused without a byte of
    it being read, parsed or spooled to disk (Django's own limits apply only once a form is parsed, and
    not to files). A body sent without a length (chunked) is refused by the WSGI server or read by Django
    only up to the length it was given, which is none. The page is a standalone one (like the 500 page):
    nothing of the session or the database is touched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REQUEST_MAX_BYTES
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            raise BadRequest("Content-Length is not a number") from None
        if length > limit:
            return self.refuse(limit)
        return self.get_response(request)

    def refuse(self, limit: int):
        from django.http import HttpResponse
        from django.template import loader

        content = loader.get_template("errors/413.html").render({"limit_mb": max(1, limit // (1024 * 1024))})
        response = HttpResponse(content, status=413)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
