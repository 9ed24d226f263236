"""AppTest made to run as a server runs the app, for the tests and the benchmark."""

from __future__ import annotations

import functools


def scan_components_once() -> None:
    """Scan the installed packages for Streamlit components once per process, as a server does when it starts.

    AppTest scans every installed package's metadata again for each app it runs, which was most of the time of a
    run whose results are cached. The packages do not change while the process runs, so one scan serves them all.
    """
    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    if not isinstance(scan, functools._lru_cache_wrapper):  # already done in this process
        manifest_scanner.scan_component_manifests = functools.cache(scan)  # type: ignore[assignment]
