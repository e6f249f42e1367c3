// A Go HTTPS client for recordtls's tests, standard library only: client.go CA_PEM h1|h2 REQUEST...
// where REQUEST is a URL to GET or POST:URL|BODY. Prints "PROTO STATUS BYTES" per request.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	pem, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	h2 := os.Args[2] == "h2"
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: h2}
	if !h2 {
		// a non-nil empty map turns HTTP/2 off
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	c := &http.Client{Transport: tr}
	for _, a := range os.Args[3:] {
		var resp *http.Response
		if strings.HasPrefix(a, "POST:") {
			parts := strings.SplitN(a[5:], "|", 2)
			resp, err = c.Post(parts[0], "application/json", strings.NewReader(parts[1]))
		} else {
			resp, err = c.Get(a)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(resp.Proto, resp.StatusCode, n)
	}
	tr.CloseIdleConnections()
}
