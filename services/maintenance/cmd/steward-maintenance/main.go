// Command steward-maintenance serves Maintenance Intelligence's gRPC API.
package main

import (
	_ "time/tzdata" // homes' time zones are checked against the IANA database, present or not on the host

	"steward.dev/services/catalog"
)

func main() { catalog.Main("maintenance") }
