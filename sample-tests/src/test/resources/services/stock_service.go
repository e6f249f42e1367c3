// Reserves stock for an order with the warehouse API (Go's net/http: crypto/tls, HTTP/2 when the
// API offers it; GODEBUG=http2client=0 makes it HTTP/1.1). Standard library only:
//
//	STOCK_API=https://... stock_service SKU QUANTITY    once, from the command line
//	STOCK_API=https://... PORT=N stock_service          as a service: GET /reserve?sku=SKU&quantity=N
//
// It trusts the system's CAs, or the bundle SSL_CERT_FILE names (crypto/x509 reads it on Linux).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
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
	if port := os.Getenv("PORT"); port != "" {
		serve(api, port)
		return
	}
	quantity, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fail("quantity", err)
	}
	out, err := reserve(api, os.Args[1], quantity)
	if err != nil {
		fail("reserve", err)
	}
	fmt.Println(out)
}

func serve(api, port string) {
	http.HandleFunc("/reserve", func(w http.ResponseWriter, r *http.Request) {
		quantity, err := strconv.Atoi(r.URL.Query().Get("quantity"))
		if err != nil {
			http.Error(w, "quantity: "+err.Error(), http.StatusBadRequest)
			return
		}
		out, err := reserve(api, r.URL.Query().Get("sku"), quantity)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, out)
	})
	fmt.Println("stock service ready")
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, nil))
}

// reserve checks the stock of sku, then reserves quantity of it: what was done, in a line.
func reserve(api, sku string, quantity int) (string, error) {
	var s stock
	if err := call(http.Get(api + "/v1/stock/" + sku)).decode(&s); err != nil {
		return "", err
	}
	if s.Available < quantity {
		return fmt.Sprintf("only %d of %s left", s.Available, sku), nil
	}
	body, _ := json.Marshal(reservation{Sku: sku, Quantity: quantity})
	var r reserved
	if err := call(http.Post(api+"/v1/reservations", "application/json", bytes.NewReader(body))).decode(&r); err != nil {
		return "", err
	}
	return fmt.Sprintf("reserved %d of %d %s: %s", quantity, s.Available, sku, r.ID), nil
}

type response struct {
	*http.Response
	err error
}

func call(resp *http.Response, err error) response {
	if err != nil {
		return response{nil, fmt.Errorf("call the warehouse API: %w", err)}
	}
	if resp.StatusCode/100 != 2 {
		resp.Body.Close()
		return response{nil, fmt.Errorf("%s: status %s", resp.Request.URL, resp.Status)}
	}
	return response{resp, nil}
}

func (r response) decode(into any) error {
	if r.err != nil {
		return r.err
	}
	defer r.Body.Close()
	if err := json.NewDecoder(r.Body).Decode(into); err != nil {
		return fmt.Errorf("read %s: %w", r.Request.URL, err)
	}
	return nil
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}
