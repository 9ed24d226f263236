"""ui/writes.py, the one door for the pages' writes: the role is checked before the core is called, and the data
version is read afresh after it."""

import pytest

from metrics.domain.roles import Actor, Forbidden
from ui import data, writes


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
