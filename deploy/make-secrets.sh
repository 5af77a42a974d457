#!/bin/sh
# Generates the files compose.yaml mounts as secrets, into ./secrets (git-ignored): a database
# password, a KEY_ENCRYPTION_SECRET, and a self-signed certificate for localhost (replace it
# with a real one). Existing files are kept. Needs openssl.
set -eu
cd "$(dirname "$0")/.."
mkdir -p secrets
chmod 700 secrets
[ -f secrets/db_password ] || openssl rand -hex 24 > secrets/db_password
[ -f secrets/key_encryption_secret ] || openssl rand -hex 32 > secrets/key_encryption_secret
if [ ! -f secrets/tls_cert ] || [ ! -f secrets/tls_key ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout secrets/tls_key -out secrets/tls_cert 2>/dev/null
fi
# Readable inside the containers (the service runs as uid 1000, PostgreSQL as uid 999); the
# 0700 directory keeps them private on the host.
chmod 644 secrets/*
echo "secrets written to $(pwd)/secrets"
