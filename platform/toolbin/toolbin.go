// Package toolbin finds the tools the project builds into its bin/ (the
// development sinks its tests start: mailpit, stripe-mock). A missing tool
// is an error that says how to build it, never a reason to skip.
package toolbin

import (
	"fmt"
	"os"
	"path/filepath"
)

// Path returns bin/<name> of the repository, found from the working
// directory up to the folder holding go.work.
func Path(name string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			bin := filepath.Join(dir, "bin", name)
			if _, err := os.Stat(bin); err != nil {
				return "", fmt.Errorf("%s is missing: build it with `make tools` "+
					"(GOWORK=off GOBIN=$PWD/bin go -C tools install tool)", bin)
			}
			return bin, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work above the working directory: bin/%s cannot be found", name)
		}
		dir = parent
	}
}
