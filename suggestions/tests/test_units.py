import pytest
from django.urls import reverse

from devtools.testing import factories as f


@pytest.mark.parametrize(
    ("persona", "sees", "hidden"),
    [
        ("admin", "龙亭区住建局", "林州市水利局"),
        ("other_admin", "林州市水利局", "龙亭区住建局"),
        ("handler", "龙亭区住建局", "林州市水利局"),
        ("other_handler", "林州市水利局", "龙亭区住建局"),
    ],
)
def test_unit_list_is_scoped(login, world, persona, sees, hidden):
    body = login(getattr(world, persona)).get(reverse("suggestions:units")).content.decode()
    assert sees in body and hidden not in body


@pytest.mark.parametrize("persona", ["staff", "rep_user"])
def test_unit_list_refused_to_other_roles(login, world, persona):
    assert login(getattr(world, persona)).get(reverse("suggestions:units")).status_code == 403


def test_unit_list_search_and_query_count(login, world, django_assert_max_num_queries):
    for _ in range(20):
        f.HandlingUnitFactory(region=world.county)
    client = login(world.city_admin)
    with django_assert_max_num_queries(9):
        client.get(reverse("suggestions:units"))
    body = client.get(reverse("suggestions:units"), {"q": "住建"}).content.decode()
    assert "龙亭区住建局" in body and "林州市水利局" not in body
