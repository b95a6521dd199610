"""Calendars as working windows: weekly shifts in a time zone, holidays and downtime become
sorted, disjoint `(start, end)` integer minutes relative to the problem origin."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mcbackend.scheduling.problem import Resource

Window = tuple[int, int]


@dataclass(frozen=True)
class Shift:
    """Work from `start` to `end` local time on `weekday` (0 = Monday); an `end` at or before
    `start` runs past midnight into the next day."""

    weekday: int
    start: time
    end: time


def subtract_windows(windows: Iterable[Window], cuts: Iterable[Window]) -> list[Window]:
    """`windows` with every minute covered by `cuts` removed."""
    result = sorted(windows)
    for cut_start, cut_end in cuts:
        kept: list[Window] = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                kept.append((start, end))
                continue
            if start < cut_start:
                kept.append((start, cut_start))
            if cut_end < end:
                kept.append((cut_end, end))
        result = kept
    return result


def merge_windows(windows: Iterable[Window]) -> list[Window]:
    """Sorted, disjoint windows; touching or overlapping ones are joined."""
    merged: list[Window] = []
    for start, end in sorted(w for w in windows if w[1] > w[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def effective_windows(resource: Resource) -> list[Window] | None:
    """The resource's working windows minus its downtime; None when it is always available."""
    if resource.windows is None and not resource.downtime:
        return None
    # An always-available resource with downtime works everywhere but the downtime.
    base = resource.windows if resource.windows is not None else [(-(2**40), 2**40)]
    return subtract_windows(merge_windows(base), resource.downtime)


def working_windows(
    origin: datetime,
    until: datetime,
    shifts: Sequence[Shift],
    tz: str,
    holidays: Iterable[date] = (),
    downtime: Iterable[tuple[datetime, datetime]] = (),
) -> list[Window]:
    """Expand weekly `shifts` in time zone `tz` between `origin` and `until` (aware datetimes)
    into minute windows relative to `origin`. Shifts are wall-clock times, so a shift keeps
    its local hours across daylight-saving changes; shifts starting on a holiday are dropped.
    """
    zone = ZoneInfo(tz)
    holidays = set(holidays)

    def minutes(moment: datetime) -> int:
        return int((moment - origin).total_seconds() // 60)

    day = origin.astimezone(zone).date() - timedelta(days=1)
    last_day = until.astimezone(zone).date()
    windows: list[Window] = []
    while day <= last_day:
        if day not in holidays:
            for shift in shifts:
                if shift.weekday != day.weekday():
                    continue
                start = datetime.combine(day, shift.start, zone)
                end_day = day if shift.end > shift.start else day + timedelta(days=1)
                end = datetime.combine(end_day, shift.end, zone)
                windows.append((max(0, minutes(start)), min(minutes(until), minutes(end))))
        day += timedelta(days=1)
    cuts = [(minutes(start), minutes(end)) for start, end in downtime]
    return subtract_windows(merge_windows(windows), cuts)
