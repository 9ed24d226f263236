"""Start the dashboard: `python -m ui.serve [streamlit options]` is `streamlit run server.py` (the app with its
session-cookie routes and security headers), warmed.

Without it the first visit after a start waits for the app's modules to import, Plotly's validators to be built
and the overview's figures to be computed (about a second here, more with thousands of pilots). This runs the
overview, then the city profile and the comparison, once in-process (through Streamlit's AppTest, as a first
visitor in the default view would see them), which leaves all of that in place, then starts the server. (When a
meeting opens one link at once, the first visitor of a cold page made everyone wait for its figures.) The caches
it fills are the ones every session uses, keyed on the data version as always, so the first real visitor is served
from them. Where everyone signs in, the sign-in page is warmed first, then the pages as a signed-in officer sees
them: the working data (an editor's), and the latest release too where there is one (a viewer's), under a stand-in
actor that exists in this process only until the server starts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from unittest import mock

ENTRY = Path(__file__).resolve().parent.parent / "dashboard.py"
SERVER = ENTRY.parent / "server.py"  # what a server runs: the app, its routes and its headers
WARMED = ("app_pages/city.py", "app_pages/compare.py")  # after the overview: the pages a meeting opens next


def warm() -> list[tuple[str, str]]:
    """Run the overview, city and compare pages once (after the sign-in page, where everyone signs in); the runs done,
    as (role, page) with "" for the first visitor's. A problem (no database yet, locked, …) is left for the server's
    first page to show."""
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    from metrics.domain.roles import Actor
    from ui import auth

    streamlit.logger.set_log_level("error")  # AppTest outside a server warns about the missing runtime
    done: list[tuple[str, str]] = []
    try:
        first = AppTest.from_file(str(ENTRY), default_timeout=120)
        _run(first, done, "", "")  # the first visitor's page: the overview, or the sign-in page where accounts are
        roles = _roles_signed_in()
        for page in WARMED if not roles else ():
            _run(first, done, "", page)
        for role in roles:
            with mock.patch.object(auth, "actor", lambda *_, role=role: Actor("warm-up", role, "password")):
                app = AppTest.from_file(str(ENTRY), default_timeout=120)
                for page in ("", *WARMED):
                    _run(app, done, role, page)
    except Exception as exc:  # the server starts regardless; its first visit shows what is wrong
        print(f"Warm-up skipped: {exc}", file=sys.stderr)
    finally:
        streamlit.logger.set_log_level("info")
    return done


def _run(app, done: list[tuple[str, str]], role: str, page: str) -> None:
    (app.switch_page(page) if page else app).run()
    if app.exception:
        raise RuntimeError(app.exception[0].message)
    done.append((role, page or ENTRY.name))


def _roles_signed_in() -> Sequence[str]:
    """The roles whose default view the warm-up runs the pages in after the sign-in page: none in local mode (no
    sign-in page); with accounts an editor's (the working data) and a viewer's where a release is in force (a viewer
    sees it by default)."""
    from metrics.access.accounts import accounts_configured
    from metrics.store.releases import latest
    from ui import data

    if not accounts_configured(data.database()):
        return ()
    with data.database().cursor() as cur:
        return ("editor", "viewer") if latest(cur) else ("editor",)


def trust_only_our_proxies() -> None:
    """Have uvicorn believe X-Forwarded-For only from $PILOT_TRUSTED_PROXIES, as sign-in does: by default it believes
    any program on this machine, which could then pass for ever-new addresses and never be slowed."""
    from metrics.access.limits import trusted_proxies

    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(str(network) for network in trusted_proxies())


def load_options(args: Sequence[str]) -> None:
    """Streamlit's options from config.toml and the command line (`args`), loaded now as `streamlit run` loads them:
    loaded by the warm-up without the command line's, they changed under the server, which then warned that a
    [server] option changed and wanted a restart."""
    from streamlit import config
    from streamlit.web import bootstrap, cli

    config._main_script_path = str(SERVER)  # where `streamlit run` looks for config files
    with cli.main.make_context("streamlit", ["run", str(SERVER), *args]) as parent:
        options = cli.main_run.make_context("run", [str(SERVER), *args], parent=parent).params
    bootstrap.load_config_options({k: v for k, v in options.items() if k not in ("target", "args")})


def main() -> None:
    """Warm the app, then hand over to `streamlit run server.py` with the options given."""
    trust_only_our_proxies()
    load_options(sys.argv[1:])
    warm()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(SERVER), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
