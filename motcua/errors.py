"""Error pages in Vietnamese, rendered from templates/errors/ with the site layout."""
from django.shortcuts import render
from django.template import loader
from django.http import HttpResponseServerError


def permission_denied(request, exception=None):
    # An account without a unit is told so (motcua.scope.NoUnit); any other refusal says the role.
    from .scope import NoUnit

    reason = str(exception) if isinstance(exception, NoUnit) else ""
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No context processors: the database may be what failed.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
