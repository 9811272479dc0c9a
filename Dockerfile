# Mandate: one image for every process of a deployment. The web service runs `mandate serve`
# (the default command), the job workers run `mandate worker`, the release step `mandate migrate`.

# Front-end assets (htmx and its SSE extension) come from the npm lock file, as in development.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Debian 12 (bookworm), the same release the test suite runs on, so the PDF libraries match.
FROM python:3.11-slim-bookworm

# WeasyPrint loads Pango, HarfBuzz (with its subsetter, for embedded fonts) and fontconfig at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
        fonts-dejavu-core fonts-liberation2 shared-mime-info \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH
RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app
# Dependencies first (a layer that survives code changes), exactly as locked; then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY alembic.ini ./
COPY migrations ./migrations
COPY src ./src
# The project stays an editable install: migrations and vendored assets are found beside `src/`.
RUN uv sync --frozen --no-dev
COPY --from=assets /app/node_modules ./node_modules

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home mandate \
    && mkdir -p /app/data /tmp/mandate-metrics \
    && chown mandate:mandate /app/data /tmp/mandate-metrics
USER mandate

# Production unless told otherwise; the secret key, database and Redis come from the environment.
# Every process in a container shares the metrics directory, so /metrics sums them all.
ENV MANDATE_MODE=production \
    MANDATE_DATA_DIR=/app/data \
    PROMETHEUS_MULTIPROC_DIR=/tmp/mandate-metrics \
    PORT=8000 \
    WEB_CONCURRENCY=2
EXPOSE 8000
CMD ["sh", "-c", "exec mandate serve --host 0.0.0.0 --port \"$PORT\" --workers \"$WEB_CONCURRENCY\""]
