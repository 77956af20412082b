"""No form an officer or a citizen fills in offers Django's "---------" as its empty choice."""
import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona,names", [
    ("desk_a", ["dossiers:intake", "tickets:new", "ratings:paper", "ratings:figures", "dossiers:board"]),
    ("leader_a", ["ratings:devices", "reports:index", "reports:dashboard", "tickets:list"]),
    ("focal_a", ["procedures:procedure-import", "procedures:procedure-list", "reviews:round-list"]),
])
def test_staff_forms_say_choose_instead_of_dashes(client, request, persona, names, birth_registration):
    user = request.getfixturevalue(persona)
    client.login(username=user.username, password=PASSWORD)
    for name in names:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "---------" not in response.content.decode(), name


def test_public_forms_say_choose_instead_of_dashes(client, commune_a):
    for name in ["tickets:submit", "lookup:lookup", "ratings:online"]:
        response = client.get(reverse(name))
        assert "---------" not in response.content.decode(), name
