# Newsdesk API image: Debian's Python 3.11, dependencies exactly as uv.lock pins them,
# non-root, migrations applied at every start. docs/image.md has the details.
#   docker build -t newsdesk .
#   docker run -p 8000:8000 -e NEWSDESK_DATABASE_URL=postgresql+asyncpg://user:pw@db/newsdesk newsdesk
# Where no registry answers, scripts/image builds a Debian base with debootstrap and passes
# it as BASE_IMAGE; behind a TLS-intercepting proxy, its CA bundle is given for the build
# only: --secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt (not in the image).

ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
# Not pinned (DL3008): apt installs the release's python3 with its security updates; a
# pinned version would stop building as soon as the archive moved on.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
# uv itself, in a venv of its own that stays in this stage. The optional secret is a CA
# bundle to trust (pip's PIP_CERT, uv's SSL_CERT_FILE); without it the system's are used.
RUN --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then export PIP_CERT=/run/secrets/ca-certificates; fi \
 && python3 -m venv /opt/uv \
 && /opt/uv/bin/pip install --no-cache-dir --disable-pip-version-check uv==0.13.9
WORKDIR /src
# Dependencies first (cached while only the code changes), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then export SSL_CERT_FILE=/run/secrets/ca-certificates; fi \
 && /opt/uv/bin/uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY migrations ./migrations
RUN --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then export SSL_CERT_FILE=/run/secrets/ca-certificates; fi \
 && /opt/uv/bin/uv sync --frozen --no-dev --no-editable

FROM ${BASE_IMAGE}
# The venv's python links to /usr/bin/python3: the same Debian package here (DL3008 as above).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && useradd --no-log-init --uid 10001 --user-group --home-dir /data --create-home newsdesk
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    NEWSDESK_DATABASE_URL=sqlite+aiosqlite:////data/newsdesk.db \
    NEWSDESK_MEDIA_DIR=/data/media \
    NEWSDESK_WORKERS=2 \
    MALLOC_ARENA_MAX=1
# By number: a runtime can tell it is not root (Kubernetes' runAsNonRoot) without /etc/passwd.
USER 10001:10001
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# exec: uvicorn replaces the shell as PID 1, so SIGTERM reaches it and requests drain
# (NEWSDESK_SERVER_GRACEFUL_SHUTDOWN_TIMEOUT, 20 s: give `docker stop -t` a few more).
CMD ["sh", "-c", "newsdesk migrate && exec newsdesk serve --host 0.0.0.0 --port 8000 --workers \"$NEWSDESK_WORKERS\""]
