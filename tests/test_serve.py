"""The server's start (ui/serve.py): warm with or without accounts, and Streamlit's options loaded once."""

import pytest
from streamlit import config

from metrics.access.accounts import add_user
from metrics.domain.roles import local_actor
from metrics.store.database import open_database
from metrics.store.releases import list_releases, withdraw
from ui import auth, serve

PAGES = ["dashboard.py", *serve.WARMED]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("accounts", "release", "runs"),
    [
        (False, True, [("", p) for p in PAGES]),
        (True, False, [("", "dashboard.py"), *(("editor", p) for p in PAGES)]),
        (True, True, [("", "dashboard.py"), *(("editor", p) for p in PAGES), *(("viewer", p) for p in PAGES)]),
    ],
)
def test_the_warm_up_runs_the_pages_an_officer_opens_first(app_db, accounts, release, runs, capsys):
    database = open_database(app_db)
    try:
        if accounts:
            add_user(database, "boss", "admin", "a long enough password", local_actor())
        if not release:
            for published in list_releases_of(database):
                withdraw(database, published.name, "not in force", local_actor())
    finally:
        database.close()
    actor = auth.actor
    assert serve.warm() == runs
    assert auth.actor is actor  # the stand-in is gone before the server starts
    assert "Warm-up skipped" not in capsys.readouterr().err


def list_releases_of(database):
    with database.cursor() as cur:
        return list_releases(cur)


@pytest.mark.parametrize(
    ("args", "port", "headless"),
    [
        ([], 8501, True),
        (["--server.port", "8765"], 8765, True),
        (["--server.port=8766", "--server.headless", "false", "--browser.gatherUsageStats", "false"], 8766, False),
    ],
)
def test_the_options_are_loaded_before_the_warm_up_as_the_server_loads_them(args, port, headless, caplog):
    try:
        serve.load_options(args)
        assert (config.get_option("server.port"), config.get_option("server.headless")) == (port, headless)
        caplog.clear()
        with caplog.at_level("WARNING"):
            serve.load_options(args)  # what `streamlit run` does next: nothing in [server] changes under it
        assert "config option section was detected" not in caplog.text
    finally:
        config.get_config_options(force_reparse=True)
