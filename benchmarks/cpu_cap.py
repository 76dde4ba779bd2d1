"""A CPU cap for a benchmark's child: a cgroup v1 ``cpu`` group with a CFS quota.

    with CpuCap.create(quota_us=3000, period_us=10000) as cap:   # 30 % of one core
        spawn_on_pty(argv, term, preexec_fn=cap.join)            # the child joins before exec
        cap.usage_ns()                                           # CPU used by everything in it

The group is made under the v1 ``cpu`` controller's mount (``/sys/fs/cgroup/cpu`` here), and a
twin under ``cpuacct`` when that controller is mounted on its own, for CPU time in nanoseconds.
The child writes its own pid into the groups between fork and exec, so nothing it runs is
uncapped. Both groups are removed on close (whatever is still in them is moved back to the root
first). Creating them needs root; ``CpuCap.create`` raises ``CapUnavailable`` with the reason
otherwise (or where only cgroup v2 is mounted).
"""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


class CapUnavailable(Exception):
    """The cap cannot be set up on this machine; the message says why."""


def v1_mount(controller: str) -> Path | None:
    """Where the cgroup v1 hierarchy holding ``controller`` is mounted, if one is."""
    with open("/proc/self/mounts", encoding="ascii") as mounts:
        for line in mounts:
            _, where, kind, options = line.split()[:4]
            if kind == "cgroup" and controller in options.split(","):
                return Path(where)
    return None


def process_cpu_ns(pid: int) -> int:
    """utime + stime of a live process (all its threads, dead ones included), at clock-tick
    resolution: the fallback where there is no cpuacct group."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * CLOCK_TICK_NS  # fields 14 and 15 of proc(5)


class CpuCap:
    def __init__(self, cpu_dir: Path, acct_dir: Path | None, quota_us: int, period_us: int) -> None:
        self.cpu_dir = cpu_dir
        self.acct_dir = acct_dir
        self.quota_us = quota_us
        self.period_us = period_us
        # Paths encoded now: between fork and exec the child only opens and writes.
        self._procs = [str(d / "cgroup.procs").encode() for d in (cpu_dir, acct_dir) if d is not None]
        self.cpu: int | None = None  # the one CPU the capped children run on (None: any)

    @classmethod
    def create(cls, quota_us: int, period_us: int, name: str | None = None) -> CpuCap:
        if os.geteuid() != 0:
            raise CapUnavailable("creating a cgroup needs root (this runs as uid %d)" % os.geteuid())
        cpu_root = v1_mount("cpu")
        if cpu_root is None:
            raise CapUnavailable("no cgroup v1 cpu controller mounted (see `mount | grep cgroup`); "
                                 "cgroup v2's cpu.max is not supported by this profile")
        name = name or f"pos-tui-bench-{os.getpid()}"
        cpu_dir = cpu_root / name
        acct_root = v1_mount("cpuacct")
        acct_dir = None if acct_root is None else acct_root / name
        made: list[Path] = []
        try:
            for folder in (cpu_dir, acct_dir):
                if folder is not None and folder not in made:
                    folder.mkdir()
                    made.append(folder)
            (cpu_dir / "cpu.cfs_period_us").write_text(str(period_us))
            (cpu_dir / "cpu.cfs_quota_us").write_text(str(quota_us))
            if int((cpu_dir / "cpu.cfs_quota_us").read_text()) != quota_us:
                raise OSError("the quota did not take")
        except OSError as exc:
            for folder in reversed(made):
                folder.rmdir()
            raise CapUnavailable(f"cannot set up the cgroup {cpu_dir}: {exc}") from exc
        return cls(cpu_dir, acct_dir if acct_dir != cpu_dir else None, quota_us, period_us)

    def describe(self) -> str:
        share = 100 * self.quota_us / self.period_us
        return (f"cgroup v1 {self.cpu_dir}: cpu.cfs_quota_us={self.quota_us} per "
                f"cpu.cfs_period_us={self.period_us} ({share:.0f} % of one core)")

    def join(self) -> None:
        """In the child between fork and exec (``preexec_fn``): move this process into the groups,
        and onto the one CPU of ``cpu`` when it is set."""
        if self.cpu is not None:
            os.sched_setaffinity(0, {self.cpu})
        pid = str(os.getpid()).encode()
        for procs in self._procs:
            fd = os.open(procs, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    def usage_ns(self) -> int | None:
        """CPU time used by every task that was ever in the group (cpuacct.usage), if measurable."""
        for folder in (self.acct_dir, self.cpu_dir):
            if folder is not None and (folder / "cpuacct.usage").exists():
                return int((folder / "cpuacct.usage").read_text())
        return None

    def throttled(self) -> tuple[int, int]:
        """(periods in which the group was throttled, total time throttled in ns), from cpu.stat."""
        stat = dict(line.split() for line in (self.cpu_dir / "cpu.stat").read_text().splitlines())
        return int(stat.get("nr_throttled", 0)), int(stat.get("throttled_time", 0))

    def close(self) -> None:
        for folder in (self.acct_dir, self.cpu_dir):
            if folder is None or not folder.exists():
                continue
            for pid in (folder / "cgroup.procs").read_text().split():  # leftovers go back to the root
                try:
                    (folder.parent / "cgroup.procs").write_text(pid)
                except OSError:
                    pass
            folder.rmdir()

    def __enter__(self) -> CpuCap:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
