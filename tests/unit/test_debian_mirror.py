"""scripts/debian_mirror.py reads the Debian mirror from apt's sources the way apt does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, load_script

SCRIPT = ROOT / "scripts" / "debian_mirror.py"
debian_mirror = load_script("debian_mirror")

# /etc/apt/sources.list.d/debian.sources of the Debian 12 container image, as it is on this
# project's machines: the comment lines hold snapshot URLs that are not reachable.
DEBIAN_IMAGE_SOURCES = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

# A Debian 11-era installer's /etc/apt/sources.list upgraded to bookworm: the security line
# comes first, a cdrom line is commented out, deb-src lines sit in between.
LEGACY_SOURCES_LIST = """\
#

# deb cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 NETINST]/ bookworm main

#deb cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 NETINST]/ bookworm main

deb http://security.debian.org/debian-security bookworm-security main non-free-firmware
deb-src http://security.debian.org/debian-security bookworm-security main non-free-firmware

deb-src http://ftp.de.debian.org/debian/ bookworm main non-free-firmware
deb http://ftp.de.debian.org/debian/ bookworm main non-free-firmware  # the local mirror

# bookworm-updates, to get updates before a point release is made;
deb http://ftp.de.debian.org/debian/ bookworm-updates main non-free-firmware
"""

NODESOURCE = """\
Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/nodesource.gpg
"""


def apt_etc(tmp_path: Path, files: dict[str, str]) -> Path:
    """An /etc/apt folder holding `files` (paths relative to it)."""
    etc = tmp_path / "apt"
    (etc / "sources.list.d").mkdir(parents=True)
    for name, text in files.items():
        (etc / name).write_text(text)
    return etc


def mirror(etc: Path, suite: str = "bookworm") -> str | None:
    found = debian_mirror.find_mirror(etc, suite)
    return found and found[0]


def test_deb822_only_machine_skips_the_snapshot_comments(tmp_path):
    etc = apt_etc(tmp_path, {"sources.list.d/debian.sources": DEBIAN_IMAGE_SOURCES})
    assert not (etc / "sources.list").exists()
    assert debian_mirror.find_mirror(etc, "bookworm") == ("http://deb.debian.org/debian", f"{etc}/sources.list.d/debian.sources:1")


def test_legacy_sources_list_skips_security_cdrom_and_deb_src(tmp_path):
    etc = apt_etc(tmp_path, {"sources.list": LEGACY_SOURCES_LIST})
    assert debian_mirror.find_mirror(etc, "bookworm") == ("http://ftp.de.debian.org/debian", f"{etc}/sources.list:11")


def test_commented_out_fields_are_not_read(tmp_path):
    stanza = """\
Types: deb
URIs: http://deb.debian.org/debian
# URIs: http://snapshot.debian.org/archive/debian/20250520T000000Z
#Suites: bookworm-backports
Suites: bookworm
Components: main
"""
    assert mirror(apt_etc(tmp_path, {"sources.list.d/debian.sources": stanza})) == "http://deb.debian.org/debian"


def test_security_suite_is_never_the_mirror(tmp_path):
    only_security = "deb http://security.debian.org/debian-security bookworm-security main\n"
    etc = apt_etc(tmp_path, {"sources.list": only_security})
    assert mirror(etc) is None
    security_first = DEBIAN_IMAGE_SOURCES.split("\n\n")[1]
    etc = apt_etc(tmp_path / "b", {"sources.list.d/debian.sources": security_first})
    assert mirror(etc) is None


def test_signed_by_option_and_https_mirror_in_a_list_file(tmp_path):
    line = (
        "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
        "https://mirror.example.org/debian/ bookworm main contrib\n"
    )
    spaced = "deb [ trusted=yes ] https://other.example.org/debian bookworm main\n"
    assert mirror(apt_etc(tmp_path, {"sources.list.d/mirror.list": line})) == "https://mirror.example.org/debian"
    assert mirror(apt_etc(tmp_path / "b", {"sources.list.d/mirror.list": spaced})) == "https://other.example.org/debian"


def test_several_uris_take_the_first_debootstrap_can_use(tmp_path):
    stanza = """\
Types: deb deb-src
URIs: mirror+file:///etc/apt/mirrors/debian.list https://a.example.org/debian http://b.example.org/debian
Suites: bookworm
Components: main
"""
    assert mirror(apt_etc(tmp_path, {"sources.list.d/debian.sources": stanza})) == "https://a.example.org/debian"


def test_third_party_repositories_read_first_are_not_taken(tmp_path):
    google = "deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n"
    etc = apt_etc(
        tmp_path,
        {
            "sources.list.d/a-google.list": google,
            "sources.list.d/b-nodesource.sources": NODESOURCE,
            "sources.list.d/debian.sources": DEBIAN_IMAGE_SOURCES,
        },
    )
    assert mirror(etc) == "http://deb.debian.org/debian"


def test_files_apt_does_not_read_are_ignored(tmp_path):
    etc = apt_etc(
        tmp_path,
        {
            "sources.list.d/old.list.disabled-by-farm": "deb http://wrong.example.org/debian bookworm main\n",
            "sources.list.d/old.list.save": "deb http://wrong.example.org/debian bookworm main\n",
            "sources.list.d/z.sources": DEBIAN_IMAGE_SOURCES,
        },
    )
    assert mirror(etc) == "http://deb.debian.org/debian"


def test_sources_list_is_read_before_sources_list_d(tmp_path):
    etc = apt_etc(
        tmp_path,
        {
            "sources.list": "deb http://first.example.org/debian bookworm main\n",
            "sources.list.d/debian.sources": DEBIAN_IMAGE_SOURCES,
        },
    )
    assert mirror(etc) == "http://first.example.org/debian"


def test_disabled_stanzas_deb_src_and_missing_main_are_skipped(tmp_path):
    stanzas = """\
Types: deb
URIs: http://disabled.example.org/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb-src
URIs: http://sources.example.org/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://nonfree.example.org/debian
Suites: bookworm
Components: non-free

types: deb
uris: http://lowercase-fields.example.org/debian
suites: bookworm
components: main
"""
    assert mirror(apt_etc(tmp_path, {"sources.list.d/debian.sources": stanzas})) == ("http://lowercase-fields.example.org/debian")


def test_an_embedded_signing_key_does_not_end_the_stanza(tmp_path):
    stanza = """\
Types: deb
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPR8lsD3K87ZM18gzyQZJD+w
 URIs: http://inside-the-key.example.org/debian
 -----END PGP PUBLIC KEY BLOCK-----
URIs: http://after-the-key.example.org/debian
Suites: bookworm
Components: main
"""
    assert mirror(apt_etc(tmp_path, {"sources.list.d/debian.sources": stanza})) == "http://after-the-key.example.org/debian"


def test_other_suites_are_found_by_name(tmp_path):
    etc = apt_etc(tmp_path, {"sources.list.d/debian.sources": DEBIAN_IMAGE_SOURCES})
    assert mirror(etc, "bookworm-updates") == "http://deb.debian.org/debian"
    assert mirror(etc, "trixie") is None


@pytest.mark.parametrize("files", [{}, {"sources.list.d/nodesource.sources": NODESOURCE}])
def test_command_says_what_it_searched_when_nothing_fits(tmp_path, files):
    etc = apt_etc(tmp_path, files)
    result = subprocess.run([sys.executable, str(SCRIPT), "--etc", str(etc)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "No 'deb' source for suite bookworm" in result.stderr
    assert ("nodesource.sources" in result.stderr) if files else ("no sources files" in result.stderr)


def test_command_prints_the_mirror_and_where_it_was_found(tmp_path):
    etc = apt_etc(tmp_path, {"sources.list.d/debian.sources": DEBIAN_IMAGE_SOURCES})
    result = subprocess.run([sys.executable, str(SCRIPT), "--etc", str(etc)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"http://deb.debian.org/debian\t{etc}/sources.list.d/debian.sources:1\n"


def test_missing_apt_folder(tmp_path):
    assert debian_mirror.find_mirror(tmp_path / "nothing", "bookworm") is None
