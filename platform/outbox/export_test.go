package outbox

import "github.com/google/uuid"

// CrashAfterSend makes d fail between the send and the commit that records
// it, as a crash there would, while crash returns true.
func CrashAfterSend(d *Deliverer, crash func(id uuid.UUID) bool) {
	d.afterSend = func(id uuid.UUID) error {
		if crash(id) {
			return errCrash
		}
		return nil
	}
}

var errCrash = crashError{}

type crashError struct{}

func (crashError) Error() string { return "outbox test: crashed after the send, before the commit" }

// ErrCrash is what a delivery crashed by CrashAfterSend returns.
var ErrCrash error = errCrash
