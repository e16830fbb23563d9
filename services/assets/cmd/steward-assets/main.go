// Command steward-assets serves the Asset Management gRPC API.
package main

import (
	_ "time/tzdata" // time zones are validated against the IANA database, present or not on the host

	"steward.dev/services/catalog"
)

func main() { catalog.Main("assets") }
