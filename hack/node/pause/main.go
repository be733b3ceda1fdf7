// Command pause is the pod sandbox's process on the local real node: it holds the pod's
// namespaces, reaps orphaned children (it is PID 1 of the sandbox) and exits on SIGINT or
// SIGTERM. It does what registry.k8s.io/pause does (kubernetes/build/pause/linux/pause.c); that
// image can't be pulled here, so hack/build-node.sh builds this one into a local OCI image.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if os.Getpid() != 1 {
		os.Stderr.WriteString("pause: warning: not PID 1, orphans will not be reaped here\n")
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
