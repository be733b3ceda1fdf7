module kathelfer.io/hack/node/nettest

go 1.26.0
