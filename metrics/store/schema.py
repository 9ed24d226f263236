"""The schema: the DDL of an empty database at the current version, and the migrations that bring older ones up to it.

Each upload kind's tables are here (the yearly tables come from the indicator registry); a new kind adds its tables
as a migration.
"""

from __future__ import annotations

import uuid

from ..domain import registry
from ..domain.programme import KINDS, REGIONS
from ..domain.roles import ROLES
from .meta import get_meta, set_meta
from .transactions import Cursor, transaction

SCHEMA_VERSION = 15
# The kinds of upload the uploads table accepts (ingest/kinds/ holds each one's code). A new kind's migration
# rebuilds the table with its name added (see _rebuilt_uploads), beside creating its own tables.
UPLOAD_KINDS = ("sample", "cities", "figures", "events", "targets")


def _value_table_ddl(table: str) -> str:
    columns = "".join(f"    {i.column} {i.sql_type} CHECK ({i.column} >= 0),\n" for i in registry.columns_of(table))
    return f"""
CREATE TABLE {table} (
    city_code TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year >= 2000),
{columns}    upload_id INTEGER NOT NULL,
    PRIMARY KEY (city_code, year)
);"""


def _kinds_check(kinds: tuple[str, ...]) -> str:
    return f" CHECK (kind IN ({', '.join(repr(k) for k in kinds)}))"


def _uploads_ddl(name: str, kinds_check: str) -> str:
    return f"""
CREATE TABLE {name} (
    upload_id INTEGER PRIMARY KEY DEFAULT nextval('upload_id_seq'),
    file_name TEXT NOT NULL,
    sha256 TEXT,
    kind TEXT NOT NULL{kinds_check},
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by TEXT,
    rows_inserted INTEGER NOT NULL DEFAULT 0,
    rows_updated INTEGER NOT NULL DEFAULT 0,
    rows_unchanged INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'committed' CHECK (status IN ('committed', 'undone')),
    undone_at TIMESTAMP,
    undone_by TEXT
);"""


# Programme events drawn on time charts. An events upload replaces the whole list; the list it replaced is kept
# in event_snapshots under that upload's id, so undo puts it back exactly.
_EVENTS_DDL = """
CREATE TABLE events (
    event_date DATE NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    upload_id INTEGER,
    PRIMARY KEY (event_date, title_zh)
);
CREATE TABLE event_snapshots (
    upload_id INTEGER NOT NULL,
    event_date DATE NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    old_upload_id INTEGER
);"""

# Accounts for sign-in. No row at all means local single-user mode. A password-less row is an identity that signs
# in through the configured identity provider (st.login), matched on its e-mail address.
_USERS_DDL = f"""
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ({", ".join(f"'{r}'" for r in ROLES)})),
    password_hash TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by TEXT,
    changed_at TIMESTAMP,
    changed_by TEXT
);"""
_NAME_KEY_DDL = "\nALTER TABLE users ADD COLUMN name_key TEXT;"  # the name as compared (domain/account_names.py)
_NAME_KEY_INDEX = "CREATE UNIQUE INDEX users_name_key ON users (name_key)"  # one account to a key (none: exact name)

# Sign-in's own state (access/): the sessions signed-in browsers hold (found by their cookie token's hash; the token
# is never stored), failed sign-ins by name and client, and the browsers that signed in as a name before. None of it
# is backed up: a restore brings back accounts, not who was signed in.
_SIGN_IN_DDL = """
CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY,
    token_hash TEXT,
    grant_hash TEXT,
    grant_expires TIMESTAMP,
    account TEXT NOT NULL,
    via TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    last_seen TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at TIMESTAMP NOT NULL,
    address TEXT,
    user_agent TEXT,
    ended_at TIMESTAMP,
    ended_why TEXT
);
CREATE TABLE sign_in_failures (
    name_key TEXT NOT NULL,
    client TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE TABLE trusted_devices (
    token_hash TEXT PRIMARY KEY,
    name_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used TIMESTAMP NOT NULL
);"""


# The yearly collection rounds (the year's forms sent out, which indicators, by when), and every file checked for
# one: refused (its problems) or loaded (the upload it became, its warnings). The tracker reads these and the
# yearly tables' upload ids, never a copy of the figures.
# When an admin marked a year's round closed, and who (NULL while it is open): from then on the year is no longer
# "being collected" (analysis/collection.py). Reopening sets them back to NULL.
_ROUND_CLOSED_DDL = """
ALTER TABLE rounds ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE rounds ADD COLUMN closed_by TEXT;"""
_ROUNDS_DDL = """
CREATE TABLE rounds (
    year INTEGER PRIMARY KEY CHECK (year >= 2000),
    indicators TEXT,
    due_date DATE,
    opened_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    opened_by TEXT,
    changed_at TIMESTAMP,
    changed_by TEXT
);
CREATE SEQUENCE attempt_id_seq START 1;
CREATE TABLE attempts (
    attempt_id INTEGER PRIMARY KEY DEFAULT nextval('attempt_id_seq'),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    city_code TEXT,
    year INTEGER,
    checked_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    checked_by TEXT,
    upload_id INTEGER,
    problems TEXT NOT NULL
);"""


# The pilots' yearly targets, a row per pilot, year and indicator (a registry key of a base indicator), written by
# a targets upload (its changed cells kept in cell_history as table 'targets', column the indicator); and the
# composite index's named methods, each a JSON definition (domain/index_method.py; the default is never stored).
_ASSESSMENT_DDL = """
CREATE TABLE targets (
    city_code TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year >= 2000),
    indicator TEXT NOT NULL,
    target DECIMAL(18,2) NOT NULL CHECK (target >= 0),
    upload_id INTEGER NOT NULL,
    PRIMARY KEY (city_code, year, indicator)
);
CREATE TABLE index_methods (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    saved_by TEXT,
    saved_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);"""

# What admins changed of the validation rules (domain/rules.py ships them): a row with a shipped rule's id keeps what
# differs from it (NULL: as shipped) and whether it is on; a rule an admin added has a row with every side given.
_RULES_DDL = """
CREATE TABLE rule_overrides (
    rule_id TEXT PRIMARY KEY,
    left_side TEXT,
    operator TEXT,
    right_side TEXT,
    importance TEXT CHECK (importance IN ('high', 'medium', 'low')),
    missing TEXT CHECK (missing IN ('skip', 'violation')),
    description_zh TEXT,
    description_en TEXT,
    enabled BOOLEAN NOT NULL DEFAULT true,
    changed_by TEXT,
    changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);"""

# The review queue's decisions (analysis/review.py): a flag (a value standing out from the pilot's own years or the
# other pilots, or a rule broken) confirmed with a comment or sent back to the pilot with a reason, by whom and when,
# and the values it was decided on: `value`, the flagged one, and `basis`, every value the flag was computed from (a
# rule's sides: a change to any of them opens the flag again). A pilot's year sent back without a flag is a row of
# reason 'pilot' (indicator ''), its basis all of that year's figures. Open flags are computed, never stored.
_FLAGS_TABLE = """
CREATE TABLE {name} (
    city_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('own_history', 'peers', 'rule', 'pilot')),
    rule_id TEXT,
    value DOUBLE PRECISION,
    z DOUBLE PRECISION,
    status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'returned')),
    comment TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP,
    basis TEXT
);"""
_FLAGS_DDL = _FLAGS_TABLE.format(name="flags")
_FLAGS_V10_COLUMNS = "city_code, year, indicator, reason, rule_id, value, z, status, comment, decided_by, decided_at"
# Version 12: a pilot's year sent back without a flag, and the basis of each decision (a CHECK changes only with its
# table, so the table is rebuilt).
_FLAGS_V12 = (
    _FLAGS_TABLE.format(name="flags_v12"),
    f"INSERT INTO flags_v12 ({_FLAGS_V10_COLUMNS}) SELECT {_FLAGS_V10_COLUMNS} FROM flags",
    "DROP TABLE flags",
    "ALTER TABLE flags_v12 RENAME TO flags",
)

# Approval per pilot and year: the current state (approved by an editor, or marked "did not report" by an admin; no
# row: neither) and every step taken (approve, unapprove with its reason, skip), oldest first. Approved figures are
# locked (store/approvals.py).
_APPROVALS_DDL = """
CREATE TABLE approvals (
    city_code TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year >= 2000),
    state TEXT NOT NULL CHECK (state IN ('approved', 'not_reported')),
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (city_code, year)
);
CREATE SEQUENCE approval_event_id_seq START 1;
CREATE TABLE approval_events (
    event_id INTEGER PRIMARY KEY DEFAULT nextval('approval_event_id_seq'),
    city_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('approve', 'unapprove', 'skip')),
    done_by TEXT NOT NULL,
    done_at TIMESTAMP NOT NULL,
    reason TEXT,
    undoes INTEGER,
    figures TEXT,
    open_flags INTEGER
);"""
# Version 12: a step that undoes an earlier one (its event_id), the pilot-year's figures at each step (an undone
# un-approval approves again only on the same figures), and how many flags were open when a pilot was approved
# despite them.
_APPROVAL_EVENTS_V12 = (
    "ALTER TABLE approval_events ADD COLUMN IF NOT EXISTS undoes INTEGER",
    "ALTER TABLE approval_events ADD COLUMN IF NOT EXISTS figures TEXT",
    "ALTER TABLE approval_events ADD COLUMN IF NOT EXISTS open_flags INTEGER",
)


# Releases: named, frozen publications (store/releases.py). A release's rows of each table it freezes are kept in
# release_<table>, that table's columns after a release_id; made from the table itself (WHERE false: no rows), so
# the copy has its columns by construction; a later migration that changes a frozen table's columns changes its
# release_ table's alike (releases.frozen reads the live table's columns from it). (IF NOT EXISTS: the tests of
# older migrations migrate a database that already has these.)
FROZEN_TABLES: tuple[str, ...] = (
    *registry.VALUE_TABLES, "cities", "events", "targets", "index_methods", "rounds", "approvals", "flags",
    "rule_overrides",
)  # fmt: skip
_RELEASES_DDL = """
CREATE SEQUENCE IF NOT EXISTS release_id_seq START 1;
CREATE TABLE IF NOT EXISTS releases (
    release_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    note TEXT,
    published_by TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    data_version INTEGER NOT NULL,
    sample BOOLEAN NOT NULL DEFAULT false,
    withdrawn_by TEXT,
    withdrawn_at TIMESTAMP,
    withdrawn_reason TEXT
);""" + "".join(
    f"""
CREATE TABLE IF NOT EXISTS release_{t} AS SELECT CAST(NULL AS INTEGER) AS release_id, * FROM {t} WHERE false;
CREATE INDEX IF NOT EXISTS release_{t}_id ON release_{t} (release_id);"""
    for t in FROZEN_TABLES
)


# Saved decks (store/saved_decks.py): a deck's charts as its link writes them (present/deck_link.py), pinned to a
# release or, with `latest`, to the newest release in force (release_id NULL), who saved it and when.
_SAVED_DECKS_DDL = """
CREATE TABLE saved_decks (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    release_id INTEGER,
    latest BOOLEAN NOT NULL DEFAULT false,
    saved_by TEXT NOT NULL,
    saved_at TIMESTAMP NOT NULL,
    CHECK (latest = (release_id IS NULL))
);"""


# The versions of what results read (store/versions.py): a row per table and year changed, per table without
# years, and the counter. Never backed up: a restore sets a new version on everything instead. (IF NOT EXISTS: the
# tests of older migrations migrate a database that already has it.)
_CHANGE_VERSIONS_DDL = """
CREATE TABLE IF NOT EXISTS change_versions (name TEXT PRIMARY KEY, version BIGINT NOT NULL);"""


def schema_ddl() -> str:
    """The DDL that creates an empty database of the current schema version."""
    regions = ", ".join(f"'{r}'" for r in REGIONS)
    kinds = ", ".join(f"'{k}'" for k in KINDS)
    # Referential integrity (city codes in value tables) is checked by validation, not by FOREIGN KEY:
    # DuckDB refuses UPDATEs of a referenced row, which would block corrections to the cities table.
    values = "".join(_value_table_ddl(t) for t in registry.VALUE_TABLES)
    return f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE SEQUENCE upload_id_seq START 1;{_uploads_ddl("uploads", _kinds_check(UPLOAD_KINDS))}
CREATE TABLE cell_history (
    upload_id INTEGER NOT NULL,
    table_name TEXT NOT NULL,
    city_code TEXT NOT NULL,
    year INTEGER,
    column_name TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    old_upload_id INTEGER,
    row_created BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE cities (
    city_code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    province_zh TEXT NOT NULL,
    province_en TEXT NOT NULL,
    region TEXT NOT NULL CHECK (region IN ({regions})),
    kind TEXT NOT NULL CHECK (kind IN ({kinds})),
    batch INTEGER NOT NULL CHECK (batch >= 1),
    designated_year INTEGER NOT NULL CHECK (designated_year >= 2000),
    lat DOUBLE PRECISION CHECK (lat BETWEEN -90 AND 90),
    lon DOUBLE PRECISION CHECK (lon BETWEEN -180 AND 180),
    upload_id INTEGER
);{_EVENTS_DDL}{_USERS_DDL}{_NAME_KEY_DDL}
{_NAME_KEY_INDEX};{_ROUNDS_DDL}{_ROUND_CLOSED_DDL}{_ASSESSMENT_DDL}{_SIGN_IN_DDL}{_RULES_DDL}{_FLAGS_DDL}{_APPROVALS_DDL}{values}{_RELEASES_DDL}{_SAVED_DECKS_DDL}{_CHANGE_VERSIONS_DDL}"""


def create_schema(cur: Cursor) -> None:
    """Create every table in an empty database and record the schema version (inside the caller's transaction)."""
    cur.execute(schema_ddl())
    set_meta(cur, "schema_version", str(SCHEMA_VERSION))
    set_meta(cur, "database_id", str(uuid.uuid4()))
    set_meta(cur, "data_version", "0")


# The uploads table's columns at version 3 (version 4 added undone_by: a rebuild from then on copies it too).
_UPLOAD_COLUMNS = ("upload_id, file_name, sha256, kind, created_at, created_by, rows_inserted, rows_updated, "
                   "rows_unchanged, status, undone_at")  # fmt: skip
_UPLOAD_COLUMNS_V4 = f"{_UPLOAD_COLUMNS}, undone_by"


def _rebuilt_uploads(name: str, kinds_check: str, columns: str = _UPLOAD_COLUMNS) -> tuple[str, ...]:
    """Statements that rebuild the uploads table as `name` with another CHECK on its kinds (a CHECK can only change
    with its table), copying `columns`."""
    return (
        _uploads_ddl(name, kinds_check),
        f"INSERT INTO {name} ({columns}) SELECT {columns} FROM uploads",
        "DROP TABLE uploads",
        f"ALTER TABLE {name} RENAME TO uploads",
    )


def _fill_name_keys(cur: Cursor) -> None:
    """Every account's name as compared (NFKC, case folded): looked up by it from now on. Names that compared apart
    before but equal now (straße and STRASSE, li and ＬＩ) get no key: each signs in by its exact name until all but
    one are removed (store/accounts.py), so neither can ever be taken for the other."""
    from ..store.accounts import settle_name_keys  # the one place that gives keys to names without one

    settle_name_keys(cur)


# Each entry brings a database of the version before it up to that version (a statement, or a function of a cursor
# for what SQL alone cannot say).
MIGRATIONS: dict[int, tuple] = {
    2: (
        "ALTER TABLE uploads ADD COLUMN undone_at TIMESTAMP",
        "ALTER TABLE cell_history ADD COLUMN row_created BOOLEAN DEFAULT false",
    ),
    3: (  # the events tables, and 'events' among the upload kinds (a CHECK can only change with its table)
        *_rebuilt_uploads("uploads_v3", _kinds_check(("sample", "cities", "figures", "events"))),
        _EVENTS_DDL,
    ),
    4: ("ALTER TABLE uploads ADD COLUMN IF NOT EXISTS undone_by TEXT", _USERS_DDL),  # v3 tables made here have it
    5: (  # the collection rounds; the accounts version becomes the records version (accounts, rounds, attempts)
        _ROUNDS_DDL,
        "INSERT INTO meta SELECT 'records_version', value FROM meta WHERE key = 'accounts_version'",
        "DELETE FROM meta WHERE key = 'accounts_version'",
    ),
    6: (  # the targets and the index methods, and 'targets' among the upload kinds
        *_rebuilt_uploads("uploads_v6", _kinds_check(UPLOAD_KINDS), _UPLOAD_COLUMNS_V4),
        _ASSESSMENT_DDL,
    ),
    7: (_NAME_KEY_DDL, _NAME_KEY_INDEX, _fill_name_keys, _SIGN_IN_DDL),  # names compared one way; sign-in's state
    8: (_ROUND_CLOSED_DDL,),  # a round marked closed by an admin, who and when
    9: (_RULES_DDL,),  # what admins changed of the validation rules
    10: (_FLAGS_DDL,),  # the review queue's decisions on flagged values
    11: (_APPROVALS_DDL,),  # approval per pilot and year, and its history
    12: (*_FLAGS_V12, *_APPROVAL_EVENTS_V12),  # a pilot's year sent back; decisions' bases; steps undone
    13: (_RELEASES_DDL,),  # releases: named, frozen publications
    14: (_SAVED_DECKS_DDL,),  # saved decks, each pinned to a release or to the latest
    15: (_CHANGE_VERSIONS_DDL,),  # the versions of what results read, per table and year
}


def migrate(cur: Cursor) -> None:
    """Bring an older database up to the current schema version, one version at a time."""
    version = int(get_meta(cur, "schema_version") or 0)
    while version < SCHEMA_VERSION:
        version += 1
        with transaction(cur):
            for statement in MIGRATIONS[version]:
                statement(cur) if callable(statement) else cur.execute(statement)
            set_meta(cur, "schema_version", str(version))
