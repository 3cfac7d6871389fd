# gdprmap in a container: a slim Python image with the Debian packages the Makefile installs
# (one list, in the Makefile: `make debian-packages`, Chromium for `gdprmap audit` included),
# and the package with Playwright.
#   docker build -t gdprmap .
#   docker run --rm -v "$PWD:/work" gdprmap report /work/capture.har -o /work/report.pdf
FROM python:3.11-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/gdprmap
COPY . .
RUN make debian-packages \
 && pip install --no-cache-dir '.[capture]' \
 && rm -rf /var/lib/apt/lists/* /root/.cache

WORKDIR /work
ENTRYPOINT ["gdprmap"]
CMD ["--help"]
