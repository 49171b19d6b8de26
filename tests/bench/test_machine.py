"""The load benchmark's reading of the machine's CPU (busy and stolen shares)."""

from __future__ import annotations

from pathlib import Path

from bench.machine import CpuTimes, cpu_times, shares


def test_a_reading_sums_the_busy_and_idle_columns_and_keeps_steal_apart() -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    times = CpuTimes.parse("cpu  100 5 30 800 20 1 4 40 0 0")
    assert times == CpuTimes(busy=140, idle=820, steal=40)


def test_shares_are_per_cent_of_the_time_between_two_readings() -> None:
    before = CpuTimes(busy=1000, idle=5000, steal=0)
    after = CpuTimes(busy=1600, idle=5300, steal=100)
    assert shares(before, after) == {"busy": 60.0, "steal": 10.0}
    assert shares(after, after) == {"busy": 0.0, "steal": 0.0}


def test_the_machine_is_read_from_proc_stat(tmp_path: Path) -> None:
    now = cpu_times()
    assert now is not None and now.busy > 0 and now.idle > 0  # the tests run on Linux
    assert cpu_times(tmp_path / "missing") is None
    (tmp_path / "stat").write_text("intr 1 2 3\n")
    assert cpu_times(tmp_path / "stat") is None
