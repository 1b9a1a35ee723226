"""`anxin risk ...`: replay, rule checks, backtests, lists, the decision log, the simulator.

`risk_app` is mounted by `anxin.cli` as `anxin risk`. Output meant for scripts goes to
stdout or the files named; progress and summaries go to stderr.

Exit codes: 0 done; 1 done but something needs attention (skipped bad lines, a refused rule
file, a broken log chain); 2 could not run (bad input line without --skip-bad, unreadable
files, unreachable database).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from anxin.core.errors import InvalidInput

risk_app = typer.Typer(
    help="Real-time risk: replay events, check and backtest rules, lists, the decision log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
lists_app = typer.Typer(help="Block and allow lists (devices, IPs, accounts, payees).")
risk_app.add_typer(lists_app, name="lists", no_args_is_help=True)

err = Console(stderr=True, soft_wrap=True)
"""Messages are single lines that scripts may grep, so they are never wrapped."""

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: ANXIN_DATABASE_URL or SQLite).")
]
RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="Rule set YAML (default: the shipped rules).", dir_okay=False),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def _load_rules(path: Path | None) -> Any:
    from anxin.risk.rules import load_rules_file, shipped_rules

    try:
        return shipped_rules() if path is None else load_rules_file(path)
    except InvalidInput as exc:
        raise _fail(exc.detail) from None


def _load_model() -> Any:
    from anxin.risk.model import load_model

    try:
        return load_model()
    except InvalidInput as exc:
        raise _fail(exc.detail) from None


@contextmanager
def _database(url: str | None) -> Iterator[Any]:
    """The database at `url` (or the configured one); its errors become one line, exit 2."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from anxin.core.db import Database
    from anxin.core.settings import get_settings

    settings = get_settings()
    database = Database(url or settings.resolved_database_url())
    try:
        yield database
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        safe = make_url(database.url).render_as_string(hide_password=True)
        raise _fail(f"{safe}: {first} (has `anxin db upgrade` been run?)") from None
    finally:
        database.dispose()


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


@risk_app.command()
def replay(
    events: Annotated[
        Path, typer.Argument(help="Events, one JSON object per line.", dir_okay=False)
    ],
    out: Annotated[Path, typer.Option("--out", help="Decisions JSONL, one line per event.")],
    rules: RulesOption = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Also log every decision (hash-chained, in batches) to this database and "
            "use its block/allow lists. Without it nothing touches a database.",
        ),
    ] = None,
    shadow: Annotated[
        Path | None,
        typer.Option(
            "--shadow", help="Draft rule set to judge beside the live one.", dir_okay=False
        ),
    ] = None,
    shadow_out: Annotated[
        Path | None, typer.Option("--shadow-out", help="Where the draft's decisions go (JSONL).")
    ] = None,
    skip_bad: Annotated[
        bool,
        typer.Option(
            "--skip-bad", help="Report bad lines and carry on (default: stop at the first)."
        ),
    ] = False,
    redis_url: Annotated[
        str | None,
        typer.Option(
            "--redis",
            help="Keep the velocity counters in this Redis (redis://host:port/db), as API "
            "workers sharing one do, under a fresh key prefix removed afterwards. Counts are "
            "bucketed there: decisions can differ from the exact in-process counters.",
        ),
    ] = None,
) -> None:
    """Decide every event in EVENTS in order, from an empty state, writing one decision per event.

    Each output line is {"event_id", "decision", "score", "reasons"}, in input order; each reason
    is {"code", "zh", "en"}.
    """
    from anxin.core.clock import SystemClock
    from anxin.risk.engine import RiskEngine, Shadowed
    from anxin.risk.features import FeatureState
    from anxin.risk.log import DecisionLog
    from anxin.risk.replay import BadLine
    from anxin.risk.replay import replay as run

    live = _load_rules(rules)
    draft = _load_rules(shadow) if shadow is not None else None
    if (draft is None) != (shadow_out is None):
        raise _fail("--shadow and --shadow-out go together")
    model = _load_model()
    if not events.is_file():
        raise _fail(f"cannot read {events}")
    total = _count_lines(events)

    with (
        _maybe_database(db) as database,
        _open(shadow_out) as shadow_file,
        _velocity(redis_url) as velocity,
    ):
        log = None
        engine = RiskEngine(live, model, state=FeatureState(velocity))
        if database is not None:
            from anxin.risk.lists import load_lists

            engine.lists = load_lists(database)
            log = DecisionLog(database, SystemClock(), model_version=model.version)
            engine.record = log.record
        if draft is not None and shadow_file is not None:
            engine.shadow = draft

            def write_shadow(seen: Shadowed) -> None:
                shadow_file.write(
                    json.dumps(
                        {
                            "event_id": seen.event.event_id,
                            "live": seen.live.decision,
                            "draft": seen.draft.decision,
                            "draft_score": seen.draft.score,
                            "draft_reasons": list(seen.draft.codes),
                        }
                    )
                    + "\n"
                )

            engine.on_shadow = write_shadow
        with (
            events.open("rb") as source,
            _writable(out) as sink,
            _progress() as progress,
        ):
            task = progress.add_task(f"replaying {events.name}", total=total)
            try:
                stats = run(
                    source,
                    sink,
                    engine,
                    skip_bad=skip_bad,
                    progress=lambda line: progress.update(task, completed=line),
                )
            except BadLine as bad:
                raise _fail(
                    f"{events}: {bad.detail} (decisions for the lines before it are in {out})"
                ) from None
            finally:
                if log is not None:
                    log.flush()
            progress.update(task, completed=total)
    for problem in stats.bad:
        err.print(f"[yellow]skipped[/yellow] {events}: {problem}", highlight=False)
    counts = ", ".join(
        f"{name} {stats.decisions[name]:,}" for name in ("allow", "challenge", "review", "block")
    )
    logged = f"; {log.written:,} logged to the database" if log is not None else ""
    err.print(
        f"{stats.events:,} events → {out} ({counts}) in {stats.seconds:.1f} s, "
        f"{stats.rate:,.0f} events/s; rules {live.label}{logged}",
        highlight=False,
    )
    if stats.bad:
        raise typer.Exit(1)


@contextmanager
def _velocity(redis_url: str | None) -> Iterator[Any]:
    """The replay's velocity store: in-process, or a fresh namespace in Redis."""
    if redis_url is None:
        yield None
        return
    import redis

    from anxin.core.ids import new_id
    from anxin.risk.velocity_redis import RedisVelocityStore

    try:
        store = RedisVelocityStore.from_url(redis_url, prefix=f"anxin:replay:{new_id()}:")
        store.client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise _fail(f"cannot use Redis at {redis_url}: {exc}") from None
    try:
        yield store
    finally:
        store.clear()
        store.close()


@contextmanager
def _maybe_database(url: str | None) -> Iterator[Any]:
    if url is None:
        yield None
        return
    with _database(url) as database:
        yield database


@contextmanager
def _open(path: Path | None) -> Iterator[IO[str] | None]:
    if path is None:
        yield None
        return
    with _writable(path) as fh:
        yield fh


def _writable(path: Path) -> IO[str]:
    """`path` opened for writing, or one readable line and exit 2."""
    try:
        return path.open("w", encoding="utf-8", buffering=1 << 20)
    except OSError as exc:
        raise _fail(f"cannot write {path}: {exc.strerror}") from None


@risk_app.command("check-rules")
def check_rules(
    path: Annotated[Path, typer.Argument(help="Rule set YAML to validate.", dir_okay=False)],
) -> None:
    """Validate a rule set the way the engine would before letting it go live; exit 1 if refused."""
    from anxin.risk.rules import load_rules_file

    try:
        ruleset = load_rules_file(path)
    except InvalidInput as exc:
        err.print(f"[red]refused:[/red] {exc.detail}", highlight=False)
        raise typer.Exit(1) from None
    err.print(
        f"[green]ok[/green] {path}: version {ruleset.label}, {len(ruleset.rules)} rules, "
        f"model {'on' if ruleset.model.enabled else 'off'}",
        highlight=False,
    )


@risk_app.command()
def features() -> None:
    """List every feature a rule condition or reason text may name."""
    from anxin.risk.features import FEATURES

    table = Table(title="risk features")
    for column in ("name", "kind", "group", "meaning"):
        table.add_column(column)
    for name, spec in FEATURES.items():
        table.add_row(name, spec.kind, spec.group, spec.doc)
    Console().print(table)


@risk_app.command()
def backtest(
    events: Annotated[Path, typer.Argument(help="Historical events (JSONL).", dir_okay=False)],
    draft: Annotated[Path, typer.Option("--draft", help="Draft rule set YAML.", dir_okay=False)],
    rules: RulesOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Replay EVENTS with the draft rule set judged beside the live one; report the difference.

    When events carry a `label` (as `anxin risk simulate` writes), catch rate per attack type
    and friction on legitimate events are compared too.
    """
    from anxin.risk.replay import BadLine
    from anxin.risk.replay import backtest as run

    live, candidate, model = _load_rules(rules), _load_rules(draft), _load_model()
    total = _count_lines(events)
    with events.open("rb") as source, _progress() as progress:
        task = progress.add_task(f"backtesting {draft.name}", total=total)
        try:
            report = run(
                source,
                live,
                candidate,
                model,
                progress=lambda line: progress.update(task, completed=line),
            )
        except BadLine as bad:
            raise _fail(f"{events}: {bad.detail}") from None
        progress.update(task, completed=total)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    console = Console()
    console.print(
        f"{report.events:,} events; {report.changed:,} decisions change "
        f"({report.live} → {report.draft})",
        highlight=False,
    )
    moves = Table(title="decision moves (live → draft)")
    for column in ("live", "draft", "events"):
        moves.add_column(column)
    for (a, b), n in sorted(report.transitions.items()):
        if a != b:
            moves.add_row(a, b, f"{n:,}")
    console.print(moves)
    if report.live_quality.totals:
        quality = Table(title="not allowed: catch rate (attacks) / friction (legit)")
        for column in ("label", "events", "live", "draft"):
            quality.add_column(column)
        for label in report.live_quality.labels():
            quality.add_row(
                label,
                f"{report.live_quality.totals[label]:,}",
                f"{report.live_quality.rate(label):.2%}",
                f"{report.draft_quality.rate(label):.2%}",
            )
        console.print(quality)


@risk_app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", help="Where to write the events (JSONL).")],
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same events.")] = 1,
    users: Annotated[int, typer.Option(help="Legitimate people.")] = 2000,
    days: Annotated[int, typer.Option(help="Simulated days.")] = 28,
    attacks: Annotated[int, typer.Option(help="Instances of each attack type.")] = 40,
) -> None:
    """Write a labelled month of simulated events: legitimate habits plus five attack types."""
    from anxin.risk.simulator import SimConfig, write_jsonl
    from anxin.risk.simulator import simulate as run

    try:
        config = SimConfig(
            seed=seed, users=users, days=days, warmup_days=days // 2, attacks=attacks
        )
    except InvalidInput as exc:
        raise _fail(exc.detail) from None
    with _writable(out):
        pass  # fail before simulating, not after
    count = write_jsonl(run(config), out)
    err.print(f"{count:,} events → {out} (attacks from {config.warmup_end:%Y-%m-%d})")


@risk_app.command("train-model")
def train_model(
    out: Annotated[Path, typer.Option("--out", help="Where to write the model JSON.")],
    seed: Annotated[
        int | None, typer.Option(help="Simulator seed (default: the shipped one).")
    ] = None,
    labels_from_db: Annotated[
        bool,
        typer.Option(
            "--labels-from-db",
            help="Add the logged decisions analysts labelled (fraud/legit) to the simulated set.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Rebuild the model from the simulator; with the default seed this reproduces model.json."""
    from anxin.risk.model import TRAINING_SEED, train
    from anxin.risk.simulator import SimConfig, labelled
    from anxin.risk.simulator import simulate as run

    chosen = TRAINING_SEED if seed is None else seed
    extra: list[Any] = []
    if labels_from_db:
        from anxin.risk.reviews import labelled_features

        with _database(db) as database:
            extra = labelled_features(database)
        err.print(f"{len(extra):,} analyst-labelled events from the database")
    with _progress() as progress:
        task = progress.add_task("simulating", total=None)
        events = run(SimConfig(seed=chosen))
        progress.update(task, description="training", total=len(events), completed=0)
        doc = train(
            labelled(events), seed=chosen, progress=lambda n: progress.update(task, completed=n),
            extra=extra,
        )  # fmt: skip
    with _writable(out) as fh:
        fh.write(json.dumps(doc, indent=1) + "\n")
    err.print(
        f"model {doc['version']} ({doc['events']:,} events, {doc['frauds']:,} frauds) → {out}"
    )


@risk_app.command()
def graph(
    events: Annotated[Path, typer.Argument(help="Events (JSONL).", dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Full recompute of the account graph with networkx: rings, mules, application bursts."""
    from anxin.risk.graph import analyse
    from anxin.risk.replay import BadLine, read_events, to_event

    def parsed() -> Iterator[Any]:
        for number, item in read_events(source):
            if isinstance(item, BadLine):
                raise item
            yield to_event(number, item)

    with events.open("rb") as source:
        try:
            report = analyse(parsed())
        except BadLine as bad:
            raise _fail(f"{events}: {bad.detail}") from None
    rings = [sorted(ring) for ring in report.rings]
    bursts = [sorted(burst) for burst in report.bursts]
    mules = sorted(report.mules)
    if as_json:
        print(json.dumps({"rings": rings, "mules": mules, "bursts": bursts}, indent=2))
        return
    err.print(f"{len(rings)} rings, {len(mules)} mule accounts, {len(bursts)} application bursts")
    for kind, groups in (("ring", rings), ("burst", bursts), ("mule", [[m] for m in mules])):
        for group in groups:
            print(f"{kind}\t{len(group)}\t{' '.join(group)}")


@risk_app.command("verify-log")
def verify_log(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Recompute the decision log's hash chain; exit 1 when any row was edited or removed."""
    from anxin.risk.log import verify_log as verify

    with _database(db) as database, database.read() as conn:
        report = verify(conn)
    if as_json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "rows": report.rows,
                    "head": report.head,
                    "problems": report.problems,
                }
            )
        )
    else:
        status = "[green]OK[/green]" if report.ok else f"[red]{len(report.problems)} problems[/red]"
        err.print(f"decision log {status}: {report.rows:,} rows, head {report.head}")
        for problem in report.problems:
            print(problem)
    if not report.ok:
        raise typer.Exit(1)


KindArgument = Annotated[str, typer.Argument(help="device, ip, account or payee.")]
ListArgument = Annotated[str, typer.Argument(help="block or allow.")]


@lists_app.command("add")
def lists_add(
    list_name: ListArgument,
    kind: KindArgument,
    value: Annotated[str, typer.Argument(help="The device id, IP, account id or payee id.")],
    note: Annotated[str, typer.Option("--note", help="Why (kept in the audit trail).")],
    actor: Annotated[str, typer.Option("--actor", help="Who is adding it.")],
    until: Annotated[
        datetime | None, typer.Option("--until", help="Expiry (ISO 8601); default: never.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Put an entry on a list (replacing one for the same value), with an audit row."""
    from anxin.core.clock import SystemClock, to_micros
    from anxin.risk.lists import add_entry

    with _database(db) as database:
        try:
            add_entry(
                database,
                SystemClock(),
                list_name,
                kind,
                value,
                actor=actor,
                note=note,
                expires_at=to_micros(until) if until is not None else None,
            )
        except InvalidInput as exc:
            raise _fail(exc.detail) from None
    err.print(f"{kind} {value} on the {list_name} list" + (f" until {until}" if until else ""))


@lists_app.command("remove")
def lists_remove(
    list_name: ListArgument,
    kind: KindArgument,
    value: Annotated[str, typer.Argument(help="The value to remove.")],
    note: Annotated[str, typer.Option("--note", help="Why (kept in the audit trail).")],
    actor: Annotated[str, typer.Option("--actor", help="Who is removing it.")],
    db: DbOption = None,
) -> None:
    """Take an entry off a list, with an audit row; exit 1 if it was not there."""
    from anxin.core.clock import SystemClock
    from anxin.risk.lists import remove_entry

    with _database(db) as database:
        try:
            gone = remove_entry(
                database, SystemClock(), list_name, kind, value, actor=actor, note=note
            )
        except InvalidInput as exc:
            raise _fail(exc.detail) from None
    if not gone:
        raise _fail(f"{kind} {value} is not on the {list_name} list", 1)
    err.print(f"{kind} {value} removed from the {list_name} list")


@lists_app.command("show")
def lists_show(
    db: DbOption = None,
    audit: Annotated[bool, typer.Option("--audit", help="Show the audit trail instead.")] = False,
) -> None:
    """Print the lists (or the newest audit rows) as JSON lines."""
    from anxin.core.clock import isoformat
    from anxin.risk.lists import audit_trail, load_lists

    with _database(db) as database:
        rows = audit_trail(database) if audit else load_lists(database).as_dicts()
    for row in rows:
        for key in ("at", "added_at", "expires_at"):
            if isinstance(row.get(key), int):
                row[key] = isoformat(row[key])
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
