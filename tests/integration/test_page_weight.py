"""Every page stays light on a slow line: its HTML, stylesheets and scripts, gzip-compressed as the server
sends them, weigh less than the budget the README states (PAGE_BUDGET_KB). Images are SVG inline or none."""
import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import PASSWORD, make_dossier, vn

pytestmark = pytest.mark.django_db

PAGE_BUDGET_KB = 60  # README, "Light pages"
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="/static/([^"?]+)')


def weight(html: str) -> int:
    """Bytes on the wire: the page and each stylesheet and script it loads, each gzip-compressed."""
    total = len(gzip.compress(html.encode("utf-8")))
    for path in set(ASSET.findall(html)):
        found = finders.find(path)
        assert found, f"{path} is linked but not a static file"
        with open(found, "rb") as file:
            total += len(gzip.compress(file.read()))
    return total


def pages_of(client, user, names):
    client.login(username=user.username, password=PASSWORD)
    for name in names:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        yield name, response.content.decode()


@pytest.fixture
def busy_commune(commune_a, birth_registration):
    for _number in range(60):  # a full board: every panel's rows
        received = vn(2026, 11, 2, 8, 0)
        make_dossier(procedure=birth_registration, unit=commune_a, received_at=received, due_at=vn(2026, 11, 5, 17, 0))
    return commune_a


@pytest.mark.parametrize("persona,names", [
    ("desk_a", ["motcua:home", "dossiers:board", "dossiers:intake", "dossiers:queue", "procedures:procedure-list",
                "tickets:list", "ratings:figures"]),
    ("focal_a", ["motcua:home", "reports:index", "reports:dashboard", "procedures:procedure-import"]),
    ("district_office", ["motcua:home", "reports:index", "reports:dashboard", "motcua:unit-list"]),
])
def test_each_staff_page_weighs_less_than_the_budget(client, request, busy_commune, persona, names):
    user = request.getfixturevalue(persona)
    for name, html in pages_of(client, user, names):
        assert weight(html) <= PAGE_BUDGET_KB * 1024, f"{name} weighs {weight(html) / 1024:.1f} KB"


def test_the_public_pages_weigh_less_than_the_budget(client, busy_commune):
    for name in ["lookup:lookup", "public:unit-index", "tickets:submit", "tickets:public"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert weight(response.content.decode()) <= PAGE_BUDGET_KB * 1024, name
