// A Go HTTPS server (h2 and HTTP/1.1) for recordtls's tests, standard library only, with a
// self-signed certificate made at start. Prints its port, then serves:
//   GET /bytes?n=N&seed=S  N bytes, byte i = (i*131 + seed*7 + (i>>9)) & 0xff (as h2server.js)
//   POST /echo             the request body back
// With SLOW_WRITES_MS=N every write returns N ms after its bytes went out on the socket (the
// peer has them, the writer's Write has not returned yet), as a descheduled writer would.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		NextProtos:   []string{"h2", "http/1.1"},
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	var ln net.Listener = tls.NewListener(tcp, cfg)
	if ms, _ := strconv.Atoi(os.Getenv("SLOW_WRITES_MS")); ms > 0 {
		ln = tls.NewListener(slowListener{tcp, time.Duration(ms) * time.Millisecond}, cfg)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/bytes", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		seed, _ := strconv.Atoi(r.URL.Query().Get("seed"))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte((i*131 + seed*7 + (i >> 9)) & 0xff)
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		io.Copy(w, r.Body)
	})
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	panic(http.Serve(ln, mux))
}

type slowListener struct {
	net.Listener
	delay time.Duration
}

func (l slowListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	// net.TCPConn by value, first: the *tls.Conn still leads to the socket's netFD
	return &slowConn{*c.(*net.TCPConn), l.delay}, nil
}

type slowConn struct {
	net.TCPConn
	delay time.Duration
}

func (c *slowConn) Write(b []byte) (int, error) {
	n, err := c.TCPConn.Write(b)
	time.Sleep(c.delay)
	return n, err
}
