module kathelfer.io/hack/node/pause

go 1.26.0
