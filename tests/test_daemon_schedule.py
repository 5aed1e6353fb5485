"""The daily schedule (pure): normal days, DST gaps and overlaps, missed runs, zones."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.daemon.schedule import next_run, parse_at, previous_slot, slot

UTC = timezone.utc
NY = ZoneInfo("America/New_York")
SH = ZoneInfo("Asia/Shanghai")


def local(tz, *args, fold=0):
    return datetime(*args, tzinfo=tz, fold=fold)


def simulate(at: time, tz, start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    """A daemon that looks at the clock every ``step``: when did it run?"""
    runs: list[datetime] = []
    # step in UTC: arithmetic on aware datetimes of one zone is wall-clock arithmetic
    now, end = start.astimezone(UTC), end.astimezone(UTC)
    while now < end:
        if next_run(at, tz, runs[-1] if runs else None, now) <= now:
            runs.append(now)
        now += step
    return runs


def test_parse_at():
    assert parse_at("07:00") == time(7, 0) and parse_at("23:59") == time(23, 59)
    for bad in ("7:00", "24:00", "07:60", "0700", " 07:00", "07:00:00"):
        with pytest.raises(ValueError):
            parse_at(bad)


def test_a_normal_day_runs_at_its_local_time_then_tomorrow():
    at = time(7, 0)
    last = local(NY, 2026, 6, 10, 7, 0).astimezone(UTC)
    now = local(NY, 2026, 6, 10, 15, 0)
    assert next_run(at, NY, last, now) == local(NY, 2026, 6, 11, 7, 0)
    # before today's slot, having run yesterday: today at 07:00
    now = local(NY, 2026, 6, 11, 6, 59)
    assert next_run(at, NY, last, now) == local(NY, 2026, 6, 11, 7, 0)


def test_a_zone_other_than_utc():
    # 07:00 in Shanghai is 23:00 UTC the day before
    assert slot(datetime(2026, 2, 7).date(), time(7, 0), SH) == datetime(2026, 2, 6, 23, 0, tzinfo=UTC)
    last = datetime(2026, 2, 6, 23, 0, tzinfo=UTC)
    now = datetime(2026, 2, 7, 12, 0, tzinfo=UTC)          # 20:00 in Shanghai
    assert next_run(time(7, 0), SH, last, now) == datetime(2026, 2, 7, 23, 0, tzinfo=UTC)


def test_never_ran_is_due_now():
    now = datetime(2026, 2, 7, 12, 0, tzinfo=UTC)
    assert next_run(time(7, 0), SH, None, now) == now


def test_spring_forward_gap_moves_the_slot_forward_and_runs_once():
    # 2026-03-08: New York clocks jump from 02:00 EST to 03:00 EDT; 02:30 does not exist
    at = time(2, 30)
    assert slot(datetime(2026, 3, 8).date(), at, NY) == local(NY, 2026, 3, 8, 3, 30)
    runs = simulate(at, NY, local(NY, 2026, 3, 7, 12, 0), local(NY, 2026, 3, 10, 0, 0), timedelta(minutes=5))
    assert [r.astimezone(NY).replace(tzinfo=None) for r in runs] == [
        datetime(2026, 3, 7, 12, 0),      # first start: never ran, due at once
        datetime(2026, 3, 8, 3, 30),      # the gap day: once, an hour "late" in wall time
        datetime(2026, 3, 9, 2, 30),
    ]


def test_fall_back_overlap_runs_once_not_twice():
    # 2026-11-01: 01:00-02:00 happens twice in New York (EDT, then EST)
    at = time(1, 30)
    first = local(NY, 2026, 11, 1, 1, 30, fold=0)
    second = local(NY, 2026, 11, 1, 1, 30, fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    assert slot(first.date(), at, NY) == first.astimezone(UTC)
    runs = simulate(at, NY, local(NY, 2026, 10, 31, 12, 0), local(NY, 2026, 11, 3, 0, 0), timedelta(minutes=5))
    on_the_day = [r for r in runs if r.astimezone(NY).date() == first.date()]
    assert len(on_the_day) == 1 and on_the_day[0] == first.astimezone(UTC)
    # the second 01:30 is not a slot: after the run, the next one is tomorrow
    assert next_run(at, NY, first.astimezone(UTC), second.astimezone(UTC)) == local(NY, 2026, 11, 2, 1, 30)


def test_missed_runs_after_sleep_run_once_on_wake():
    at = time(7, 0)
    last = local(SH, 2026, 2, 1, 7, 0).astimezone(UTC)
    wake = local(SH, 2026, 2, 5, 9, 12).astimezone(UTC)   # slept through four slots
    assert next_run(at, SH, last, wake) == wake            # due now, once
    assert next_run(at, SH, wake, wake + timedelta(seconds=1)) == local(SH, 2026, 2, 6, 7, 0)
    # a daemon checking every 10 minutes across the suspend runs once for it
    step = timedelta(minutes=10)
    runs, now = [last], last
    for jump in [step] * 3 + [wake - last - 3 * step] + [step] * 6:
        now += jump
        if next_run(at, SH, runs[-1], now) <= now:
            runs.append(now)
    assert runs == [last, wake]


def test_woken_before_todays_slot_runs_yesterdays_missed_one_then_todays():
    at = time(7, 0)
    last = local(NY, 2026, 6, 8, 7, 0).astimezone(UTC)
    now = local(NY, 2026, 6, 10, 6, 0)                  # missed the 9th
    assert next_run(at, NY, last, now) == now
    assert next_run(at, NY, now, now + timedelta(minutes=1)) == local(NY, 2026, 6, 10, 7, 0)


ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/Santiago", "Pacific/Chatham", "Asia/Shanghai", "America/St_Johns"]


@settings(max_examples=400, deadline=None)
@given(zone=st.sampled_from(ZONES),
       at=st.times(),
       now=st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2037, 12, 30), timezones=st.just(UTC)),
       since=st.one_of(st.none(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))))
def test_next_run_is_never_past_and_at_most_25_hours_away(zone, at, now, since):
    tz = ZoneInfo(zone)
    at = at.replace(microsecond=0)
    last = None if since is None else now - since
    when = next_run(at, tz, last, now)
    assert now <= when <= now + timedelta(hours=25)
    if when > now:
        # not due: the last run is at or after the latest slot, and ``when`` is the next slot
        assert last is not None and last >= previous_slot(now, at, tz)
        assert previous_slot(when, at, tz) == when
    # running now makes the next one strictly later
    after = next_run(at, tz, now, now)
    assert after > now and after <= now + timedelta(hours=25)
