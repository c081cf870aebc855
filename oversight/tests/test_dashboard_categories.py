"""A category taken out of use keeps its name on the dashboard; the filter offers only those in use."""

import pytest
from django.urls import reverse

from devtools.testing import factories as f

pytestmark = pytest.mark.django_db


def test_a_retired_category_keeps_its_name_but_is_not_offered(login, world):
    retired = f.CategoryFactory(name="旧类别", is_active=False)
    f.SuggestionFactory(station=world.station, category=retired)
    body = login(world.admin).get(reverse("oversight:dashboard")).content.decode()
    table = body[body.index('id="category-table"') :]
    assert "旧类别" in table[: table.index("</table>")]
    form = body[body.index('id="dashboard-filters"') : body.index("</form>", body.index('id="dashboard-filters"'))]
    assert "旧类别" not in form
