"""The story explorer: server-rendered pages over the store, each with a JSON twin under /api.

Pages are Jinja2 templates with autoescape on, so article text can never become markup; the
little JavaScript in ``static/story.js`` only adds hover cards and claim-cell highlighting,
and every page reads fine without it.
"""

from __future__ import annotations

import html
import json
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from crosswire import __version__, report
from crosswire.store import Store
from crosswire.web import views

STATIC = Path(__file__).parent / "static"
UPLOAD_NAME = re.compile(r"[^A-Za-z0-9._-]+")
STATEMENT_ATTRIBUTE = re.compile(r'data-statement="([^"]*)"')
Uploads = Annotated[list[UploadFile], File(description="article files, as for `crosswire analyze`")]
OutletField = Annotated[str, Form(description="outlet name for every file (detected if empty)")]
DateField = Annotated[str, Form(description="publication date YYYY-MM-DD for every file")]


class StoryRow(BaseModel):
    """One story in the list."""

    id: str
    title: str
    outlets: list[str]
    article_count: int
    date_range: list[str | None]
    contested_claims: int


@dataclass
class StoryQuery:
    """The story list's search, filters and page, as query parameters."""

    q: str = ""
    outlet: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1


class StoryList(BaseModel):
    """One page of the stories that match the search and filters."""

    stories: list[StoryRow]
    total: int
    matching: int
    page: int
    pages: int
    outlets: list[str]
    filters: dict[str, str]


class UploadResult(BaseModel):
    """What an upload added; ``rejected`` holds one line per unreadable file, as the CLI prints."""

    added: list[str]
    already_stored: list[str]
    rejected: list[str]
    analysed: int
    stories: list[str]


def create_app(db_path: str | Path, read_only: bool = False) -> FastAPI:
    """Build the explorer over the store at ``db_path``; read-only opens it read-only, no uploads."""
    db_path = Path(db_path)
    if read_only:
        Store(db_path, read_only=True).close()  # fail now, with StoreError's advice, if missing
    app = FastAPI(
        title="crosswire story explorer",
        version=__version__,
        description="Stories, statements, claims and entities from a crosswire store. "
        "crosswire attributes; it does not decide what is true.",
        # FastAPI's interactive docs load their scripts from a CDN: serve the schema alone.
        docs_url=None,
        redoc_url=None,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    templates = _template_environment()
    upload_lock = threading.Lock()

    @contextmanager
    def open_store() -> Iterator[Store]:
        # One connection per request: sqlite3 connections belong to the thread that opened them.
        store = Store(db_path, read_only=read_only)
        try:
            yield store
        finally:
            store.close()

    @contextmanager
    def read_store() -> Iterator[Store]:
        # A page is several queries: read them from one snapshot while analyze or watch write.
        with open_store() as store, store.snapshot():
            yield store

    def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        body = templates.get_template(name).render(read_only=read_only, **context)
        return HTMLResponse(body, status_code=status_code)

    def story_filters(query: StoryQuery) -> dict[str, Any]:
        with read_store() as store:
            return views.story_list(
                store, query.q, query.outlet, query.date_from, query.date_to, page=query.page
            )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    @app.get("/stories", response_class=HTMLResponse, include_in_schema=False)
    def stories_page(query: Annotated[StoryQuery, Depends()]):
        return page("stories.html", listing=story_filters(query))

    @app.get("/api/stories", response_model=StoryList, tags=["stories"])
    def stories_api(query: Annotated[StoryQuery, Depends()]):
        """List stories, a page of ``views.STORIES_PER_PAGE`` at a time (``page``, from 1);
        ``q`` searches article text, titles, speakers and entity names."""
        return story_filters(query)

    def load_story(story_id: str) -> dict[str, Any]:
        with read_store() as store:
            found = views.story_page(store, story_id)
        if found is None:
            raise HTTPException(404, f"no story {story_id!r} in this store")
        return found

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_html(story_id: str):
        return page("story.html", view=load_story(story_id))

    @app.get("/api/stories/{story_id}", tags=["stories"])
    def story_api(story_id: str) -> dict[str, Any]:
        """Return a story: articles, statements, claim × outlet matrix, timeline, framing."""
        return load_story(story_id)

    def load_entity(entity_id: str) -> dict[str, Any]:
        with read_store() as store:
            found = views.entity_page(store, entity_id)
        if found is None:
            raise HTTPException(404, f"no entity {entity_id!r} in this store")
        return found

    @app.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def entity_html(entity_id: str):
        return page("entity.html", view=load_entity(entity_id))

    @app.get("/api/entities/{entity_id}", tags=["entities"])
    def entity_api(entity_id: str) -> dict[str, Any]:
        """Return every statement by and about an entity, and each outlet's spellings."""
        return load_entity(entity_id)

    def analyse_uploads(files: list[UploadFile], outlet: str, date: str) -> dict[str, Any]:
        if read_only:
            raise HTTPException(403, "this explorer is read-only: uploads are disabled")
        with tempfile.TemporaryDirectory(prefix="crosswire-upload-") as folder:
            paths, names = _save_uploads(files, Path(folder))
            with upload_lock, open_store() as store:
                from crosswire import pipeline  # loads the NLP stages only when needed

                result = pipeline.analyze(
                    store, paths, outlet=outlet.strip() or None, date=date.strip() or None
                )
                story_ids = store.story_ids_holding(result.article_ids)
        rejected = [f"rejected {_rename(str(r), names)}" for r in result.rejections]
        return {
            "added": result.added,
            "already_stored": result.already_stored,
            "rejected": rejected,
            "analysed": result.analysed,
            "stories": story_ids,
        }

    @app.get("/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_form():
        return page("upload.html", status_code=403 if read_only else 200, result=None)

    @app.post("/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_html(files: Uploads, outlet: OutletField = "", date: DateField = ""):
        return page("upload.html", result=analyse_uploads(files, outlet, date))

    @app.post("/api/upload", response_model=UploadResult, tags=["upload"])
    def upload_api(files: Uploads, outlet: OutletField = "", date: DateField = ""):
        """Add articles (txt, HTML, JSONL, RSS/Atom) and analyse them; 403 when read-only."""
        return analyse_uploads(files, outlet, date)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, error: StarletteHTTPException):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code)
        return page("error.html", status_code=error.status_code, message=error.detail)

    return app


def serve(
    db_path: str | Path, host: str = "127.0.0.1", port: int = 8000, read_only: bool = False
) -> None:
    """Run the explorer with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(db_path, read_only=read_only), host=host, port=port)


def _template_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("crosswire.web", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    env.filters["highlight"] = highlight_with_titles
    env.filters["short"] = report.shorten
    env.filters["script_json"] = script_json
    env.filters["pretty"] = lambda data: json.dumps(data, indent=1, ensure_ascii=False)
    env.filters["speaker_css"] = speaker_css
    env.globals["matrix_marks"] = report.MATRIX_MARKS
    env.globals["matrix_legend"] = report.matrix_legend()
    env.globals["article_date_note"] = report.ARTICLE_DATE_NOTE
    env.tests["dated_by_article_only"] = report.dated_by_article_only
    return env


def speaker_css(speakers: list[dict[str, Any]]) -> Markup:
    """Colour each statement's content span by its speaker (ids are checked to be plain words)."""
    rules = []
    for speaker in speakers:
        selectors = [
            f'.article-text .content[data-statement="{sid}"]'
            for sid in speaker["statement_ids"]
            if views.SAFE_ID.match(sid)
        ]
        if selectors:
            rules.append(f"{', '.join(selectors)} {{ background: var(--sp{speaker['colour']}); }}")
    return Markup("\n".join(rules))


def highlight_with_titles(
    article: dict[str, Any], statements: list[dict[str, Any]], info: dict[str, dict[str, Any]]
) -> Markup:
    """Mark the article's spans as the HTML report does, and give each a hover title naming
    its speaker, cue and stance, so hovering works without JavaScript."""
    marked = str(report.highlight_article(article, statements))

    def add_title(match: re.Match[str]) -> str:
        found = info.get(html.unescape(match[1]))
        if not found:
            return match[0]
        cue, stance = found["cue"] or "no cue", found["stance"] or "no stance"
        title = f"{found['speaker']} — {cue} ({stance}, {found['kind']})"
        return f'{match[0]} title="{html.escape(title)}"'

    # Article text inside the markup is escaped, so this attribute can only be one we wrote.
    return Markup(STATEMENT_ATTRIBUTE.sub(add_title, marked))


def script_json(data: Any) -> Markup:
    """Serialise data for a <script type="application/json"> block that text cannot break out of."""
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _save_uploads(files: list[UploadFile], folder: Path) -> tuple[list[Path], dict[str, str]]:
    """Write each upload under its own sub-folder, keeping a safe form of its file name."""
    paths, names = [], {}
    for number, upload in enumerate(files):
        name = UPLOAD_NAME.sub("_", Path(upload.filename or "upload.txt").name) or "upload.txt"
        path = folder / str(number) / name
        path.parent.mkdir()
        path.write_bytes(upload.file.read())
        paths.append(path)
        names[str(path)] = upload.filename or name
    return paths, names


def _rename(line: str, names: dict[str, str]) -> str:
    """Show a rejection with the uploaded file's name instead of its temporary path."""
    for path, name in names.items():
        line = line.replace(path, name)
    return line
