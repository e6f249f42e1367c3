// An HTTP/2-only TLS server on loopback for the tests (node's http2 module).
// usage: node h2server.js KEYSTORE.p12 PASSWORD PORTFILE
const http2 = require('http2'), fs = require('fs'), zlib = require('zlib');
const [pfx, passphrase, portFile] = process.argv.slice(2);
const JSON_BODY = '{"service":"h2","items":[1,2,3],"ok":true}';

// Same bytes as H2EndToEndTest.bytes(n, seed).
function bytes(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed * 7 + (i >>> 9)) & 0xff;
  return b;
}

function writeSlowly(stream, body, then) {
  let off = 0;
  (function next() {
    while (off < body.length) {
      const ok = stream.write(body.subarray(off, off + 65536));
      off += 65536;
      if (!ok) return stream.once('drain', next);
    }
    then();
  })();
}

const server = http2.createSecureServer({ pfx: fs.readFileSync(pfx), passphrase, allowHTTP1: false });
server.on('stream', (stream, headers) => {
  // a client may reset a stream it has all it wants of (curl, once it has the Content-Length):
  // that must not end the server the other tests share
  stream.on('error', () => {});
  const url = new URL(headers[':path'], 'https://x');
  const q = url.searchParams;
  const chunks = [];
  stream.on('data', c => chunks.push(c));
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    switch (url.pathname) {
      case '/json':
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        return stream.end(JSON_BODY);
      case '/echo':
        stream.respond({ ':status': 200, 'content-type': headers['content-type'] || 'application/octet-stream' });
        return stream.end(body);
      case '/gzip':
        stream.respond({ ':status': 200, 'content-type': 'application/json', 'content-encoding': 'gzip' });
        return stream.end(zlib.gzipSync(JSON_BODY.repeat(50)));
      case '/bytes': {
        const n = parseInt(q.get('n') || '1024'), seed = parseInt(q.get('seed') || '1');
        stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'content-length': String(n) });
        return writeSlowly(stream, bytes(n, seed), () => stream.end());
      }
      case '/reset':
        // waitForTrailers: node may not end the stream on its own before the reset
        stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' }, { waitForTrailers: true });
        stream.write(bytes(1000, 4));
        return setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), 100);
      case '/push':
        stream.pushStream({ ':path': '/pushed.css' }, (err, push) => {
          if (!err) { push.respond({ ':status': 200, 'content-type': 'text/css' }); push.end('body { color: red }'); }
          stream.respond({ ':status': 200, 'content-type': 'text/html' });
          stream.end('<link rel=stylesheet href=/pushed.css>');
        });
        return;
      case '/grpc':
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' }));
        return stream.end(Buffer.concat([Buffer.from([0, 0, 0, 0, body.length - 5]), body.subarray(5)]));
      default:
        stream.respond({ ':status': 404, 'content-type': 'application/json' });
        return stream.end('{"error":"not found"}');
    }
  });
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
