# The SageMaker-compatible image, from the same code and models as Elastic Beanstalk runs: `docker build -t
# sentiment .`, then `docker run -p 8080:8080 sentiment` (SageMaker itself runs `serve`). Wheels only, so
# no compiler or build tool ever enters the image.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH="/opt/program:${PATH}"
WORKDIR /opt/program
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin sentiment
COPY application.py gunicorn.conf.py openapi.yaml serve ./
COPY sentiment/ sentiment/
COPY models/ models/
COPY templates/ templates/
COPY static/ static/
USER 10001
EXPOSE 8080
CMD ["serve"]
