"""Bad dates on a register or the activity list are said, not silently dropped."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_bad_date_on_a_register_is_named_and_kept(login, world):
    url = reverse("oversight:register", args=["suggestions"])
    body = login(world.staff).get(url, {"date_from": "2026-13-40"}).content.decode()
    assert "请检查日期" in body and "起始日期" in body
    assert 'value="2026-13-40"' in body


def test_dates_in_the_wrong_order_on_the_activity_list_are_named(login, world):
    body = (
        login(world.staff)
        .get(reverse("activities:list"), {"date_from": "2026-11-20", "date_to": "2026-11-01"})
        .content.decode()
    )
    assert "请检查筛选条件" in body and "开始日期晚于结束日期" in body
