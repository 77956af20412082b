# One image for web (gunicorn), worker and beat (celery). Configuration comes from the environment.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH STATIC_ROOT=/app/staticfiles MOTCUA_VAR_DIR=/app/var
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir uv==0.13.9

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
# collectstatic needs no secret or database: the development defaults are enough at build time.
RUN python manage.py collectstatic --noinput \
 && useradd --system --home /app motcua && mkdir -p /app/var && chown -R motcua /app/var
USER motcua
EXPOSE 8000
CMD ["gunicorn", "motcua.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
