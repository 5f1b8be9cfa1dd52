#!/usr/bin/env bash
# The local base for the project's LocalStack image, for machines whose Docker engine reaches no image
# registry: Debian trixie (Python 3.13, venv, CA certificates) built from Debian's packages with debootstrap
# and imported into Docker. zip: LocalStack's CloudFormation Lambda provider zips inline code with it. Where a registry is reachable the official python:3.13-slim-trixie is used instead.
# Usage: build-base.sh IMAGE   (root; debootstrap; DEBIAN_MIRROR picks a mirror other than debootstrap's default)
set -euo pipefail
image=${1:?usage: build-base.sh IMAGE}
fail() { echo "error: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || fail "building the base image needs root (debootstrap); or set LOCALSTACK_BASE_IMAGE to an image with Python 3.13"
command -v debootstrap >/dev/null || fail "debootstrap is missing (Debian/Ubuntu: apt-get install debootstrap)"
command -v docker >/dev/null || fail "the docker CLI is missing"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
echo "[image] debootstrap trixie into $root (about a minute)..." >&2
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,zip trixie "$root" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$root.log" 2>&1 \
  || { tail -n 5 "$root.log" >&2; rm -f "$root.log"; fail "debootstrap failed (is Debian's package mirror reachable?)"; }
rm -f "$root.log"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import --change 'ENV LANG=C.UTF-8' - "$image" >/dev/null
echo "[image] base image $image built" >&2
