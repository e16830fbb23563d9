// Command steward-catalog prints what the Makefile derives from the services
// catalog, so the Makefile keeps no list of services of its own.
//
//	steward-catalog binaries   the Go package of every binary `make build` builds
package main

import (
	"fmt"
	"os"

	"steward.dev/services/catalog"
)

func main() {
	if len(os.Args) != 2 || os.Args[1] != "binaries" {
		fmt.Fprintln(os.Stderr, "usage: steward-catalog binaries")
		os.Exit(2)
	}
	for _, p := range catalog.Binaries() {
		fmt.Println(p)
	}
}
