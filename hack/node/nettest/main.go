// Command nettest is the workload of the real node's own tests (hack/test/real-node.integration.test.ts):
// a static HTTP server on :8080, built into a local OCI image by hack/build-node.sh, that shows
// what a pod sees of the cluster's network.
//
//	GET /            200, the pod's hostname (which pod answered)
//	GET /readyz      200, or 503 once DELETE /readyz was called
//	DELETE /readyz   turns the readiness probe false (the test watches the pod leave the Service)
//	GET /resolve?name=N   200 with the addresses N resolves to through the pod's resolv.conf, 502 if none
//	GET /fetch?url=U      200 with the body of GET U (another pod or a Service), 502 on failure
//	GET /dial?address=A&send=S   opens TCP to A (host:port), writes S, answers 200 with the first
//	                      line the peer sends back (e.g. Redis' "+PONG"), 502 when it can't connect
package main

import (
	"bufio"
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
	mux.HandleFunc("GET /dial", func(w http.ResponseWriter, r *http.Request) {
		conn, err := net.DialTimeout("tcp", r.URL.Query().Get("address"), 5*time.Second)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if send := r.URL.Query().Get("send"); send != "" {
			if _, err := io.WriteString(conn, send); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			line, _ := bufio.NewReader(conn).ReadString('\n')
			fmt.Fprint(w, strings.TrimSpace(line))
			return
		}
		fmt.Fprint(w, "connected")
	})
	server := &http.Server{Addr: ":8080", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := server.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
