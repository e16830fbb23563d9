// Command steward-invoicing serves Invoicing's gRPC API.
package main

import (
	_ "time/tzdata" // schools' time zones, which issue dates are in, are loaded from the IANA database, present or not on the host

	"steward.dev/services/catalog"
)

func main() { catalog.Main("invoicing") }
