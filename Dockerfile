# One image for web, worker, beat and the LotteON sandbox (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-nanum libpq5 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install -e .
COPY . .
RUN SMARTSHIP_VAR_DIR=/tmp/build-var python manage.py collectstatic --noinput -v 0 \
    && useradd --create-home --uid 1000 smartship && mkdir -p /app/var && chown -R smartship /app/var
USER smartship

EXPOSE 8000
CMD ["gunicorn", "smartship.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
