// Command steward-accounts serves the tenant directory: which tenants a
// caller belongs to.
package main

import "steward.dev/services/catalog"

func main() { catalog.Main("accounts") }
