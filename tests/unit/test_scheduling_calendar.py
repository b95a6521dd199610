"""Weekly shifts, holidays, daylight saving and downtime as minute windows."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from mcbackend.scheduling.calendar import (
    Shift,
    effective_windows,
    merge_windows,
    subtract_windows,
    working_windows,
)
from mcbackend.scheduling.problem import Resource

BERLIN = ZoneInfo("Europe/Berlin")


def test_weekday_shifts_over_a_week():
    origin = datetime(2026, 3, 2, 0, 0, tzinfo=BERLIN)  # a Monday
    shifts = [Shift(d, time(8), time(16)) for d in range(5)]
    windows = working_windows(origin, datetime(2026, 3, 9, tzinfo=BERLIN), shifts,
                              "Europe/Berlin")
    assert windows == [(d * 1440 + 480, d * 1440 + 960) for d in range(5)]


def test_night_shift_holiday_and_downtime():
    origin = datetime(2026, 3, 2, tzinfo=BERLIN)
    shifts = [Shift(0, time(22), time(6)), Shift(1, time(22), time(6))]
    windows = working_windows(
        origin, datetime(2026, 3, 5, tzinfo=BERLIN), shifts, "Europe/Berlin",
        holidays=[date(2026, 3, 3)],
        downtime=[(datetime(2026, 3, 3, 1, tzinfo=BERLIN), datetime(2026, 3, 3, 2, tzinfo=BERLIN))])
    assert windows == [(1320, 1500), (1560, 1800)]


def test_daylight_saving_keeps_local_shift_hours():
    # Berlin moves clocks forward on 29 March 2026: the 08:00 shift starts 23 h after the
    # previous day's, not 24 h.
    origin = datetime(2026, 3, 28, tzinfo=UTC)
    shifts = [Shift(5, time(8), time(9)), Shift(6, time(8), time(9))]
    windows = working_windows(origin, datetime(2026, 3, 30, tzinfo=UTC), shifts,
                              "Europe/Berlin")
    assert [end - start for start, end in windows] == [60, 60]
    assert windows[1][0] - windows[0][0] == 23 * 60


def test_window_arithmetic():
    assert merge_windows([(5, 8), (0, 3), (3, 4), (7, 9), (10, 10)]) == [(0, 4), (5, 9)]
    assert subtract_windows([(0, 10)], [(2, 3), (8, 12)]) == [(0, 2), (3, 8)]
    assert effective_windows(Resource("M")) is None
    assert effective_windows(Resource("M", windows=((0, 10),), downtime=((4, 6),))) == [
        (0, 4), (6, 10)]
