"""Start the dashboard: `python -m ui.serve [streamlit options]` is `streamlit run server.py` (the app with its
session-cookie routes and security headers), warmed.

Without it the first visit after a start waits for the app's modules to import, Plotly's validators to be built
and the overview's figures to be computed (about a second here, more with thousands of pilots). This runs the
overview, then the city profile and the comparison, once in-process (through Streamlit's AppTest, as a first
visitor in the default view would see them), which leaves all of that in place, then starts the server. (When a
meeting opens one link at once, the first visitor of a cold page made everyone wait for its figures.) The caches
it fills are the ones every session uses, keyed on the data version as always, so the first real visitor is served
from them. Where everyone signs in, a first visitor sees the sign-in page: only the modules and that page are warmed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENTRY = Path(__file__).resolve().parent.parent / "dashboard.py"
SERVER = ENTRY.parent / "server.py"  # what a server runs: the app, its routes and its headers
WARMED = ("app_pages/city.py", "app_pages/compare.py")  # after the overview: the pages a meeting opens next


def warm() -> None:
    """Run the overview, city and compare pages once; a problem (no database yet, locked, …) is left for the server's
    first page to show."""
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    streamlit.logger.set_log_level("error")  # AppTest outside a server warns about the missing runtime
    try:
        app = AppTest.from_file(str(ENTRY), default_timeout=120)
        app.run()
        if _signing_in():  # a first visitor sees the sign-in page, now warm; the others need someone signed in
            return
        for page in WARMED:
            app.switch_page(page).run()
    except Exception as exc:  # the server starts regardless; its first visit shows what is wrong
        print(f"Warm-up skipped: {exc}", file=sys.stderr)
    finally:
        streamlit.logger.set_log_level("info")


def _signing_in() -> bool:
    from metrics.access.accounts import accounts_configured
    from ui import data

    return accounts_configured(data.database())


def trust_only_our_proxies() -> None:
    """Have uvicorn believe X-Forwarded-For only from $PILOT_TRUSTED_PROXIES, as sign-in does: by default it believes
    any program on this machine, which could then pass for ever-new addresses and never be slowed."""
    from metrics.access.limits import trusted_proxies

    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(str(network) for network in trusted_proxies())


def main() -> None:
    """Warm the app, then hand over to `streamlit run server.py` with the options given."""
    trust_only_our_proxies()
    warm()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(SERVER), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
