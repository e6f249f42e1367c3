// A Go HTTPS load: CONNS goroutines, each on its own keep-alive connection (crypto/tls, net/http's
// HTTP/1.1 transport), GETting URL for SECONDS, each body read to its end. Prints one line:
// "<requests> <requests/s> <MB/s of bodies>". Built by benchmarks/run.sh with the standard library only.
//
//	go build -o goload GoLoad.go && ./goload URL CA.pem CONNS SECONDS
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: goload URL CA.pem CONNS SECONDS")
		os.Exit(2)
	}
	url, caFile := os.Args[1], os.Args[2]
	conns, err1 := strconv.Atoi(os.Args[3])
	seconds, err2 := strconv.Atoi(os.Args[4])
	if err1 != nil || err2 != nil || conns < 1 || seconds < 1 {
		fmt.Fprintln(os.Stderr, "goload: CONNS and SECONDS are positive integers")
		os.Exit(2)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goload:", err)
		os.Exit(1)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	transport := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: roots},
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		ForceAttemptHTTP2:   false, // nginx here speaks HTTP/1.1 only, as wrk does
	}
	client := &http.Client{Transport: transport}

	var requests, bodyBytes int64
	var failed atomic.Value
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := client.Get(url)
				if err != nil {
					failed.Store(err)
					return
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					failed.Store(fmt.Errorf("status %d, %v", resp.StatusCode, err))
					return
				}
				atomic.AddInt64(&requests, 1)
				atomic.AddInt64(&bodyBytes, n)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if err, ok := failed.Load().(error); ok {
		fmt.Fprintln(os.Stderr, "goload:", err)
		os.Exit(1)
	}
	fmt.Printf("%d %.0f %.1f\n", requests, float64(requests)/elapsed, float64(bodyBytes)/elapsed/1e6)
}
