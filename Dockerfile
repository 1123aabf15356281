FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEVINO_MOCK_HOST=0.0.0.0 \
    DEVINO_MOCK_FTP_PASSIVE_PORTS=30000-30009

WORKDIR /opt/devino-mock
COPY pyproject.toml README.md ./
COPY devino_mock ./devino_mock
RUN pip install . \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin devino \
    && mkdir /data && chown devino /data

# State survives the container with DEVINO_MOCK_DATA_DIR=/data and a named volume here.
VOLUME ["/data"]

USER devino
WORKDIR /home/devino

# HTTP (REST, SOAP, XML, JSON APIs, /_mock/), SMPP, SMTP, FTP control, FTP passive data;
# with DEVINO_MOCK_TLS=1 also HTTPS and SMTP with implicit TLS
EXPOSE 8080 2775 2525 2121 30000-30009 8443 4465

HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["devino-mock", "healthcheck"]

CMD ["devino-mock"]
