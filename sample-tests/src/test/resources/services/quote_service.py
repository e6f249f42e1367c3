"""Prices an order: asks the quotes API for a price and an exchange rate (urllib, OpenSSL via _ssl)."""
import json
import os
import sys
import urllib.request

api = os.environ["QUOTES_API"]
token = os.environ["QUOTES_TOKEN"]
symbol, quantity = sys.argv[1], int(sys.argv[2])

request = urllib.request.Request(
    api + "/v1/quotes",
    data=json.dumps({"symbol": symbol, "quantity": quantity}).encode(),
    headers={"Content-Type": "application/json", "Authorization": "Bearer " + token},
)
quote = json.load(urllib.request.urlopen(request))
fx = json.load(urllib.request.urlopen(api + "/v1/fx?from=" + quote["currency"] + "&to=EUR"))
print(f"{symbol} x{quantity} = {quote['price'] * quantity * fx['rate']:.2f} EUR")
