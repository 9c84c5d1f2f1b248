"""The check for the system libraries Qt's xcb plugin needs (no Qt is imported by it)."""

import subprocess
from pathlib import Path

import pytest

from app.gui import platform_check
from app.gui.platform_check import CheckResult, distribution_family, parse_ldd_missing

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f1)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb1.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f2)
"""


def test_ldd_output_gives_each_missing_library_once():
    assert parse_ldd_missing(LDD_OUTPUT) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]


@pytest.mark.parametrize(
    ("os_release", "family"),
    [
        ('ID=debian\nVERSION_ID="12"', "debian"),
        ("ID=ubuntu\nID_LIKE=debian", "debian"),
        ('ID=linuxmint\nID_LIKE="ubuntu debian"', "debian"),
        ('ID="fedora"', "fedora"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"', "fedora"),
        ("ID=arch", "arch"),
        ('ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"', "suse"),
        ("ID=nixos", None),
    ],
)
def test_the_distribution_family_comes_from_os_release(os_release, family):
    assert distribution_family(os_release) == family


def test_the_message_names_what_is_missing_and_the_command_that_installs_it(monkeypatch):
    monkeypatch.setattr(platform_check, "_is_root", lambda: False)
    missing = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    debian = CheckResult(missing, "debian")
    assert debian.packages == ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1")
    assert debian.install_command == "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
    message = debian.message()
    assert "\n" not in message and "libxcb-keysyms.so.1" in message and debian.install_command in message
    assert CheckResult(missing, "fedora").install_command == (
        "sudo dnf install -y xcb-util-cursor xcb-util-wm xcb-util-keysyms"
    )
    assert CheckResult(("libxcb-shape.so.0",), "debian").packages == ("libxcb-shape0",)  # Debian's naming rule
    assert CheckResult((), "debian").ok


def test_install_runs_apt_get_as_root_on_debian_only(monkeypatch):
    calls = []

    def fake_run(command, check=False, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(platform_check.subprocess, "run", fake_run)
    monkeypatch.setattr(platform_check.shutil, "which", lambda name: f"/usr/bin/{name}")
    missing = CheckResult(("libxcb-icccm.so.4",), "debian")
    monkeypatch.setattr(platform_check, "_is_root", lambda: False)
    assert not platform_check.install(missing) and calls == []
    monkeypatch.setattr(platform_check, "_is_root", lambda: True)
    assert not platform_check.install(CheckResult(("libxcb-icccm.so.4",), "fedora"))
    assert platform_check.install(missing)
    assert calls == [["apt-get", "install", "-y", "--no-install-recommends", "libxcb-icccm4"]]


def test_the_check_is_only_made_where_qt_uses_xcb(monkeypatch):
    monkeypatch.setattr(platform_check.sys, "platform", "linux")
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not platform_check.needs_xcb()
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert platform_check.needs_xcb()
    monkeypatch.delenv("QT_QPA_PLATFORM")
    assert platform_check.needs_xcb()
    monkeypatch.setattr(platform_check.sys, "platform", "darwin")
    assert not platform_check.needs_xcb()


def test_without_a_display_the_window_says_so(monkeypatch):
    monkeypatch.setattr(platform_check.sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert "no X display" in platform_check.display_problem()
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(platform_check, "check_xcb", lambda: CheckResult(("libxcb-icccm.so.4",), "debian"))
    assert "libxcb-icccm4" in platform_check.display_problem()
    monkeypatch.setattr(platform_check, "check_xcb", lambda: CheckResult((), "debian"))
    monkeypatch.setattr(platform_check, "display_reachable", lambda display: display == ":0")
    assert platform_check.display_problem() is None
    # Set, but no server there: Qt would abort the process (exit 134) blaming libxcb-cursor0.
    monkeypatch.setenv("DISPLAY", ":99")
    assert "no X server answers on DISPLAY=:99" in platform_check.display_problem()


def test_a_display_without_a_server_is_not_reachable():
    import ctypes

    try:
        ctypes.CDLL("libxcb.so.1")
    except OSError:
        pytest.skip("libxcb is not installed: the check leaves the verdict to the library check")
    free = next(n for n in range(4321, 4400) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    assert not platform_check.display_reachable(f":{free}")


def test_the_module_imports_no_qt():
    # A failing plugin load aborts the whole process: the check must run before Qt is loaded.
    code = "import sys, app.gui.platform_check; sys.exit(any(m.startswith('PySide6.Qt') for m in sys.modules))"
    assert subprocess.run([platform_check.sys.executable, "-c", code], check=False).returncode == 0
