"""The command line: exit codes, JSON output, and plain messages instead of tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import lock_holder

from metrics.cli import build_parser, main, reference
from metrics.cli.common import common_options
from metrics.domain import registry
from metrics.store.cities import list_cities
from metrics.store.database import open_database

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m metrics` in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,  # a hang fails; a busy machine does not
        env={**os.environ, **(env or {})},
    )


@pytest.fixture()
def db_path(tmp_path) -> str:
    return str(tmp_path / "cli.duckdb")


# (arguments after --db, expected exit status) run in order against one fresh database path.
SEQUENCE = [
    (["series", "agreements"], 2),  # no database yet
    (["init", "--empty"], 0),
    (["init"], 1),  # refuses to overwrite
    (["init", "--force"], 0),
    (["series", "agreements"], 0),
    (["series", "agreements", "--city", "330100", "--json"], 0),
    (["series", "no_such_indicator"], 2),
    (["series", "agreements", "--city", "999999"], 2),
    (["series", "agreements", "--from", "2020", "--to", "2015"], 2),
    (["series", "agreements", "--from", "0"], 2),
    (["series", "agreements", "--to", "99999999"], 2),
    (["series", "agreements", "--from", "2015", "--to", "2016"], 0),
    (["series"], 2),
    (["indicators"], 0),
]


def test_exit_codes_in_sequence(db_path):
    for args, expected in SEQUENCE:
        assert main([args[0], "--db", db_path, *args[1:]]) == expected, args


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["bogus"], 2),
        ([], 2),
        (["series", "agreements", "--from", "abc"], 2),
        (["init", "--scale", "0"], 2),
        (["init", "--scale", "101"], 2),
        (["init", "--empty", "--scale", "10"], 2),
    ],
)
def test_usage_errors_exit_2(args, expected):
    assert main(args) == expected


def test_init_scale_builds_n_times_the_sample(db_path, capsys):
    assert main(["init", "--db", db_path, "--scale", "2", "--lang", "en"]) == 0
    assert "130 pilot units" in capsys.readouterr().out
    with open_database(db_path).cursor() as cur:
        assert len(list_cities(cur)) == 130


def test_series_json_reproduces_published_agreements(sample_path):
    done = run_cli("series", "agreements", "--json", "--db", str(sample_path))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["indicator"] == "agreements" and result["scope"] == "programme" and result["sample_data"]
    assert sum(p["value"] for p in result["series"] if 2014 <= p["year"] <= 2016) == 1984
    assert all(isinstance(p["value"], int) for p in result["series"] if p["value"] is not None)


def test_series_for_cities_gives_one_series_each(db_path, capsys):
    main(["init", "--db", db_path])
    capsys.readouterr()
    assert main(["series", "activities", "--city", "330100", "--city", "P0001", "--json", "--db", db_path]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {p["city_code"] for p in result["series"]} == {"330100", "P0001"}
    # P0001 was designated in 2019: earlier years are gaps, never zeros.
    assert all(p["value"] is None for p in result["series"] if p["city_code"] == "P0001" and p["year"] < 2019)


def test_indicators_json_is_the_registry(capsys):
    assert main(["indicators", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [i["key"] for i in listed] == [i.key for i in registry.INDICATORS]


@pytest.mark.parametrize(("lang", "needle"), [("zh", "未知指标"), ("en", "Unknown indicator")])
def test_messages_follow_the_language(db_path, capsys, lang, needle):
    main(["init", "--empty", "--db", db_path])
    assert main(["series", "agreemnts", "--db", db_path, "--lang", lang]) == 2
    err = capsys.readouterr().err
    assert needle in err and "agreements" in err  # suggests the closest key


def test_locked_database_exits_2_naming_the_other_process(db_path, tmp_path, capsys, monkeypatch):
    assert main(["init", "--empty", "--db", db_path]) == 0
    open_database(db_path).close()  # as the command's own process would on exit
    good = str(Path(__file__).parent / "data" / "good-utf8.csv")
    commands = [
        ("series", "agreements"),
        ("import", good),
        ("history",),
        ("undo", "2"),
        ("export", "cities", "--out", str(tmp_path / "c.csv")),
        ("deck", "--out", str(tmp_path / "d.pptx")),
        ("user", "list"),
        ("backup", "--out", str(tmp_path / "backup")),
        ("restore", str(tmp_path), "--yes"),
    ]
    capsys.readouterr()
    with lock_holder(db_path) as holder:
        for lang, words in (("en", "in use by process"), ("zh", "正被进程")):
            # The first in a process of its own, as a user runs it; the rest in this one (the same code, quicker).
            done = run_cli(*commands[0], "--db", db_path, env={"PILOT_LANG": lang})
            assert done.returncode == 2 and words in done.stderr and str(holder.pid) in done.stderr
            assert "Traceback" not in done.stderr
            monkeypatch.setenv("PILOT_LANG", lang)
            for command in commands[1:] if lang == "en" else []:
                assert main([*command, "--db", db_path]) == 2, command
                err = capsys.readouterr().err
                assert words in err and str(holder.pid) in err and "Traceback" not in err, command


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["series", "agreements", "--from", "-5000000"], "Invalid years"),
        (["init", "--db", "/proc/no/such/place.duckdb"], "Cannot create the database"),
    ],
)
def test_user_mistakes_give_a_message_not_a_traceback(db_path, args, message):
    assert main(["init", "--empty", "--db", db_path]) == 0
    open_database(db_path).close()  # as the command's own process would on exit
    done = run_cli(*args, env={"PILOT_LANG": "en", "PILOT_DB": db_path})
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_a_foreign_duckdb_file_is_neither_read_nor_overwritten(tmp_path):
    import duckdb

    path = str(tmp_path / "foreign.duckdb")
    duckdb.connect(path).execute("CREATE TABLE t (a INTEGER)").close()
    done = run_cli("series", "agreements", "--db", path, env={"PILOT_LANG": "en"})
    assert done.returncode == 2 and "not a pilot-city database" in done.stderr and "Traceback" not in done.stderr
    assert main(["init", "--db", path]) == 1
    assert duckdb.connect(path).execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_not_a_database_exits_2(tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    done = run_cli("series", "agreements", "--db", str(junk))
    assert done.returncode == 2 and "Traceback" not in done.stderr and str(junk) in done.stderr


# A stand-in for the running app: holds the DuckDB file, keeps its published copy as the app does, and commits an
# upload when asked (then waits until the copy shows it).
APP_LIKE = """
import sys, threading, time
from metrics.domain.roles import cli_actor
from metrics.ingest import uploads
from metrics.store import published, published_file
from metrics.store.database import open_database

database = open_database(sys.argv[1])
copy = published_file.path_of(database.path)
threading.Thread(target=published.keep_published, args=(database, threading.Event(), 0.05), daemon=True).start()
while not copy.exists():
    time.sleep(0.02)
print("ready", flush=True)
for line in sys.stdin:
    before = copy.stat().st_mtime_ns
    uploads.load(database, b"city,year,agreements\\n330100,2016,4321\\n", "app.csv", cli_actor("app"))
    while copy.stat().st_mtime_ns == before:
        time.sleep(0.02)
    print("published", flush=True)
"""

# Commands that only read, and what their output must hold.
READING = [
    (("series", "agreements", "--json"), '"agreements"'),
    (("history", "--json"), '"built-in sample"'),
    (("export", "cities", "--out", "{tmp}/cities.csv"), ""),
    (("deck", "--out", "{tmp}/deck.pptx"), ""),
    (("backup", "--out", "{tmp}/backup"), ""),
    (("user", "list", "--json"), "[]"),
    (("release", "list", "--json"), '"published_by": "init"'),
    (("series", "agreements", "--release", "2025年度数据（样例）", "--json"), '"name": "2025年度数据（样例）"'),
]


def test_reading_commands_work_while_the_app_holds_the_file(sample_path, tmp_path, capsys):
    app = subprocess.Popen(
        [sys.executable, "-c", APP_LIKE, str(sample_path)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert app.stdout and app.stdin and app.stdout.readline().strip() == "ready"
        done = run_cli("history", "--json", "--db", str(sample_path), env={"PILOT_LANG": "en"})  # as a user runs it
        assert done.returncode == 0 and "the copy it published at" in done.stderr, done.stderr
        for command, expected in READING:  # the rest in this process: the same code, quicker
            assert main([*(a.format(tmp=tmp_path) for a in command), "--db", str(sample_path), "--lang", "en"]) == 0
            out = capsys.readouterr()
            assert expected in out.out and "published at" in out.err and "Traceback" not in out.err, command
        assert (tmp_path / "cities.csv").exists() and (tmp_path / "deck.pptx").exists()
        assert (tmp_path / "backup" / "manifest.json").exists()
        # Writing commands: today's message naming the app.
        assert main(["import", str(Path(__file__).parent / "data" / "good-utf8.csv"), "--db", str(sample_path)]) == 2
        assert "in use by process" in capsys.readouterr().err
        # A commit in the app shows in the next read.
        app.stdin.write("upload\n")
        app.stdin.flush()
        assert app.stdout.readline().strip() == "published"
        assert main(["history", "--json", "--db", str(sample_path)]) == 0
        assert '"app.csv"' in capsys.readouterr().out
    finally:
        app.kill()
        app.wait()


# Every command that runs, with its usage as the README's table of commands gives it (`python -m metrics commands`
# prints them): a command added to the parser fails here until it has a case, and with it a row.
COMMANDS = [
    ("init", "init [--empty] [--force] [--if-missing] [--scale N]"),
    ("indicators", "indicators [--json] [--markdown]"),
    ("series", "series INDICATOR [--city CODE …] [--from YEAR] [--to YEAR] [--release NAME] [--json]"),
    (
        "export",
        "export TABLE_OR_INDICATOR --out PATH [--format csv|xlsx] [--indicator] [--city CODE …] [--from YEAR] "
        "[--to YEAR] [--release NAME]",
    ),
    ("deck", "deck --out FILE.pptx [--city CODE …] [--from YEAR] [--to YEAR] [--release NAME] [--saved NAME]"),
    ("decks", "decks [--json]"),
    ("import", "import FILE … [--sheet NAME] [--dry-run] [--json] [--by NAME]"),
    ("history", "history [--json]"),
    ("undo", "undo UPLOAD_ID [--json] [--by NAME]"),
    (
        "round forms",
        "round forms YEAR --out DIR [--indicator KEY …] [--due YYYY-MM-DD] [--city CODE …] [--filled] [--by NAME]",
    ),
    ("round status", "round status YEAR [--json]"),
    ("round close", "round close YEAR [--by NAME]"),
    ("round reopen", "round reopen YEAR [--by NAME]"),
    ("round review", "round review YEAR [--json]"),
    ("round confirm", "round confirm YEAR --city CODE --indicator KEY --comment TEXT [--by NAME]"),
    ("round return", "round return YEAR --city CODE --reason TEXT [--by NAME]"),
    ("round approve", "round approve YEAR [--city CODE …] [--all-clear] [--despite-flags] [--by NAME]"),
    ("round unapprove", "round unapprove YEAR --city CODE … --reason TEXT [--by NAME]"),
    ("round skip", "round skip YEAR --city CODE … [--by NAME]"),
    ("round undo-approval", "round undo-approval YEAR --event ID [--reason TEXT] [--by NAME]"),
    ("rules list", "rules list [--json]"),
    ("rules check", "rules check [--year YEAR] [--release NAME] [--json]"),
    (
        "rules add",
        "rules add ID --left EXPR --op OP --right EXPR [--importance high|medium|low] [--missing skip|violation] "
        "[--zh TEXT] [--en TEXT] [--by NAME]",
    ),
    (
        "rules edit",
        "rules edit ID [--left EXPR] [--op OP] [--right EXPR] [--importance high|medium|low] "
        "[--missing skip|violation] [--zh TEXT] [--en TEXT] [--by NAME]",
    ),
    ("rules disable", "rules disable ID [--by NAME]"),
    ("rules enable", "rules enable ID [--by NAME]"),
    ("index", "index YEAR [--method NAME] [--release NAME] [--json]"),
    ("targets", "targets YEAR [--release NAME] [--json]"),
    ("release publish", "release publish NAME [--note TEXT] [--by NAME]"),
    ("release list", "release list [--json]"),
    ("release withdraw", "release withdraw NAME --reason TEXT [--by NAME]"),
    ("changes", "changes --from A [--to B] [--json]"),
    ("user add", "user add NAME --role viewer|editor|admin [--oidc] [--password-stdin]"),
    ("user list", "user list [--json]"),
    ("user role", "user role NAME ROLE"),
    ("user password", "user password NAME [--password-stdin]"),
    ("user remove", "user remove NAME"),
    ("backup", "backup --out DIR"),
    ("restore", "restore DIR [--yes] [--foreign]"),
    ("commands", "commands [--markdown]"),
]


def parsed_commands() -> dict:
    """Every command that runs, by name, as the parser knows it."""
    return {c.name: c for c in reference.leaf_commands(reference.subcommands(build_parser()))}


def readme_commands() -> str:
    """The README's table of commands, between its markers."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("<!-- commands:start -->")[1].split("<!-- commands:end -->")[0].strip()


def test_readme_command_table_is_the_parser(capsys):
    assert main(["commands", "--markdown"]) == 0
    assert readme_commands() == capsys.readouterr().out.strip()


def test_every_command_the_parser_knows_is_a_case():
    assert list(parsed_commands()) == [name for name, _ in COMMANDS]


@pytest.mark.parametrize(("name", "usage"), COMMANDS)
def test_every_command_has_its_row(name, usage):
    command = parsed_commands()[name]
    assert command.usage == usage
    assert command.does, f"{name} says nothing of what it does (its parser's description)"
    row = reference.markdown([command]).splitlines()[-1]
    assert row in readme_commands().splitlines()
    common = {o for a in common_options()._actions for o in a.option_strings}
    assert common <= set(command.parser._option_string_actions), "the paragraph above the table says every command"


def test_help_says_what_the_readme_says(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for command in parsed_commands().values():
        assert main([*command.path, "--help"]) == 0
        out = capsys.readouterr().out
        assert "".join(command.does.split()) in "".join(out.split()), command.name  # argparse wraps it
        assert max(len(line) for line in out.splitlines()) <= 80, command.name
    assert main(["--help"]) == 0
    assert "python -m metrics commands" in " ".join(capsys.readouterr().out.split())


def test_commands_lists_every_command(capsys):
    assert main(["commands"]) == 0
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line and not line.startswith(" ")] == [u for _, u in COMMANDS]
