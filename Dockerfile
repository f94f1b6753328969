# Canonry service image: `canonry serve` (webhook endpoint) or `canonry worker` (jobs).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY canonical canonical
COPY mapping mapping
COPY adapters adapters
COPY plugins plugins
COPY registry registry
COPY webhooks webhooks
COPY vault vault
RUN pip install --no-cache-dir . && useradd --create-home canonry
USER canonry
EXPOSE 8000
CMD ["canonry", "serve", "--host", "0.0.0.0", "--port", "8000"]
