"""The simulated home: configuration, helpers, JSON round trip."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from echoless.errors import BadRequest, Conflict, NotFound
from echoless.pipeline.home import (
    Device,
    HomeState,
    ShoppingItem,
    Timer,
    add_area,
    add_device,
    demo_home,
    empty_home,
    remove_area,
    remove_device,
)

NOW = datetime(2026, 3, 5, 14, 7, tzinfo=timezone.utc)


def test_demo_home() -> None:
    home = demo_home()
    assert home.areas == ["kitchen", "living room", "bedroom"]
    assert [(d.name, d.kind, d.area) for d in home.devices] == [
        ("kitchen light", "light", "kitchen"),
        ("living room lamp", "light", "living room"),
        ("bedroom light", "light", "bedroom"),
        ("coffee maker", "switch", "kitchen"),
    ]
    assert home.shopping_list == [] and home.timers == []
    assert [d.name for d in home.devices_in("kitchen")] == ["kitchen light", "coffee maker"]
    assert [d.name for d in home.devices_in("kitchen", "light")] == ["kitchen light"]
    assert home.find_device("Kitchen  Light") is home.devices[0]


def test_empty_home() -> None:
    assert empty_home() == HomeState()


def test_configure_devices_and_areas() -> None:
    home = empty_home()
    add_area(home, "garage")
    device = add_device(home, "workbench lamp", "light", "Garage")
    assert device.area == "garage"
    with pytest.raises(Conflict):
        add_area(home, "GARAGE")
    with pytest.raises(Conflict):
        add_device(home, "Workbench Lamp", "switch")
    with pytest.raises(Conflict):
        add_device(home, "garage", "switch")
    with pytest.raises(BadRequest):
        add_device(home, "heater", "thermostat")
    with pytest.raises(NotFound):
        add_device(home, "heater", "switch", "attic")
    remove_area(home, "garage")
    assert home.areas == [] and device.area is None
    remove_device(home, "workbench lamp")
    assert home.devices == []
    with pytest.raises(NotFound):
        remove_device(home, "workbench lamp")
    with pytest.raises(NotFound):
        remove_area(home, "garage")


def test_shopping_items_are_not_doubled() -> None:
    home = empty_home()
    home.add_item("milk")
    home.complete_item("milk")
    home.add_item("Milk")
    assert home.shopping_list == [ShoppingItem("milk", False)]
    assert home.complete_item("bread") is None


def test_timer_pause_resume_adjust() -> None:
    home = empty_home()
    timer = home.start_timer(600, NOW, name="pizza")
    assert timer.seconds_left(NOW + timedelta(seconds=100)) == 500
    home.pause_timer(timer, NOW + timedelta(seconds=100))
    assert not timer.is_active and timer.remaining_seconds == 500
    assert timer.seconds_left(NOW + timedelta(hours=5)) == 500
    home.unpause_timer(timer, NOW + timedelta(seconds=1000))
    assert timer.ends_at == NOW + timedelta(seconds=1500)
    home.adjust_timer(timer, -2000, NOW + timedelta(seconds=1000))
    assert timer.seconds_left(NOW + timedelta(seconds=1000)) == 0
    with pytest.raises(BadRequest):
        home.start_timer(0, NOW)


def test_json_round_trip_of_a_used_home() -> None:
    home = demo_home()
    home.devices[0].on = True
    home.devices[0].brightness = 40
    home.add_item("oat milk")
    home.start_timer(300, NOW, name="pizza")
    paused = home.start_timer(60, NOW)
    home.pause_timer(paused, NOW + timedelta(seconds=10))
    again = HomeState.from_json(home.to_json())
    assert again == home
    assert again.timers[0].ends_at == NOW + timedelta(seconds=300)


@pytest.mark.parametrize("raw", [b"", b"[]", b"{}", b'{"version": 99}', b'{"version": 1, "areas": []}', b"\xff"])
def test_invalid_json_is_a_clear_error(raw: bytes) -> None:
    with pytest.raises(BadRequest) as info:
        HomeState.from_json(raw)
    assert info.value.code == "home-state-invalid"


_names = st.text(min_size=1, max_size=20)
_aware = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
)
_devices = st.builds(
    Device,
    name=_names,
    kind=st.sampled_from(["light", "switch"]),
    area=st.none() | _names,
    on=st.booleans(),
    brightness=st.integers(0, 100),
)
_timers = st.builds(
    Timer,
    id=st.text(alphabet="0123456789abcdef", min_size=12, max_size=12),
    total_seconds=st.integers(0, 10**6),
    start_seconds=st.integers(1, 10**6),
    name=st.none() | _names,
    area=st.none() | _names,
    ends_at=st.none() | _aware,
    remaining_seconds=st.none() | st.floats(0, 10**6, allow_nan=False),
)
_homes = st.builds(
    HomeState,
    areas=st.lists(_names, max_size=5),
    devices=st.lists(_devices, max_size=5),
    shopping_list=st.lists(st.builds(ShoppingItem, name=_names, complete=st.booleans()), max_size=5),
    timers=st.lists(_timers, max_size=4),
)


@given(_homes)
def test_json_round_trip_property(home: HomeState) -> None:
    raw = home.to_json()
    assert isinstance(raw, bytes)
    assert HomeState.from_json(raw) == home
