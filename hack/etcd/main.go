// Command etcd is the etcd server, built from the pinned go.etcd.io/etcd/server/v3 module.
// etcd's own main module carries replace directives, so `go install` of it is refused; a
// wrapper whose main calls etcdmain.Main is the supported way to build it from a module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
