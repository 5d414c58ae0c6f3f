"""The memo of derived JSON: bounded, least recently used out first, safe to share."""

from __future__ import annotations

import threading

from parley.memo import Memo


def test_the_least_recently_used_entry_goes_first() -> None:
    memo = Memo(size=3)
    for key in "abc":
        memo.put(key, key.upper())
    assert memo.get("a") == "A"  # used: now the most recent
    memo.put("d", "D")
    assert len(memo) == 3
    assert memo.get("b") is None  # the least recently used went
    assert [memo.get(k) for k in "acd"] == ["A", "C", "D"]


def test_a_full_memo_evicts_one_entry_per_new_one_not_everything() -> None:
    memo = Memo(size=1000)
    for n in range(1000):
        memo.put(n, n)
    memo.put("new", 1)
    assert len(memo) == 1000
    assert memo.get(0) is None and memo.get(1) == 1 and memo.get(999) == 999


def test_threads_sharing_it_never_fail_or_overfill() -> None:
    memo = Memo(size=50)
    errors: list[BaseException] = []

    def churn(offset: int) -> None:
        try:
            for n in range(20_000):
                memo.put((offset, n % 200), n)
                memo.get((offset, (n * 7) % 200))
        except BaseException as exc:  # noqa: BLE001 - any failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=churn, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(memo) <= 50
