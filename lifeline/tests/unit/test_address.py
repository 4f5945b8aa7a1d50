"""lifeline.address: the address file of a shared server, 0600 and written whole, is an address only while its
process lives and its server answers, and only its own server removes it."""

from __future__ import annotations

import os
import stat

import pytest

from lifeline import address

#: No process has this pid: it is above the largest any system gives (Linux's pid_max is at most 2**22).
NO_SUCH_PID = 2**22 + 1


def test_written_whole_and_private_and_found_while_it_answers(tmp_path):
    path = tmp_path / "server" / "address.json"
    address.write(path, {"pid": os.getpid(), "url": "http://127.0.0.1:1", "key": "s3cret"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["address.json"]  # no temporary file left
    assert address.find(path, lambda a: a["url"].startswith("http://"))["key"] == "s3cret"
    assert address.find(path, lambda a: False) is None  # its port answers no more (or another program holds it)


def test_no_address_from_a_dead_process_a_missing_file_or_another_format(tmp_path):
    path = tmp_path / "address.json"
    assert address.find(path, lambda a: True) is None
    path.write_text('{"url": "http://127.0.0.1:1"}')
    assert address.find(path, lambda a: True) is None
    path.write_text("{")
    assert address.find(path, lambda a: True) is None
    address.write(path, {"pid": NO_SUCH_PID})
    assert address.find(path, lambda a: True) is None
    with pytest.raises(ValueError, match="has no pid"):
        address.write(path, {"url": "x"})


def test_only_its_own_server_removes_it(tmp_path):
    path = tmp_path / "address.json"
    address.write(path, {"pid": NO_SUCH_PID})
    address.remove(path)  # not this process's
    assert path.exists()
    address.remove(path, NO_SUCH_PID)
    assert not path.exists()
    address.remove(path)  # gone already: nothing to do


def test_alive():
    assert address.alive(os.getpid())
    assert not address.alive(0) and not address.alive(-1)
