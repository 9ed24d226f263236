"""Backups: what one is (its manifest and signature), checking one, and restoring it; making one is
backup_creation.py's.

A backup is a folder holding `manifest.json` (versions, each table's row count and sha256, the sequences, and a
signature), `tables/<table>.parquet` (all written inside one read transaction, so they show one consistent moment)
and `uploads/` (the raw uploaded files). Both directions work on an open Database, so the app can run them through
its own connection while it serves pages.

The checksums prove a backup intact, not who made it: anyone can change a table and write its new checksum. So the
manifest is signed (HMAC-SHA256) with the backup key, which stays with the database ($PILOT_BACKUP_KEY, else
`.backup-key` beside it) and never goes into a backup; a restore refuses a backup that key did not sign unless the
caller confirms it was made elsewhere, and says first what it does to the accounts. Sign-in state (sessions, failed
sign-ins, trusted browsers) is never backed up, and a restore ends every session.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..domain.i18n import Problem, Refused, Text
from ..domain.roles import Actor, require
from . import approvals, backup_accounts, catalogue, raw_files, release_carryover, secret_keys, sessions
from .backup_accounts import AccountChanges, BadAccounts
from .database import ENGINE_ERRORS, Database
from .meta import bump_data_version, data_identity, get_meta, set_meta
from .plain_files import NotPlain, kind_of, read_plain, sha256_of_plain, size_of
from .release_carryover import Carried
from .transactions import Cursor, transaction

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES = "tables"
# What a restore reads at most: a manifest is a few kilobytes; a raw file is an upload (at most 20 MB, as ingest's
# MAX_FILE_BYTES), with room to spare. Anything larger is not what a backup holds, and is never read into memory.
MAX_MANIFEST_BYTES = 16 * 2**20
MAX_RAW_FILE_BYTES = 64 * 2**20
MAX_USERS_BYTES = 64 * 2**20  # the users table, read into memory to say what a restore does to the accounts
# Sign-in state: who is signed in, failed sign-ins, trusted browsers. A restore brings back accounts, never this: these
# tables are not written into a backup, not read from one (even one that holds them), and left as they are by a
# restore, which ends every session instead.
NOT_BACKED_UP = ("sessions", "sign_in_failures", "trusted_devices", "change_versions")
# The backup key: the same on every machine whose backups should restore on the others without a confirmation.
KEY_ENV, KEY_FILE = "PILOT_BACKUP_KEY", ".backup-key"
SIGNED, UNSIGNED, OTHER_KEY = "signed", "unsigned", "other key"  # a backup's signature, as checked against the key
# What a signature covers, before the manifest's canonical form: a backup signature of this format, nothing else.
_SIGNED_WHAT = b"pilot-dashboard backup manifest v1\n"


class BackupError(Problem):
    """A backup that cannot be written or read (a missing folder, a full disk, permissions); nothing was restored.

    A backup target or a backup to restore that is itself wrong (not empty, damaged, of another schema) is Refused.
    """


class TableFile(BaseModel, frozen=True):
    """One table in a backup: its row count and the sha256 of its Parquet file."""

    rows: int
    sha256: str


class Manifest(BaseModel, frozen=True):
    """What a backup holds (its manifest.json)."""

    format_version: int
    created_at: str
    schema_version: int
    database_id: str
    data_version: int
    tables: dict[str, TableFile]
    sequences: dict[str, int | None]  # the last value each sequence handed out, None if never used
    raw_files: list[str] = []
    signature: str = ""  # HMAC-SHA256 (hex) of the rest, by the backup key (see `signature_of`); "" before signing

    @property
    def rows(self) -> int:
        """Rows in all tables together."""
        return sum(t.rows for t in self.tables.values())


def canonical(manifest: dict) -> bytes:
    """The bytes a manifest's signature covers: its JSON object as read (or written) without "signature", keys sorted
    at every level, no spaces, ASCII only (`\\uXXXX` escapes). Fields added later are covered as they come."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def signature_of(key: bytes, manifest: dict) -> str:
    """The signature of a manifest's JSON object (hex HMAC-SHA256 over a fixed prefix and its canonical form)."""
    return hmac.new(key, _SIGNED_WHAT + canonical(manifest), hashlib.sha256).hexdigest()


def backup_key(database: Database) -> bytes:
    """The key backups of this database are signed with: $PILOT_BACKUP_KEY, else `.backup-key` in its folder (made
    the first time a backup is taken). SecretKeyError if set but unusable."""
    return secret_keys.key(database.folder, KEY_ENV, KEY_FILE)


def failure_reason(exc: Exception) -> str:
    """What went wrong, in one line: an OS error's own words, else the first line of the message."""
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]


# --- restore ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A backup checked against the database: its manifest (without the tables a restore never brings back), whether
    this database's backup key signed it (SIGNED, UNSIGNED or OTHER_KEY), and what restoring it does to the
    accounts."""

    folder: Path
    manifest: Manifest
    signature: str
    accounts: AccountChanges
    key_path: Path  # where this database's key file is, or would be (named in messages)
    releases: Carried = field(default_factory=Carried)  # after a restore: releases carried over, the backup's renamed

    @property
    def signed(self) -> bool:
        """Whether this database's backup key signed it (so it was made here, or where the key was carried to)."""
        return self.signature == SIGNED

    def signature_text(self) -> Text:
        """Where the backup is from, as far as its signature tells."""
        if self.signed:
            return Text("备份由本数据库的备份密钥签名。", "The backup is signed with this database's backup key.")
        if self.signature == UNSIGNED:
            return Text(
                "备份 {d} 没有签名：它是在备份开始签名之前或在别处制作的，其中的内容可能被人改动过"
                "（清单中的校验和只能证明文件完整，不能证明由谁制作）。",
                "The backup {d} is not signed: it was made before backups were signed, or elsewhere, and anyone may "
                "have changed it (the checksums in its manifest prove it intact, not who made it).",
            ).format(d=self.folder)
        return Text(
            "备份 {d} 不是用本数据库的备份密钥签名的：它来自别处（另一台机器或另一个数据库，其密钥本数据库没有），"
            "或在制作后被改动过。若它来自您的另一台机器，可把那里的密钥带到这里"
            "（设置相同的 {v}，或把其 {f} 文件复制为 {p}）。",
            "The backup {d} is not signed with this database's backup key: it was made elsewhere (another machine or "
            "database, whose key this one lacks), or changed after it was made. If it comes from another machine of "
            "yours, bring that key here (the same {v}, or its {f} file copied to {p}).",
        ).format(d=self.folder, v=KEY_ENV, f=KEY_FILE, p=self.key_path)


class NotSigned(Refused):
    """A backup, intact otherwise, that this database's backup key did not sign: restored only when the caller
    confirms that it was made elsewhere (foreign=True). `checked` says what it would bring in."""

    def __init__(self, checked: Checked):
        super().__init__(
            checked.signature_text().then(
                Text(
                    "未写入任何数据。若您确知它的来源，请先查看它会带来哪些账户变化，再确认它是在别处制作的。",
                    "Nothing was written. If you know where it came from, look at what it does to the accounts, and "
                    "confirm that it was made elsewhere.",
                ),
                zh="",
                en=" ",
            )
        )
        self.checked = checked


def check(database: Database, backup_dir: Path | str, *, every_file: bool = True) -> Checked:
    """Check a backup against the database (its manifest, schema version, tables, every file's sha256) and read what
    restoring it does to the accounts; Refused if it is damaged or of another kind. Its signature is reported, not
    refused on (verify does that). Without `every_file`, only the users table's file is read: quick, to show what a
    restore would do (which checks every file)."""
    folder = Path(backup_dir)
    manifest, as_read = _read_manifest(folder)
    manifest = manifest.model_copy(
        update={"tables": {n: t for n, t in manifest.tables.items() if n not in NOT_BACKED_UP}}
    )
    with database.cursor() as cur:
        schema_version = int(get_meta(cur, "schema_version") or 0)
        tables = set(catalogue.table_names(cur)) - set(NOT_BACKED_UP)
        sequences = set(catalogue.sequence_values(cur))
        accounts_here = backup_accounts.in_database(cur) if "users" in tables else []
    problems = []
    if manifest.schema_version != schema_version:
        problems.append(
            Text(
                "备份的数据库结构版本为 {b}，本数据库为 {d}",
                "it was made from schema version {b}, this database has version {d}",
            ).format(b=manifest.schema_version, d=schema_version)
        )
    problems += _catalogue_problems(manifest, tables, sequences)
    if every_file:
        problems += _file_problems(folder, manifest, tables)
    accounts = AccountChanges()
    if not problems:
        try:
            accounts = backup_accounts.compare(accounts_here, _accounts_of(folder, manifest))
        except BadAccounts as exc:
            problems.append(exc.text)
    if problems:
        raise Refused(
            Text(
                "备份 {d} 不能恢复，未写入任何数据：{p}。",
                "The backup {d} cannot be restored; nothing was written: {p}.",
            ).format(d=folder, p=Text("；".join(p.zh for p in problems), "; ".join(p.en for p in problems)))
        )
    key_path = Path(database.folder) / KEY_FILE
    return Checked(folder, manifest, _signature_check(database, as_read), accounts, key_path)


def verify(database: Database, backup_dir: Path | str, *, foreign: bool = False) -> Checked:
    """check, and refuse (NotSigned) a backup this database's key did not sign unless `foreign`: the caller confirms
    that it was made elsewhere (or before backups were signed), having been shown what it does to the accounts."""
    checked = check(database, backup_dir)
    if not checked.signed and not foreign:
        raise NotSigned(checked)
    return checked


def _signature_check(database: Database, manifest: dict) -> str:
    given = manifest.get("signature")
    if not given:
        return UNSIGNED
    key = secret_keys.existing_key(database.folder, KEY_ENV, KEY_FILE)  # none yet: this database signed nothing
    if key is None or not isinstance(given, str):
        return OTHER_KEY
    try:
        expected = signature_of(key, manifest)
    except ValueError:  # NaN or Infinity somewhere: nothing this program signs
        return OTHER_KEY
    return SIGNED if hmac.compare_digest(given.encode(), expected.encode()) else OTHER_KEY


def _accounts_of(folder: Path, manifest: Manifest) -> list[backup_accounts.Account]:
    """The accounts in a backup's users table, read once (what was checked is what is summed up)."""
    entry = manifest.tables.get("users")
    if entry is None:
        return []
    try:
        data = read_plain(folder / TABLES / "users.parquet", MAX_USERS_BYTES)
    except (OSError, NotPlain):
        data = b""
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise BadAccounts(Text("文件 users.parquet 已被改动或损坏", "files were altered or damaged: users.parquet"))
    return backup_accounts.in_parquet(data)


def _read_manifest(folder: Path) -> tuple[Manifest, dict]:
    """The manifest, and its JSON object as read (what its signature covers)."""
    if not folder.is_dir():
        raise BackupError(Text("找不到备份文件夹 {d}。", "There is no backup folder {d}.").format(d=folder))
    try:
        as_read = json.loads(read_plain(folder / MANIFEST, MAX_MANIFEST_BYTES))
        manifest = Manifest.model_validate(as_read)
    except NotPlain:
        raise Refused(
            Text(
                "{d} 不是可用的备份：其中的 {m} 不是普通文件（是链接、管道、设备或文件夹），未读取，未写入任何数据。",
                "{d} is not a usable backup: its {m} is not a plain file (it is a link, a pipe, a device or a "
                "folder); it was not read, and nothing was written.",
            ).format(d=folder, m=MANIFEST)
        ) from None
    except (OSError, ValueError, RecursionError, ValidationError):  # ValueError: not JSON, or not UTF-8
        raise Refused(
            Text(
                "{d} 不是可用的备份：{m} 缺失或无法读取，未写入任何数据。",
                "{d} is not a usable backup: its {m} is missing or unreadable; nothing was written.",
            ).format(d=folder, m=MANIFEST)
        ) from None
    if manifest.format_version != FORMAT_VERSION:
        raise Refused(
            Text(
                "备份 {d} 的格式版本 {v} 本程序无法读取，未写入任何数据。",
                "The backup {d} has format version {v}, which this program cannot read; nothing was written.",
            ).format(d=folder, v=manifest.format_version)
        )
    return manifest, as_read


def _catalogue_problems(manifest: Manifest, tables: set[str], sequences: set[str]) -> list[Text]:
    """Tables (and sequences) on one side only: a backup of some other kind of database."""
    lacking, extra = sorted(tables - set(manifest.tables)), sorted(set(manifest.tables) - tables)
    extra_sequences = sorted(set(manifest.sequences) - sequences)
    problems = []
    if lacking:
        problems.append(Text("缺少数据表 {t}", "it lacks the tables {t}").format(t=", ".join(lacking)))
    if extra or extra_sequences:
        names = ", ".join(extra + extra_sequences)
        problems.append(
            Text("含有本数据库没有的数据表 {t}", "it holds tables this database lacks: {t}").format(t=names)
        )
    return problems


def _file_problems(folder: Path, manifest: Manifest, tables: set[str]) -> list[Text]:
    """Files of the backup that are missing, not plain files (a link, which may point anywhere, a pipe that would
    never end, a device), or whose content is not what the manifest (or name) says."""
    missing, special, altered = [], [], []
    for sub in (TABLES, raw_files.FOLDER):
        if (folder / sub).is_symlink():
            special.append(f"{sub}/")
    for name, entry in manifest.tables.items():
        if name not in tables or f"{TABLES}/" in special:
            continue  # a table this database lacks is reported already, and its file is never opened
        path = folder / TABLES / f"{name}.parquet"
        kind = kind_of(path)
        if kind is None:
            missing.append(path.name)
        elif kind != "plain":
            special.append(f"{TABLES}/{path.name}")
        elif sha256_of_plain(path) != entry.sha256:
            altered.append(path.name)
    for name in manifest.raw_files:
        path = folder / raw_files.FOLDER / name
        kind = kind_of(path) if raw_files.is_raw_name(name) and f"{raw_files.FOLDER}/" not in special else None
        if kind is None:
            missing.append(f"{raw_files.FOLDER}/{name}")
        elif kind != "plain":
            special.append(f"{raw_files.FOLDER}/{name}")
        elif size_of(path) > MAX_RAW_FILE_BYTES or not raw_files.is_intact(path):
            altered.append(f"{raw_files.FOLDER}/{name}")
    problems = []
    if missing:
        problems.append(Text("缺少文件 {f}", "files are missing: {f}").format(f=", ".join(missing)))
    if special:
        problems.append(
            Text(
                "{f} 不是普通文件（是链接、管道或设备），未读取",
                "{f} are not plain files (links, pipes or devices) and were not read",
            ).format(f=", ".join(special))
        )
    if altered:
        problems.append(
            Text("文件 {f} 已被改动或损坏", "files were altered or damaged: {f}").format(f=", ".join(altered))
        )
    return problems


def restore(database: Database, backup_dir: Path | str, by: Actor, *, foreign: bool = False,
            expected_accounts: AccountChanges | None = None,
            before_writing: Callable[[], object] | None = None) -> Checked:  # fmt: skip
    """Replace every table's rows with the backup's in one transaction (after verify); a failure changes nothing.

    Only an admin may: it replaces the accounts too, and ends every session. `foreign` restores a backup this
    database's key did not sign (see verify); `expected_accounts`, what the person restoring was shown it does to the
    accounts: if that is no longer so (the accounts here, or the backup, changed since), nothing is written.
    Releases here that the backup lacks stay, with their rows, and withdrawals made since stay (a release is never
    deleted: store/release_carryover.py; the result's `releases` says what was carried over).
    `before_writing` runs once every check has passed, holding the write lock (a backup of the data as it was).
    """
    require(by, "admin")
    folder = Path(backup_dir)
    with database.write_lock:  # no upload is checked against data that is about to be replaced
        checked = verify(database, folder, foreign=foreign)
        if expected_accounts is not None and checked.accounts != expected_accounts:
            raise Refused(
                Text(
                    "自您查看以来，账户（本数据库中的或备份中的）已有变化：{a} 未写入任何数据，请再看一遍后重试。",
                    "The accounts (here or in the backup) changed since you looked: {a} Nothing was written; look "
                    "again and retry.",
                ).format(a=checked.accounts.text())
            )
        if before_writing is not None:
            before_writing()
        raw_folder = raw_files.folder_of(database.folder)
        _copy_back_raw_files(folder / raw_files.FOLDER, raw_folder, checked.manifest.raw_files)
        try:
            with database.cursor() as cur, transaction(cur):
                before = backup_accounts.in_database(cur)
                sessions.end_all(cur, "restore")  # before the accounts they belong to are replaced
                approved = approvals.approved_figures(cur)
                held = release_carryover.hold(cur)  # a release is never deleted: those the backup lacks stay
                _replace_tables(cur, folder, checked.manifest)
                carried = release_carryover.carry_over(cur, held)
                approvals.refuse_unlocking(cur, approved)
                if backup_accounts.compare(before, backup_accounts.in_database(cur)) != checked.accounts:
                    raise Refused(  # the users table was swapped after it was checked: not what was shown
                        Text(
                            "备份中的账户表在检查之后被改动，未写入任何数据。",
                            "The backup's users table changed after it was checked; nothing was written.",
                        )
                    )
        except ENGINE_ERRORS as exc:
            raise Refused(
                Text(
                    "数据库拒绝了恢复，原有数据未变：{e}",
                    "The database refused the restore; its data is unchanged: {e}",
                ).format(e=failure_reason(exc))
            ) from None
    return replace(checked, releases=carried)


def _copy_back_raw_files(source: Path, destination: Path, names: list[str]) -> None:
    """Put back raw files that are missing (or torn); before the commit, as an upload keeps its file first."""
    try:
        for name in names:
            raw_files.keep(destination, name, (source / name).read_bytes())
    except OSError as exc:
        raise BackupError(
            Text(
                "无法复制上传的原始文件：{e}，未写入任何数据。",
                "Cannot copy the raw upload files back: {e}; nothing was written.",
            ).format(e=failure_reason(exc))
        ) from None


def _replace_tables(cur: Cursor, folder: Path, manifest: Manifest) -> None:
    database_id, version_before = data_identity(cur)
    for name, entry in manifest.tables.items():
        if name in NOT_BACKED_UP:  # never brought back, even from a backup that holds it (check leaves them out)
            continue
        rows = catalogue.replace_from_parquet(cur, name, str(folder / TABLES / f"{name}.parquet"))
        if rows != entry.rows:
            raise Refused(
                Text(
                    "备份中 {t} 表应有 {n} 行，实际读到 {r} 行，未写入任何数据。",
                    "The backup's table {t} should hold {n} rows but {r} were read; nothing was written.",
                ).format(t=name, n=entry.rows, r=rows)
            )
    # The restored meta rows carry the backup's data version. Caches key on (database id, data version), so the
    # restored data gets a version above both the backup's and the one just replaced: none has seen it before.
    set_meta(cur, "database_id", database_id)
    set_meta(cur, "data_version", str(max(version_before, manifest.data_version)))
    bump_data_version(cur)
    for name, value in manifest.sequences.items():
        if value is not None:
            catalogue.raise_sequence(cur, name, value)
