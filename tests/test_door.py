"""The one door from the pages to the data: reads keep the span once per run (ui/data.py); writes check the role
before the core is called and read the data version afresh after it (ui/writes.py)."""

import pytest

from metrics.domain.roles import Actor, Forbidden
from metrics.store.reads import READ_CACHE
from ui import data, writes


@pytest.mark.parametrize(
    ("name", "run_local", "lookups"), [("year_span", {}, 1), ("year_span", None, 3), ("series", {}, 3)]
)
def test_a_run_looks_the_span_up_once_and_everything_else_in_the_shared_cache(monkeypatch, name, run_local, lookups):
    shared = []
    monkeypatch.setattr(data._reads, "get", lambda key, compute: shared.append(key) or compute())
    with data._reads_kept(("db", "id", 1, 1), run_local):
        memo = READ_CACHE.get()
        assert memo is not None
        assert [memo(name, (), lambda: "read") for _ in range(3)] == ["read"] * 3
    assert len(shared) == lookups
    assert READ_CACHE.get() is None  # the block's memo is gone with it


@pytest.mark.parametrize(
    ("role", "ability", "allowed"),
    [
        ("viewer", "edit", False),
        ("viewer", "admin", False),
        ("editor", "edit", True),
        ("editor", "admin", False),
        ("admin", "edit", True),
        ("admin", "admin", True),
        (None, "edit", False),  # nobody signed in
    ],
)
def test_a_write_is_made_only_by_a_role_that_may(monkeypatch, role, ability, allowed):
    calls, refreshed = [], []
    monkeypatch.setattr(data, "database", lambda: "the database")
    monkeypatch.setattr(data, "refresh_data_version", lambda: refreshed.append(True))
    who = None if role is None else Actor("somebody", role, "password")

    def change(database, value, by, *, note=""):
        calls.append((database, value, by, note))
        return "written"

    if allowed:
        assert writes.write(ability, change, 7, by=who, note="n") == "written"
        assert calls == [("the database", 7, who, "n")] and refreshed == [True]
    else:
        with pytest.raises(Forbidden) as refused:
            writes.write(ability, change, 7, by=who)
        assert calls == [] and "nothing was changed" in refused.value.text.en and refused.value.text.zh
