// Command nettest is the workload of the real node's own tests (hack/test/real-node.integration.test.ts):
// a static HTTP server on :8080, built into a local OCI image by hack/build-node.sh, that shows
// what a pod sees of the cluster's network.
//
//	GET /            200, the pod's hostname (which pod answered)
//	GET /readyz      200, or 503 once DELETE /readyz was called
//	DELETE /readyz   turns the readiness probe false (the test watches the pod leave the Service)
//	GET /resolve?name=N   200 with the addresses N resolves to through the pod's resolv.conf, 502 if none
//	GET /fetch?url=U      200 with the body of GET U (another pod or a Service), 502 on failure
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	hostname, _ := os.Hostname()
	var unready atomic.Bool
	// a new connection per request: a kept-alive one would stay with the pod it first reached,
	// and the tests watch the Service choose among its endpoints
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, hostname) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if unready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	})
	mux.HandleFunc("DELETE /readyz", func(w http.ResponseWriter, _ *http.Request) {
		unready.Store(true)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /resolve", func(w http.ResponseWriter, r *http.Request) {
		addresses, err := net.DefaultResolver.LookupHost(r.Context(), r.URL.Query().Get("name"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, strings.Join(addresses, "\n"))
	})
	mux.HandleFunc("GET /fetch", func(w http.ResponseWriter, r *http.Request) {
		response, err := client.Get(r.URL.Query().Get("url"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer response.Body.Close()
		w.WriteHeader(response.StatusCode)
		io.Copy(w, response.Body)
	})
	server := &http.Server{Addr: ":8080", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := server.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
