"""The releases for display: name, who published it and when, the note, and whether (by whom, when, why) it was
withdrawn."""

from __future__ import annotations

import pandas as pd

from ..domain.i18n import Text
from ..domain.roles import person, shown_name
from ..store.releases import list_releases
from ..store.transactions import Cursor

IN_FORCE = Text("有效", "In force")
WITHDRAWN = Text("已撤回：{who}，{when}，{why}", "Withdrawn by {who} on {when}: {why}")


def releases_table(cur: Cursor, lang: str) -> pd.DataFrame:
    """Every release, newest first, as the Collection round page lists them."""
    rows = [
        {
            Text("名称", "Name")(lang): r.name,
            Text("发布人", "Published by")(lang): shown_name(r.published_by, lang),
            Text("发布时间", "Published")(lang): f"{r.published_at:%Y-%m-%d %H:%M}",
            Text("说明", "Note")(lang): r.note or "",
            Text("状态", "Status")(lang): (
                WITHDRAWN.format(who=person(r.withdrawn_by), when=f"{r.withdrawn_at:%Y-%m-%d}", why=r.withdrawn_reason)
                if r.withdrawn
                else IN_FORCE
            )(lang),
        }
        for r in list_releases(cur)
    ]
    return pd.DataFrame(rows)
