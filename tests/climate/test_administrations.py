"""Administration rules: pinned instruments, validation, extending the close date."""
import datetime as dt

import pytest

from climate.administer.service import AdministrationError, create_administration, extend_close, pinned_instrument
from climate.codes import normalise_code
from climate.extensions import db


def test_administration_pins_the_instrument_version(administration, app):
    group = administration.group("student")
    instrument, custom = pinned_instrument(group)
    assert instrument.version == app.extensions["instruments"]["student"].version
    assert [c.id for c in custom] == ["C01"]
    assert group.instrument["group"] == "student"


@pytest.mark.parametrize("kwargs, message", [
    ({"name": ""}, "Give the administration a name"),
    ({"closes": -1}, "close date must be after the open date"),
    ({"schools": []}, "Choose at least one school"),
    ({"groups": []}, "Choose at least one respondent group"),
    ({"groups": ["pupils"]}, "Unknown respondent group"),
    ({"name": "Spring survey"}, "already has an administration named"),
    ({"custom": [{"text": {"en": "Only English"}, "options": [{"en": "a", "es": "a"}]}]}, "Custom items for student"),
])
def test_bad_administrations_are_refused_with_a_reason(administration, world, kwargs, message):
    now = dt.datetime(2026, 9, 1, 8, 0)
    with pytest.raises(AdministrationError, match=message):
        create_administration(
            world.d1, kwargs.get("name", "Fall survey"), now, now + dt.timedelta(days=kwargs.get("closes", 14)),
            kwargs.get("schools", [world.school_a]), kwargs.get("groups", ["student"]),
            custom_items={"student": kwargs.get("custom", [])})


def test_another_districts_school_is_refused(world):
    now = dt.datetime(2026, 9, 1, 8, 0)
    with pytest.raises(AdministrationError, match="must belong to your district"):
        create_administration(world.d1, "X", now, now + dt.timedelta(days=3), [world.school_c], ["student"])


def test_dates_are_entered_in_the_district_time_zone(world):
    admin = create_administration(world.d1, "Tz", dt.datetime(2026, 1, 10, 8, 0), dt.datetime(2026, 1, 20, 15, 0),
                                  [world.school_a], ["student"])
    assert admin.opens_at == dt.datetime(2026, 1, 10, 14, 0)  # Chicago is UTC-6 in January


def test_close_date_can_be_extended_not_shortened(administration):
    old = administration.closes_at
    with pytest.raises(AdministrationError, match="later than the current one"):
        extend_close(administration, dt.datetime(2000, 1, 1))
    extend_close(administration, dt.datetime.now() + dt.timedelta(days=900))
    db.session.commit()
    assert administration.closes_at > old


def test_codes_are_normalised_from_what_people_type():
    assert normalise_code(" k7qm 4txd 9r ") == "K7QM-4TXD-9R"
    assert normalise_code("K7QM-4TXD-9") is None
    assert normalise_code("K7QM-4TXD-9R!") is None


def test_issued_codes_are_unique_and_readable(administration, world, issue):
    codes = issue(administration, world.school_a, "student", 200)
    assert len(set(codes)) == 200
    assert all(len(c) == 12 and c.count("-") == 2 for c in codes)
    assert not set("01ILOUV") & set("".join(codes))
