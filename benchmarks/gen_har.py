"""Writes a synthetic HAR of N distinct GET exchanges (JSON bodies) for the stub-generation benchmark."""
import json
import sys

n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    out.write('{"log":{"version":"1.2","creator":{"name":"gen_har","version":"1"},"entries":[')
    for i in range(n):
        entry = {
            "startedDateTime": "2026-11-26T10:00:00.000Z", "time": 1,
            "request": {"method": "GET", "url": f"https://api.bench.test/v1/items/{i}?view=full", "httpVersion": "HTTP/1.1",
                        "headers": [{"name": "Accept", "value": "application/json"}], "queryString": [], "cookies": [],
                        "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "Content-Type", "value": "application/json"}], "cookies": [],
                         "content": {"size": 60, "mimeType": "application/json", "text": json.dumps({"id": i, "name": f"item {i}", "ok": True})},
                         "redirectURL": "", "headersSize": -1, "bodySize": 60},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
        }
        out.write(("," if i else "") + json.dumps(entry))
    out.write("]}}\n")
