# One image for the web servers and the job workers (compose.yaml runs both from it).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY peervalues peervalues
COPY coding coding
RUN pip install --no-cache-dir .
COPY . .
# Hashed, compressed static files are built into the image; whitenoise serves them.
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput --verbosity 0
RUN useradd --create-home peervalues && mkdir -p /app/media && chown peervalues /app/media
USER peervalues
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
CMD ["python", "-m", "gunicorn", "-c", "peervalues/gunicorn_conf.py", "peervalues.wsgi:application"]
