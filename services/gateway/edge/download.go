package edge

// contentDispositionKey is the response metadata in which a backend names a
// download: GetInvoicePdf's `attachment; filename="INV-2027-000042.pdf"`.
const contentDispositionKey = "content-disposition"

// outgoingHeader picks the backend metadata that becomes response headers:
// a download's Content-Disposition, nothing else. Other metadata stays
// internal; the request id goes out through forwardHeaders.
func outgoingHeader(key string) (string, bool) {
	if key == contentDispositionKey {
		return "Content-Disposition", true
	}
	return "", false
}
