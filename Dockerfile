# The image behind docker-compose.yml's api, worker and prestart services.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend backend
COPY tiles tiles
COPY models models
COPY simulate simulate
COPY benchmarks benchmarks
RUN pip install --no-cache-dir .
COPY --from=frontend /src/frontend/dist /app/frontend/dist
ENV SKYLABEL_FRONTEND_DIR=/app/frontend/dist SKYLABEL_DATA_DIR=/data
EXPOSE 8000
CMD ["skylabel", "serve", "--host", "0.0.0.0", "--port", "8000"]
