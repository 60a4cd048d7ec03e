"""The crosswire command line: ingest, analyze, report, eval, schema."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crosswire import __version__
from crosswire.settings import load_settings

EPILOG = """\b
Examples:
  crosswire analyze demo/corpus --html report.html   analyse a folder, write an HTML report
  crosswire ingest feeds/ --outlet "Example Wire"     store articles, analyse later
  crosswire report --json out.json                   report everything in the store
  crosswire eval statements ../shared/datasets/polnear/dev
"""


class Context:
    """Options shared by every command."""

    def __init__(self, db: Path, quiet: bool):
        self.db = db
        self.quiet = quiet
        self.console = Console(stderr=True, quiet=quiet)
        self.out = Console()

    def open_store(self, read_only: bool = False) -> Any:
        from crosswire.store import Store, StoreError

        try:
            return Store(self.db, read_only=read_only)
        except StoreError as error:
            raise click.ClickException(str(error)) from error


@click.group(epilog=EPILOG)
@click.version_option(__version__, prog_name="crosswire")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CROSSWIRE_DB",
    default=None,
    help="SQLite store to use (default: $CROSSWIRE_DB or ./crosswire.db).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars or summaries (for scripts).")
@click.pass_context
def main(ctx: click.Context, db: Path | None, quiet: bool) -> None:
    """crosswire: map how many outlets report one story.

    Who said what, which outlets carried it, what is corroborated, contested or left out, how
    each outlet frames it and when things happened; every item points at exact character spans
    of the source text. crosswire attributes; it never decides what is true.
    """
    ctx.obj = Context(db or load_settings().db_path, quiet)


def _input_options(command: Any) -> Any:
    command = click.option("--date", help="Publication date (YYYY-MM-DD) for every input article.")(
        command
    )
    command = click.option(
        "--outlet", help="Outlet name for every input article (overrides detection)."
    )(command)
    return click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))(
        command
    )


def _report_options(command: Any) -> Any:
    for name, what in (("html", "HTML"), ("markdown", "Markdown"), ("json", "JSON")):
        command = click.option(
            f"--{name}",
            f"{name}_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help=f"Write the {what} report to this file ('-' for standard output).",
        )(command)
    return command


@main.command()
@_input_options
@click.pass_obj
def ingest(obj: Context, paths: tuple[Path, ...], outlet: str | None, date: str | None) -> None:
    """Store articles from files and folders (txt, HTML, JSON/JSONL, Parquet, RSS/Atom) unanalysed.

    Re-ingesting an article already stored changes nothing. Each file that cannot be read gets
    one line saying why; the exit status is 1 if any file was rejected.
    """
    from crosswire import pipeline

    with obj.open_store() as store, _progress(obj) as progress:
        result = pipeline.ingest(store, paths, outlet=outlet, date=date, progress=progress)
    _print_run(obj, result)
    sys.exit(1 if result.rejections else 0)


@main.command()
@_input_options
@_report_options
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Run per-article stages in this process or on a Dask cluster.",
)
@click.option("--scheduler", help="Dask scheduler address (default: start a LocalCluster).")
@click.option("--workers", type=int, help="Worker processes for the LocalCluster (default 2).")
@click.pass_obj
def analyze(
    obj: Context,
    paths: tuple[Path, ...],
    outlet: str | None,
    date: str | None,
    json_path: Path | None,
    markdown_path: Path | None,
    html_path: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Ingest PATHS, analyse every new article, update stories, and write reports.

    Reports cover the stories that hold the given articles. An interrupted run keeps what it
    finished; run the same command again to continue.
    """
    from crosswire import pipeline
    from crosswire.models import ModelMissing

    try:
        with obj.open_store() as store:
            with _progress(obj) as progress:
                result = pipeline.analyze(store, paths, outlet=outlet, date=date, progress=progress)
            _print_run(obj, result)
            _write_reports(obj, store, result.article_ids, json_path, markdown_path, html_path)
    except ModelMissing as error:
        raise click.ClickException(str(error)) from error
    except KeyboardInterrupt:
        obj.console.print("interrupted: finished articles are stored; run again to continue")
        sys.exit(130)
    sys.exit(1 if result.rejections else 0)


@main.command()
@_report_options
@click.option(
    "--article", "article_ids", multiple=True, help="Limit to the stories holding this article id."
)
@click.pass_obj
def report(
    obj: Context,
    json_path: Path | None,
    markdown_path: Path | None,
    html_path: Path | None,
    article_ids: tuple[str, ...],
) -> None:
    """Write reports of what the store holds (all stories, or those holding --article ids)."""
    if not (json_path or markdown_path or html_path):
        raise click.UsageError("name at least one of --json, --markdown, --html")
    with obj.open_store(read_only=True) as store:
        _write_reports(obj, store, article_ids or None, json_path, markdown_path, html_path)


@main.command()
@click.pass_obj
def stories(obj: Context) -> None:
    """List the stories in the store with their outlets and article counts."""
    with obj.open_store(read_only=True) as store:
        table = Table("story", "title", "articles", "outlets", "dates")
        for story in store.stories():
            dates = " – ".join(d for d in story.date_range if d) or "?"
            table.add_row(
                story.id, story.title, str(len(story.article_ids)), ", ".join(story.outlets), dates
            )
        obj.out.print(table)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the --json report."""
    from crosswire.schema import output_schema

    click.echo(json.dumps(output_schema(), indent=2))


EVALUATIONS = ("statements", "stories", "claims", "entities", "timeline")


ERROR_LISTS = ("statements", "claims")


@main.command(name="eval")
@click.argument("stage", type=click.Choice(EVALUATIONS))
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--errors",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="statements, claims: after the scores, list up to N errors of each kind with article, "
    "character offsets and text (statements: missed gold attributions, and predictions that "
    "match none; claims: statement pairs missed and grouped falsely).",
)
@click.pass_obj
def evaluate(obj: Context, stage: str, paths: tuple[Path, ...], errors: int) -> None:
    """Score a stage against gold data and print precision, recall and F1.

    \b
    PATHS are gold sources: demo/gold.json (the demo corpus gold), a PolNeAR split folder
    (e.g. ../shared/datasets/polnear/dev) for statements, or ../shared/datasets/fnc1-train
    for stories and claims. With no PATHS the demo gold is used.

    \b
    Examples:
      crosswire eval statements ../shared/datasets/polnear/dev --errors 20
      crosswire eval claims demo/gold.json --errors 10
    """
    if errors and stage not in ERROR_LISTS:
        raise click.UsageError(f"--errors lists errors of {' and '.join(ERROR_LISTS)} only")
    module = importlib.import_module(f"crosswire.evaluate.{stage}")
    paths_given = [str(p) for p in paths]
    if errors:
        sys.exit(module.run(paths_given, obj.out, errors=errors))
    sys.exit(module.run(paths_given, obj.out))


@main.group()
def sources() -> None:
    """List, add and remove the sources `crosswire watch` polls: feeds, OPML lists, pages."""


@sources.command(name="add")
@click.argument("locations", nargs=-1, required=True)
@click.option("--name", help="The outlet's name (for a single URL; OPML lists name their feeds).")
@click.option("--language", help="Default language of the source's articles (e.g. en, fr).")
@click.option(
    "--kind",
    type=click.Choice(["auto", "feed", "page"]),
    default="auto",
    show_default=True,
    help="A feed, a single article page, or decide from what the URL serves.",
)
@click.pass_obj
def sources_add(
    obj: Context, locations: tuple[str, ...], name: str | None, language: str | None, kind: str
) -> None:
    """Add sources: http(s) URLs of feeds or article pages, or OPML files listing feeds."""
    from crosswire.sources import SourceError, sources_from_argument

    try:
        specs = [
            spec
            for location in locations
            for spec in sources_from_argument(location, name=name, kind=kind, language=language)
        ]
    except SourceError as error:
        raise click.ClickException(str(error)) from error
    with obj.open_store() as store:
        added = sum(store.add_source(s.url, s.name, s.kind, s.language) for s in specs)
    obj.console.print(f"{added} sources added, {len(specs) - added} already listed")


@sources.command(name="list")
@click.pass_obj
def sources_list(obj: Context) -> None:
    """List the sources with the outcome of their last fetch."""
    with obj.open_store(read_only=True) as store:
        table = Table("url", "name", "kind", "language", "last checked", "status")
        for source in store.sources():
            status = "not fetched yet"
            if source["error"]:
                status = f"failing ({source['failures']}x): {source['error']}"
            elif source["status"]:
                status = f"ok (HTTP {source['status']})"
            table.add_row(
                source["url"],
                source["name"] or "",
                source["kind"],
                source["language"] or "",
                source["checked_at"] or "",
                status,
            )
        obj.out.print(table)


@sources.command(name="remove")
@click.argument("urls", nargs=-1, required=True)
@click.pass_obj
def sources_remove(obj: Context, urls: tuple[str, ...]) -> None:
    """Stop polling these source URLs (their articles stay in the store)."""
    with obj.open_store() as store:
        removed = sum(store.remove_source(url) for url in urls)
    obj.console.print(f"{removed} sources removed")
    sys.exit(0 if removed == len(urls) else 1)


@main.command()
@click.option("--every", default="10m", show_default=True, help="Time between polls: 30s, 10m, 2h.")
@click.option("--once", is_flag=True, help="Poll every source once and exit (for cron).")
@click.pass_obj
def watch(obj: Context, every: str, once: bool) -> None:
    """Poll the sources, analyse new articles and print alerts as they come.

    Runs until stopped: Ctrl-C or SIGTERM finishes the current source and exits 0. Every
    state lives in the store, so a restarted watch goes on where it stopped. A failing source
    is shown and retried at the next poll.
    """
    from crosswire import watch as watching
    from crosswire.models import ModelMissing

    try:
        interval = None if once else watching.parse_interval(every)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--every") from error

    def show_source(found: Any) -> None:
        label = found.name or found.url
        for error in found.errors:
            click.echo(f"failed {label}: {error}", err=True)
        for rejection in found.rejections:
            click.echo(f"rejected {rejection}", err=True)
        if found.not_modified:
            obj.console.print(f"{label}: unchanged", markup=False)
        elif not found.failed:
            obj.console.print(
                f"{label}: {len(found.new_articles)} new, {len(found.updated)} updated",
                markup=False,
            )

    def show_poll(found: Any) -> None:
        for alert in found.alerts:
            _print_alert(obj, alert.to_dict())
        if found.stopped:
            obj.console.print("stopped: the articles fetched so far are analysed next time")

    try:
        with obj.open_store() as store, watching.stop_on_signals() as stop:
            if not store.sources():
                raise click.ClickException(
                    "no sources to watch; add some: crosswire sources add URL"
                )
            watching.watch(
                store, every=interval, stop=stop, on_source=show_source, on_poll=show_poll
            )
    except ModelMissing as error:
        raise click.ClickException(str(error)) from error
    sys.exit(0)


@main.command()
@click.option("--limit", type=int, default=20, show_default=True, help="Show this many alerts.")
@click.option(
    "--kind",
    type=click.Choice(
        ["new_story", "outlet_joined", "contested", "denial", "numeric_conflict", "updated"]
    ),
    help="Only alerts of this kind.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as JSON.")
@click.pass_obj
def alerts(obj: Context, limit: int, kind: str | None, as_json: bool) -> None:
    """List what changed in the watched stories, newest first."""
    with obj.open_store(read_only=True) as store:
        found = store.alerts(limit=limit, kind=kind)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    if not found:
        obj.console.print("no alerts yet")
    for alert in found:
        _print_alert(obj, alert)


def _print_alert(obj: Context, alert: dict[str, Any]) -> None:
    when = f"{alert['created_at']}  " if alert.get("created_at") else ""
    obj.out.print(
        f"{when}[{alert['kind']}] {alert['message']}", markup=False, highlight=False, soft_wrap=True
    )
    diff = alert.get("details", {}).get("diff")
    if diff:
        obj.out.print(diff, markup=False, highlight=False, soft_wrap=True)


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind (loopback unless told otherwise).",
)
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--read-only",
    is_flag=True,
    help="Open the store read-only and disable uploads (to share a store).",
)
@click.pass_obj
def serve(obj: Context, host: str, port: int, read_only: bool) -> None:
    """Serve the story explorer (web UI and JSON API under /api) over the store.

    \b
    Pages: /stories, /stories/ID, /entities/ID, /upload; each has a JSON twin under /api,
    described by /openapi.json.
    """
    from crosswire.web.app import serve as run_server

    if read_only:
        obj.open_store(read_only=True).close()
    obj.console.print(f"crosswire explorer on http://{host}:{port}/ (Ctrl-C to stop)")
    run_server(obj.db, host=host, port=port, read_only=read_only)


# --- helpers --------------------------------------------------------------------------------


class _progress:
    """A rich progress bar fed by the pipeline's progress callback (silent with --quiet)."""

    def __init__(self, obj: Context):
        self.obj = obj
        self.bar = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=obj.console,
            transient=True,
            disable=obj.quiet,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Any:
        self.bar.__enter__()
        return self.update

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)

    def update(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total or None)
        self.bar.update(self.tasks[stage], completed=done, total=total or None)


def _print_run(obj: Context, result: Any) -> None:
    for rejection in result.rejections:
        # Rejections go to stderr even with --quiet: a script must see them.
        click.echo(f"rejected {rejection}", err=True)
    obj.console.print(
        f"{len(result.added)} new articles, {len(result.already_stored)} already stored, "
        f"{len(result.rejections)} rejected, {result.analysed} analysed"
    )


def _write_reports(
    obj: Context,
    store: Any,
    article_ids: Any,
    json_path: Path | None,
    markdown_path: Path | None,
    html_path: Path | None,
) -> None:
    from crosswire import report

    if not (json_path or markdown_path or html_path):
        return
    document = report.build_document(store, article_ids)
    for path, render in (
        (json_path, report.to_json),
        (markdown_path, report.to_markdown),
        (html_path, report.to_html),
    ):
        if path is None:
            continue
        text = render(document)
        if str(path) == "-":
            click.echo(text)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        obj.console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
