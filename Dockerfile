# One image for web, worker, beat, the one-shot migrate and the LotteON sandbox (docker-compose.yml picks
# the command). Deployment notes: docs/deployment.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=3
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-nanum libpq5 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install -e .
COPY . .
# Static files are collected here, with the production storage (hashed names, staticfiles.json and .gz
# files), into the STATIC_ROOT the containers read at run time: settings' default, /app/staticfiles
# (SMARTSHIP_STATIC_ROOT is not set, here or in docker-compose.yml). Production settings refuse to load
# without real secrets, so this one command gets random throwaway values that are not kept in the image;
# the database and broker settings are not used by collectstatic (their embedded defaults go to /tmp).
RUN SMARTSHIP_ENV=production SMARTSHIP_VAR_DIR=/tmp/build-var \
        DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        SMARTSHIP_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
        DJANGO_ALLOWED_HOSTS=build.invalid SMARTSHIP_SERVER_IPS=192.0.2.1 \
        python manage.py collectstatic --noinput -v 0 \
    && test -s /app/staticfiles/staticfiles.json \
    && rm -rf /tmp/build-var \
    && useradd --create-home --uid 1000 smartship \
    && mkdir -p /app/var/beat \
    && chown -R smartship /app/var
USER smartship

EXPOSE 8000
CMD ["gunicorn", "smartship.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "120", "--graceful-timeout", "30", "--access-logfile", "-"]
