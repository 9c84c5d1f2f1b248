"""Are the system libraries that Qt's xcb (X11) platform plugin loads installed?

PySide6's wheels carry Qt but not the small X11 helper libraries its xcb plugin links against;
on a fresh Debian or Ubuntu machine three of them are usually missing (libxcb-cursor0,
libxcb-icccm4, libxcb-keysyms1), and Qt then aborts with a message that names only the first.
This module finds every missing one with ``ldd``, names the packages that hold them for the
machine's distribution, and, run as root on Debian or Ubuntu with ``--install``, installs them.

It imports no Qt (a failing plugin load aborts the process), so ``make run`` and the GUI can
call it first. ``python -m app.gui.platform_check [--install]`` exits 0 when the window can open.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Each library the xcb plugin needs, by soname, and the package that holds it on each family of
# distributions: (Debian/Ubuntu, Fedora/RHEL, Arch, openSUSE).
PACKAGES: dict[str, tuple[str, str, str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor", "libxcb-cursor0"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm", "libxcb-icccm4"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms", "libxcb-keysyms1"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image", "libxcb-image0"),
    "libxcb-render-util.so.0": (
        "libxcb-render-util0",
        "xcb-util-renderutil",
        "xcb-util-renderutil",
        "libxcb-render-util0",
    ),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util", "libxcb-util1"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11", "libxkbcommon-x11-0"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon", "libxkbcommon0"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11", "libX11-xcb1"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl", "libglvnd", "libEGL1"),
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd", "libGL1"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig", "libfontconfig1"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2", "libfreetype6"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus", "libdbus-1-3"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", "glib2", "libglib-2_0-0"),
}
FAMILIES = ("debian", "fedora", "arch", "suse")
INSTALLERS = {
    "debian": "apt-get install -y",
    "fedora": "dnf install -y",
    "arch": "pacman -S --needed",
    "suse": "zypper install -y",
}
# Loaded by Qt with dlopen since Qt 6.5, so ldd does not list it: checked by loading it.
DLOPENED = ("libxcb-cursor.so.0",)


@dataclass(frozen=True)
class CheckResult:
    """What the xcb plugin lacks on this machine, and how to get it."""

    missing: tuple[str, ...]  # sonames
    family: str | None  # "debian", "fedora", "arch", "suse" or None (unknown)

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def packages(self) -> tuple[str, ...]:
        index = FAMILIES.index(self.family) if self.family else 0
        names = [PACKAGES[soname][index] if soname in PACKAGES else _guess_package(soname) for soname in self.missing]
        return tuple(dict.fromkeys(names))  # in order, once each

    @property
    def install_command(self) -> str:
        installer = INSTALLERS.get(self.family or "debian", INSTALLERS["debian"])
        sudo = "" if _is_root() else "sudo "
        return f"{sudo}{installer} {' '.join(self.packages)}"

    def message(self) -> str:
        """One line: which libraries are missing and the command that installs them."""
        where = "" if self.family else " (Debian/Ubuntu package names; see README for other systems)"
        return (
            f"the Qt window cannot open: Qt's xcb platform plugin needs {', '.join(self.missing)}, "
            f"not installed here; install them with: {self.install_command}{where}"
        )


def _guess_package(soname: str) -> str:
    """Debian's rule for library packages: libfoo.so.3 is in libfoo3 (libfoo-3 after a digit)."""
    stem, _, version = soname.partition(".so.")
    return f"{stem}{'-' if stem[-1].isdigit() else ''}{version.split('.')[0]}"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def xcb_plugin_path() -> Path | None:
    """PySide6's xcb platform plugin, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def parse_ldd_missing(ldd_output: str) -> list[str]:
    """The sonames ldd reports as ``not found``, in order, once each."""
    missing = [line.split("=>")[0].strip() for line in ldd_output.splitlines() if "not found" in line]
    return list(dict.fromkeys(missing))


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def distribution_family(os_release: str | None = None) -> str | None:
    """The family of this Linux distribution from /etc/os-release (ID and ID_LIKE)."""
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text()
        except OSError:
            return None
    words: list[str] = []
    for line in os_release.splitlines():
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            words += value.strip().strip('"').lower().split()
    aliases = {
        "debian": "debian",
        "ubuntu": "debian",
        "fedora": "fedora",
        "rhel": "fedora",
        "centos": "fedora",
        "arch": "arch",
        "suse": "suse",
        "opensuse": "suse",
    }
    return next((aliases[word] for word in words if word in aliases), None)


def needs_xcb() -> bool:
    """Will Qt use the xcb plugin here? On Linux, unless another platform is asked for or the
    session is Wayland (where Qt picks its wayland plugin first)."""
    if not sys.platform.startswith("linux"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    wayland = os.environ.get("XDG_SESSION_TYPE") == "wayland" and bool(os.environ.get("WAYLAND_DISPLAY"))
    return not wayland


def display_problem() -> str | None:
    """Why the window cannot open on this machine (one line), or None when it can."""
    if not needs_xcb():
        return None
    if not os.environ.get("DISPLAY"):
        return (
            "the Qt window cannot open: no X display (DISPLAY is not set); start it from a desktop session, "
            "or use the headless commands (imitation-studio --help)"
        )
    result = check_xcb()
    if not result.ok:
        return result.message()
    display = os.environ["DISPLAY"]
    if not display_reachable(display):
        return (
            f"the Qt window cannot open: no X server answers on DISPLAY={display} (is it running, and may this "
            "user connect to it?); or use the headless commands (imitation-studio --help)"
        )
    return None


def display_reachable(display: str) -> bool:
    """Can an X client connect to ``display``? Asked through libxcb, which the xcb plugin links
    against, because Qt itself aborts the process (and blames a missing library) when it cannot."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return True  # then the plugin's libraries are what is wrong, and check_xcb names them
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)  # never NULL: a failed one reports its error
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)


def check_xcb(plugin: Path | None = None, ldd: str | None = None) -> CheckResult:
    """Which libraries the xcb plugin lacks (none where the plugin or ldd cannot be found)."""
    plugin = plugin or xcb_plugin_path()
    ldd = ldd or shutil.which("ldd")
    missing: list[str] = []
    if plugin is not None and ldd is not None:
        result = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, check=False)
        missing = parse_ldd_missing(result.stdout)
    missing += [soname for soname in DLOPENED if soname not in missing and not _loads(soname)]
    return CheckResult(tuple(missing), distribution_family())


def install(result: CheckResult) -> bool:
    """Install the missing packages with apt-get (root on Debian/Ubuntu only); True when it ran."""
    if result.ok or result.family != "debian" or not _is_root() or shutil.which("apt-get") is None:
        return False
    packages = list(result.packages)
    print(f"installing what Qt's xcb plugin needs: apt-get install -y {' '.join(packages)}", file=sys.stderr)
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    quiet = {"stdout": subprocess.DEVNULL, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    if subprocess.run(command, check=False, **quiet).returncode != 0:
        # A fresh machine may have no package lists yet.
        subprocess.run(["apt-get", "update"], check=False, **quiet)
        subprocess.run(command, check=False, **quiet)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 when the xcb plugin has what it needs (or is not used), 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="python -m app.gui.platform_check",
        description="Check (and, as root on Debian/Ubuntu, install) the libraries Qt's X11 plugin needs.",
    )
    parser.add_argument("--install", action="store_true", help="install what is missing where this is possible")
    args = parser.parse_args(argv)
    if not needs_xcb():
        return 0
    result = check_xcb()
    if not result.ok and args.install and install(result):
        result = check_xcb()
    problem = None if result.ok else result.message()
    if problem is None and not os.environ.get("DISPLAY"):
        problem = display_problem()
    if problem is None:
        return 0
    print(f"error: {problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
