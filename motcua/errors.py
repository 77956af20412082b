"""Error pages in Vietnamese, rendered from templates/errors/ with the site layout."""
from django.shortcuts import render
from django.template import loader
from django.http import HttpResponseServerError


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No context processors: the database may be what failed.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
