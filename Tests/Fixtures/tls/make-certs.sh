#!/usr/bin/env bash
# Regenerates the TEST-ONLY certificates of the HTTPS embedder tests (openssl):
# a test CA and a server certificate it signed for 127.0.0.1 and localhost, and a
# self-signed certificate for the same names. Valid for 100 years. Never trust these.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/ca.key" -out TEST-ONLY-ca.pem \
  -days 36500 -subj "/CN=ai-mem TEST-ONLY CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout TEST-ONLY-server.key -out "$tmp/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$tmp/ext"
openssl x509 -req -in "$tmp/server.csr" -CA TEST-ONLY-ca.pem -CAkey "$tmp/ca.key" -set_serial 2 -out TEST-ONLY-server.pem -days 36500 -extfile "$tmp/ext" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout TEST-ONLY-self-signed.key -out TEST-ONLY-self-signed.pem \
  -days 36500 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
echo "made TEST-ONLY-ca.pem, TEST-ONLY-server.{pem,key}, TEST-ONLY-self-signed.{pem,key}"
