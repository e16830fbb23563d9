// Command steward-booking serves the school directory's gRPC API.
package main

import (
	_ "time/tzdata" // school time zones are checked against the IANA database, present or not on the host

	"steward.dev/services/catalog"
)

func main() { catalog.Main("booking") }
