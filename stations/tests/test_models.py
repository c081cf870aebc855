import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from devtools.testing import factories as f
from stations.models import Region


def test_region_path_and_full_name_follow_the_tree(db):
    city = f.RegionFactory(name="开封市")
    county = f.RegionFactory(name="龙亭区", parent=city, level="county")
    township = f.RegionFactory(name="北郊乡", parent=county, level="township")
    assert township.path == f"{city.pk}/{county.pk}/{township.pk}/"
    assert township.full_name == "开封市龙亭区北郊乡"


def test_moving_or_renaming_a_region_updates_its_subtree(db):
    city = f.RegionFactory(name="开封市")
    other = f.RegionFactory(name="安阳市")
    county = f.RegionFactory(name="龙亭区", parent=city, level="county")
    township = f.RegionFactory(name="北郊乡", parent=county, level="township")
    county.parent = other
    county.save()
    township = Region.objects.get(pk=township.pk)
    assert township.path.startswith(other.path)
    assert township.full_name == "安阳市龙亭区北郊乡"


def test_duplicate_station_name_in_a_region_is_refused(db):
    station = f.StationFactory()
    with pytest.raises(IntegrityError):
        f.StationFactory(name=station.name, region=station.region)


def test_industry_chain_station_needs_its_chain(db):
    station = f.StationFactory.build(kind="industry_chain", region=f.RegionFactory())
    with pytest.raises(ValidationError) as exc:
        station.full_clean()
    assert "industry_chain" in exc.value.message_dict


def test_a_point_cannot_hang_under_a_point(db):
    top = f.StationFactory()
    point = f.StationFactory(parent=top)
    nested = f.StationFactory.build(parent=point, region=top.region)
    with pytest.raises(ValidationError):
        nested.full_clean()
