#!/bin/sh
# LocalStack container boot hook (/etc/localstack/init/boot.d/): runs before LocalStack starts, so the
# extension's entry points (CloudFormation patches) are installed when its plugin managers look for them.
# The extension source is mounted read-only (docker-compose) or copied (testcontainers) at /opt/localstack-ext;
# pip builds in the source tree, hence the copy.
set -eu
PIP=/opt/code/localstack/.venv/bin/pip
if ! "$PIP" show localstack-backup-ext >/dev/null 2>&1; then
  rm -rf /tmp/localstack-ext && cp -r /opt/localstack-ext /tmp/localstack-ext
  "$PIP" install --quiet --disable-pip-version-check --no-deps --no-build-isolation /tmp/localstack-ext \
    || "$PIP" install --quiet --disable-pip-version-check --no-deps /tmp/localstack-ext
fi
