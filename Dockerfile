# Newsdesk API image: dependencies from uv.lock, non-root, migrations applied at start.
#   docker build -t newsdesk .
#   docker run -p 8000:8000 -e NEWSDESK_DATABASE_URL=postgresql+asyncpg://user:pw@db/newsdesk newsdesk

FROM python:3.11-slim AS build
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
# Dependencies first (cached while only the code changes), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY migrations ./migrations
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /data --create-home newsdesk
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NEWSDESK_DATABASE_URL=sqlite+aiosqlite:////data/newsdesk.db \
    NEWSDESK_MEDIA_DIR=/data/media \
    NEWSDESK_WORKERS=2 \
    MALLOC_ARENA_MAX=1
USER newsdesk
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# exec: uvicorn replaces the shell as PID 1, so SIGTERM reaches it and requests drain.
CMD ["sh", "-c", "newsdesk migrate && exec newsdesk serve --host 0.0.0.0 --port 8000 --workers \"$NEWSDESK_WORKERS\""]
