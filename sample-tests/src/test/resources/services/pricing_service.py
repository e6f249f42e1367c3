"""A pricing service meant to run in a container: an HTTP API that prices orders with a
third-party quotes API over HTTPS (urllib, OpenSSL through _ssl). It loads its configuration
from that API as it starts, before it serves anything."""
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

api = os.environ["QUOTES_API"]
token = os.environ["QUOTES_TOKEN"]
config = json.load(urllib.request.urlopen(api + "/v1/config"))


class Pricing(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/price":
            self.send_error(404)
            return
        query = parse_qs(url.query)
        symbol, quantity = query["symbol"][0], int(query["quantity"][0])
        request = urllib.request.Request(
            api + "/v1/quotes",
            data=json.dumps({"symbol": symbol, "quantity": quantity}).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + token},
        )
        quote = json.load(urllib.request.urlopen(request))
        fx = json.load(urllib.request.urlopen(f"{api}/v1/fx?from={quote['currency']}&to={config['currency']}"))
        body = f"{symbol} x{quantity} = {quote['price'] * quantity * fx['rate']:.2f} {config['currency']}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Pricing)
print("pricing service ready", flush=True)
server.serve_forever()
