# escalert worker image: `docker compose up` uses it for the worker and the one-shot publisher.
# Kept in step with service/config.py by scripts/check_compose.py (run in CI).
FROM python:3.11-slim AS build
# gcc: the detector is compiled with mypyc (scripts/build_native.py); the image carries the build.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md* ./
COPY schemas ./schemas
COPY service ./service
COPY scripts/build_native.py ./scripts/
RUN pip install --no-cache-dir . "mypy==1.13.0" setuptools \
 && python scripts/build_native.py \
 && pip install --no-cache-dir --prefix=/install ".[rocksdb]"

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 escalert
COPY --from=build /install /usr/local
WORKDIR /app
COPY seeds ./seeds
RUN mkdir -p /data && chown escalert /data
USER escalert
# Defaults for a container; every setting can be overridden with ESCALERT_* variables.
ENV ESCALERT_WEB_HOST=0.0.0.0 \
    ESCALERT_WEB_PORT=6066 \
    ESCALERT_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
EXPOSE 6066
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:6066/health/live', timeout=2).status == 200 else 1)"
ENTRYPOINT ["escalert"]
CMD ["worker"]
