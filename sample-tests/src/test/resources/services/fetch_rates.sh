#!/bin/sh
# Fetches today's exchange rates with NSS (tstclnt from libnss3-tools: Firefox's TLS library, not
# OpenSSL or GnuTLS). NSS trusts a certificate database, not a PEM bundle: one is made from
# SSL_CERT_FILE (in both environments the CA to trust).
set -eu
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
certutil -N -d "sql:$db" --empty-password
# certutil imports one certificate per call, and the API's CA is the bundle's last (the system's
# CAs come first, in the test's bundle and in the replay's): that one alone
awk '/BEGIN CERTIFICATE/ { pem = "" } { pem = pem $0 "\n" } END { printf "%s", pem }' "$SSL_CERT_FILE" > "$db/api-ca.pem"
certutil -A -d "sql:$db" -n api-ca -t "C,," -i "$db/api-ca.pem"
hostport=${RATES_API#https://}
printf 'GET /v1/rates?base=EUR HTTP/1.1\r\nHost: %s\r\nUser-Agent: rates-check/1.0\r\nAccept: application/json\r\nConnection: close\r\n\r\n' \
  "$hostport" > "$db/request"
# -4: the APIs listen on 127.0.0.1, and tstclnt tries one address of the name only
tstclnt -4 -h "${hostport%%:*}" -p "${hostport##*:}" -d "sql:$db" -A "$db/request" > "$db/response" 2> "$db/log" \
  || { cat "$db/log" >&2; exit 1; }
# the body: what follows the blank line after the headers
tr -d '\r' < "$db/response" | sed '1,/^$/d'
