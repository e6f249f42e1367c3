// Reserves stock for an order with the warehouse API (Go's net/http: crypto/tls, HTTP/2 when the
// API offers it; GODEBUG=http2client=0 makes it HTTP/1.1). Standard library only:
//
//	STOCK_API=https://... stock_service SKU QUANTITY
//
// It trusts the system's CAs, or the bundle SSL_CERT_FILE names (crypto/x509 reads it on Linux).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
)

type stock struct {
	Sku       string `json:"sku"`
	Available int    `json:"available"`
}

type reservation struct {
	Sku      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

type reserved struct {
	ID string `json:"id"`
}

func main() {
	api := os.Getenv("STOCK_API")
	sku := os.Args[1]
	quantity, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fail("quantity", err)
	}

	var s stock
	call(http.Get(api + "/v1/stock/" + sku)).decode(&s)
	if s.Available < quantity {
		fmt.Printf("only %d of %s left\n", s.Available, sku)
		os.Exit(1)
	}

	body, _ := json.Marshal(reservation{Sku: sku, Quantity: quantity})
	var r reserved
	call(http.Post(api+"/v1/reservations", "application/json", bytes.NewReader(body))).decode(&r)
	fmt.Printf("reserved %d of %d %s: %s\n", quantity, s.Available, sku, r.ID)
}

type response struct{ *http.Response }

func call(resp *http.Response, err error) response {
	if err != nil {
		fail("call the warehouse API", err)
	}
	if resp.StatusCode/100 != 2 {
		fail(resp.Request.URL.String(), fmt.Errorf("status %s", resp.Status))
	}
	return response{resp}
}

func (r response) decode(into any) {
	defer r.Body.Close()
	if err := json.NewDecoder(r.Body).Decode(into); err != nil {
		fail("read "+r.Request.URL.String(), err)
	}
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}
