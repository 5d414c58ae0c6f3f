"""``parley transparency verify`` against the real app: it passes on an honest log, and
names what failed on a tampered entry, a dropped entry, a reordered log, a bad signature,
a changed key, and a rewritten log (a fork of the tree head saved before).

Most tests give the verifier a fetch function that calls the app in process through the
``TestClient`` (the verifier's logic is what is tested; a malicious server is that fetch
function altering answers). One test runs the command itself over real HTTP, against the
app served by uvicorn on a loopback port, with the standard library's ``urllib``.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import delete, select, update
from starlette.testclient import TestClient

from parley.cli import main
from parley.services import Services
from parley.settings import Settings
from parley.store.tables import TransparencyEntry, TransparencyNode
from parley.transparency import keys, log, merkle
from parley.transparency.verify import CT, Fetch, FetchError, run
from tests.transparency.test_ct_api import decide_on_posts, make_world

World = dict[str, Any]


@pytest.fixture
def world(services: Services, client: TestClient) -> World:
    return make_world(services, client)


def client_fetch(client: TestClient) -> Fetch:
    def fetch(path: str, query: Mapping[str, int | str]) -> Any:
        r = client.get(path, params=dict(query))
        if r.status_code != 200:
            raise FetchError(f"{path}: HTTP {r.status_code} {r.text}")
        return r.json()

    return fetch


def check(fetch: Fetch, state: Path | None) -> tuple[int, str]:
    lines: list[str] = []
    code = run("http://parley.test", state, fetch=fetch, say=lines.append)
    return code, "\n".join(lines)


def serving_entries(fetch: Fetch, change: Callable[[list[Any]], list[Any]]) -> Fetch:
    """A server that answers get-entries from ``change(all the real entries)``."""

    def altered(path: str, query: Mapping[str, int | str]) -> Any:
        if not path.endswith("/get-entries"):
            return fetch(path, query)
        size = fetch(f"{CT}/get-sth", {})["tree_size"]
        real: list[Any] = []
        while len(real) < size:
            real += fetch(path, {"start": len(real), "end": size - 1})["entries"]
        served = change(real)
        start, end = int(query["start"]), int(query["end"])
        return {"entries": served[start : end + 1]}

    return altered


def stored(services: Services) -> list[tuple[int, bytes]]:
    with services.db.unit(write=False) as uow:
        rows = uow.session.execute(
            select(TransparencyEntry.decision_id, TransparencyEntry.leaf_input).order_by(TransparencyEntry.leaf_index)
        )
        return [(d, bytes(data)) for d, data in rows]


def rewrite(services: Services, entries: list[tuple[int, bytes]]) -> None:
    """Replace the whole stored log by ``entries``, hashes and nodes made consistent:
    what an operator with database access and the key could do to rewrite history."""
    tree = merkle.Tree(merkle.leaf_hash(data) for _, data in entries)
    with services.db.unit() as uow:
        s = uow.session
        s.execute(delete(TransparencyNode))
        s.execute(delete(TransparencyEntry))
        for index, (decision_id, data) in enumerate(entries):
            s.add(TransparencyEntry(leaf_index=index, decision_id=decision_id, leaf_input=data, leaf_hash=tree.node(0, index)))
        for level in range(1, len(tree.levels)):
            for index, h in enumerate(tree.levels[level]):
                s.add(TransparencyNode(level=level, node_index=index, hash=h))


def edited(data: bytes, reasons: str) -> bytes:
    """The entry with another explanation, still canonical JSON (a careful forger)."""
    entry = json.loads(data)
    entry["statement_of_reasons"]["incompatible_content_explanation"] = reasons
    return log.canonical_json(entry)


def test_an_honest_log_passes_and_its_head_is_saved_then_extended(world: World, client: TestClient, tmp_path: Path) -> None:
    state = tmp_path / "monitor" / "head.json"
    fetch = client_fetch(client)
    assert check(fetch, state)[0] == 0  # the empty log
    assert json.loads(state.read_text())["tree_size"] == 0
    decide_on_posts(world, 4)
    code, out = check(fetch, state)
    assert code == 0, out
    assert "4 entries hash to the signed root" in out and "extends the tree head seen last time (0 -> 4" in out
    saved = json.loads(state.read_text())
    assert saved["tree_size"] == 4
    code, out = check(fetch, state)
    assert code == 0 and "same tree head as last time" in out
    decide_on_posts(world, 3)
    code, out = check(fetch, state)
    assert code == 0 and "(4 -> 7 entries)" in out, out
    assert json.loads(state.read_text())["tree_size"] == 7
    assert check(fetch, None)[0] == 0  # no state file: checked, nothing saved


def test_a_tampered_entry_in_the_database_is_named(world: World, client: TestClient, tmp_path: Path) -> None:
    decide_on_posts(world, 5)
    services: Services = world["services"]
    data = stored(services)[2][1]
    with services.db.unit() as uow:
        uow.session.execute(
            update(TransparencyEntry).where(TransparencyEntry.leaf_index == 2).values(leaf_input=edited(data, "Nothing happened."))
        )
    code, out = check(client_fetch(client), tmp_path / "head.json")
    assert code == 1, out
    assert "the entries do not hash to the signed root: the first entry that differs is entry 2" in out
    assert not (tmp_path / "head.json").exists()


def test_a_dropped_entry_is_named(world: World, client: TestClient) -> None:
    decide_on_posts(world, 5)
    fetch = serving_entries(client_fetch(client), lambda real: real[:2] + real[3:])
    code, out = check(fetch, None)
    assert code == 1, out
    assert "the log served 4 entries, but its tree head says 5" in out
    assert "entries missing from the log (dropped): 2" in out
    code, out = check(serving_entries(client_fetch(client), lambda real: real[:4]), None)
    assert code == 1 and "entries missing from the log (dropped): 4" in out, out


def test_a_reordered_log_is_caught(world: World, client: TestClient) -> None:
    decide_on_posts(world, 5)
    fetch = serving_entries(client_fetch(client), lambda real: [real[0], real[3], real[1], real[2], real[4]])
    code, out = check(fetch, None)
    assert code == 1, out
    assert "entries are out of order (the log was reordered): the entry at position 1 says it is entry 3" in out
    assert "the first entry that differs is entry 1" in out


def test_a_bad_signature_is_caught(world: World, client: TestClient) -> None:
    decide_on_posts(world, 2)
    honest = client_fetch(client)

    def forged(path: str, query: Mapping[str, int | str]) -> Any:
        answer = honest(path, query)
        if path.endswith("/get-sth"):
            signature = bytearray(base64.b64decode(answer["tree_head_signature"]))
            signature[-1] ^= 1
            answer["tree_head_signature"] = base64.b64encode(bytes(signature)).decode()
        return answer

    code, out = check(forged, None)
    assert code == 1
    assert "the signature of the tree head (2 entries) does not verify with the log's public key" in out


def test_a_changed_key_is_caught(world: World, client: TestClient, settings: Settings, tmp_path: Path) -> None:
    decide_on_posts(world, 2)
    state = tmp_path / "head.json"
    assert check(client_fetch(client), state)[0] == 0
    keys.key_path(settings.data_dir).unlink()  # the instance makes a new key
    code, out = check(client_fetch(client), state)
    assert code == 1 and "the log's public key changed" in out
    assert json.loads(state.read_text())["public_key"] != client.get("/api/parley/v1/transparency/public-key").json()["public_key"]


def test_a_rewritten_log_of_the_same_size_is_a_fork(world: World, client: TestClient, tmp_path: Path) -> None:
    decide_on_posts(world, 4)
    state = tmp_path / "head.json"
    fetch = client_fetch(client)
    assert check(fetch, state)[0] == 0
    services: Services = world["services"]
    entries = stored(services)
    entries[1] = (entries[1][0], edited(entries[1][1], "Rewritten."))
    rewrite(services, entries)
    # Alone, the rewritten log is self-consistent and signed: only the saved head shows it.
    assert check(fetch, None)[0] == 0
    code, out = check(fetch, state)
    assert code == 1, out
    assert "fork: the tree of 4 entries had root" in out


def test_a_rewritten_log_that_grew_does_not_extend_the_saved_head(world: World, client: TestClient, tmp_path: Path) -> None:
    decide_on_posts(world, 4)
    state = tmp_path / "head.json"
    fetch = client_fetch(client)
    assert check(fetch, state)[0] == 0
    services: Services = world["services"]
    entries = stored(services)
    entries[0] = (entries[0][0], edited(entries[0][1], "Rewritten."))
    rewrite(services, entries)
    decide_on_posts(world, 2)
    code, out = check(fetch, state)
    assert code == 1, out
    assert "fork: the tree of 6 entries does not extend the tree of 4 entries seen last time" in out
    # A log that lost entries since the saved head shrank.
    rewrite(services, stored(services)[:3])
    code, out = check(fetch, state)
    assert code == 1 and "the log shrank: it had 4 entries when last checked, it has 3 now" in out


@contextmanager
def served(app: Any) -> Iterator[str]:
    """The app on a loopback port, served by uvicorn in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_the_command_over_http(world: World, app: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    decide_on_posts(world, 3)
    state = tmp_path / "head.json"
    with served(app) as url:
        assert main(["transparency", "verify", "--url", url, "--state", str(state)]) == 0
        assert "verification passed" in capsys.readouterr().out
        services: Services = world["services"]
        data = stored(services)[1][1]
        with services.db.unit() as uow:
            uow.session.execute(
                update(TransparencyEntry).where(TransparencyEntry.leaf_index == 1).values(leaf_input=data.replace(b"Insulting", b"Polite"))
            )
        assert main(["transparency", "verify", "--url", url, "--state", str(state)]) == 1
        out = capsys.readouterr().out
        assert "the first entry that differs is entry 1" in out and "verification FAILED" in out
    assert main(["transparency", "verify", "--url", url]) == 2  # nobody answers any more
    assert "the log could not be read" in capsys.readouterr().out
