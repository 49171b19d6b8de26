"""What the machine's CPUs did during a measurement, from ``/proc/stat`` (Linux).

A virtual machine's hypervisor can take CPU time away from it ("steal"). The load benchmark
swings by a factor of three between runs of the same code when it does, so each run says how
busy the CPUs were and how much was stolen, and its figures can be judged by that.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROC_STAT = Path("/proc/stat")


@dataclass(frozen=True)
class CpuTimes:
    """The aggregate ``cpu`` line of ``/proc/stat``, in clock ticks."""

    busy: int
    idle: int
    steal: int

    @classmethod
    def parse(cls, line: str) -> CpuTimes:
        """From ``cpu user nice system idle iowait irq softirq steal ...``."""
        fields = [int(v) for v in line.split()[1:]]
        fields += [0] * (8 - len(fields))
        user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
        return cls(busy=user + nice + system + irq + softirq, idle=idle + iowait, steal=steal)


def cpu_times(path: Path = PROC_STAT) -> CpuTimes | None:
    """The machine's CPU times now; None where there is no ``/proc/stat``."""
    try:
        first = path.read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return CpuTimes.parse(first) if first.startswith("cpu ") else None


def shares(before: CpuTimes, after: CpuTimes) -> dict[str, float]:
    """Per cent of the CPU time between two readings that was busy, and that was stolen."""
    busy = after.busy - before.busy
    steal = after.steal - before.steal
    total = busy + steal + (after.idle - before.idle)
    if total <= 0:
        return {"busy": 0.0, "steal": 0.0}
    return {"busy": 100 * busy / total, "steal": 100 * steal / total}
