# Slim production image: compiled catalogs, non-root user, `digibank run`.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY flows ./flows
COPY storage ./storage
COPY locales ./locales
RUN pip install . \
 && digibank i18n check \
 && digibank i18n compile \
 && useradd --create-home --uid 10001 digibank \
 && mkdir /data && chown digibank /data

USER digibank
WORKDIR /data
ENV DATABASE_URL=sqlite:////data/digibank.db PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')"
CMD ["digibank", "run"]
