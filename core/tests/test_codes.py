from core import codes
from devtools.testing import factories as f


def test_new_codes_avoid_ambiguous_characters():
    for _ in range(200):
        code = codes.new_code()
        assert len(code) == codes.PUBLIC_CODE_LENGTH
        assert not set(code) & set("01OIL")


def test_stable_code_is_deterministic_and_well_formed():
    assert codes.stable_code("station:四季城") == codes.stable_code("station:四季城")
    assert codes.stable_code("station:四季城") != codes.stable_code("station:原康镇")
    assert codes.is_well_formed(codes.stable_code("x"))


def test_station_code_never_changes_on_save(db):
    station = f.StationFactory()
    code = station.code
    station.name = "改名后的联络站"
    station.save()
    station.refresh_from_db()
    assert station.code == code
