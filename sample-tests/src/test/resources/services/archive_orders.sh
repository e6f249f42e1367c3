#!/bin/sh
# Archives a day's orders: fetches them from the orders API and posts them to its archive (wget:
# GnuTLS, one connection per call). GnuTLS does not read SSL_CERT_FILE: wget is given the bundle.
set -eu
day=$1
fetch() { wget --no-config --no-hsts -q -O - --ca-certificate="$SSL_CERT_FILE" "$@"; }
orders=$(fetch "$ORDERS_API/v1/orders?day=$day")
archived=$(fetch --header='Content-Type: text/csv' --post-data="$orders" "$ORDERS_API/v1/archive/$day")
echo "archived $(printf '%s\n' "$orders" | wc -l) orders of $day as $archived"
