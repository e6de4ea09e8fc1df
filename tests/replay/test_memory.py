"""What the machine has available, which the sizes of `var` and `stress` are checked against."""

from __future__ import annotations

from pathlib import Path

import pytest

from replay import memory


@pytest.fixture()
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A /proc/meminfo with 8 GiB available, and cgroup files in `tmp_path` (none yet)."""
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16777216 kB\nMemAvailable:    8388608 kB\n")
    monkeypatch.setattr(memory, "MEMINFO", meminfo)
    files = ((tmp_path / "v2.max", tmp_path / "v2.current"),)
    monkeypatch.setattr(memory, "CGROUP_FILES", files)
    return tmp_path


def test_available_is_what_linux_says_a_process_can_take(machine: Path) -> None:
    assert memory.available_memory_bytes() == 8 * 2**30


def test_a_containers_limit_caps_it(machine: Path) -> None:
    (machine / "v2.max").write_text("2147483648\n")
    (machine / "v2.current").write_text("1073741824\n")
    assert memory.available_memory_bytes() == 2**30
    (machine / "v2.max").write_text("max\n")  # no limit set
    assert memory.available_memory_bytes() == 8 * 2**30


def test_a_need_within_what_is_available_is_no_shortfall(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 10**9)
    assert memory.memory_shortfall(10**9) is None
    assert memory.memory_shortfall(1_200_000_000) == (
        "about 1.2 GB of memory, more than the 1.0 GB this machine has available"
    )
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: None)
    assert memory.memory_shortfall(10**30) is None  # nothing says: nothing is refused


def test_sizes_read_as_people_read_them() -> None:
    assert [memory.size_text(n) for n in (999, 1500, 2_400_000_000_000)] == [
        "999 bytes",
        "1.5 kB",
        "2.4 TB",
    ]
