package e2e_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"steward.dev/services/invoicing/pdftext"
)

// TestInvoicePdfThroughGateway: an invoice's PDF downloads through the
// gateway as the file itself (application/pdf, not JSON) under its number,
// `Content-Disposition: attachment; filename="INV-2027-000042.pdf"`, a
// draft's as "draft-<id>.pdf", with the API's amount due in its text; a
// PARENT gets their own family's issued invoice and a 404 for another
// family's, and for their own draft.
func TestInvoicePdfThroughGateway(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	admin, parent := s.token(t, schoolAdmin), s.token(t, "maria.garcia@family.example")
	school := "tenants/" + s.summary.SchoolTenantID.String()

	var families struct {
		Families []struct{ Name, DisplayName string }
	}
	if code := s.httpDo(t, http.MethodGet, "/v1/"+school+"/families?pageSize=1000", parent, "", &families); code != http.StatusOK || len(families.Families) != 1 {
		t.Fatalf("the PARENT's families: HTTP %d, %+v", code, families)
	}
	garcia := families.Families[0].Name
	if code := s.httpDo(t, http.MethodGet, "/v1/"+school+"/families?pageSize=2", admin, "", &families); code != http.StatusOK || len(families.Families) != 2 {
		t.Fatalf("the school's families: HTTP %d", code)
	}
	other := families.Families[0].Name
	if other == garcia {
		other = families.Families[1].Name
	}

	invoice := func(family string, issue bool) (name, number string) {
		t.Helper()
		var inv struct{ Name, Number string }
		body := `{"family": "` + family + `", "currencyCode": "AUD", "lines": [{"kind": "KIND_CUSTOM", "description": "Exam entry fee",
			"quantity": 1, "unitAmount": {"currencyCode": "AUD", "amountMinor": "4500"}}]}`
		if code := s.httpDo(t, http.MethodPost, "/v1/"+school+"/invoices", admin, body, &inv); code != http.StatusOK {
			t.Fatalf("create invoice: HTTP %d", code)
		}
		if issue {
			if code := s.httpDo(t, http.MethodPost, "/v1/"+inv.Name+":issue", admin, "{}", &inv); code != http.StatusOK || inv.Number == "" {
				t.Fatalf("issue: HTTP %d, %+v", code, inv)
			}
		}
		return inv.Name, inv.Number
	}
	download := func(name, bearer string) (int, http.Header, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, s.gatewayURL+"/v1/"+name+"/invoice.pdf", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, body
	}

	ours, number := invoice(garcia, true)
	code, header, body := download(ours, parent)
	if code != http.StatusOK || header.Get("Content-Type") != "application/pdf" ||
		header.Get("Content-Disposition") != `attachment; filename="`+number+`.pdf"` || !strings.HasPrefix(string(body), "%PDF-") {
		t.Fatalf("the PARENT's invoice: HTTP %d %q %q %.20q", code, header.Get("Content-Type"), header.Get("Content-Disposition"), body)
	}
	rows, err := pdftext.Rows(body)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		found = found || r.String() == "Amount due | $45.00"
	}
	if !found {
		t.Errorf("no amount due of $45.00 in the PDF: %q", rows)
	}

	theirs, _ := invoice(other, true)
	if code, header, _ := download(theirs, parent); code != http.StatusNotFound || header.Get("Content-Disposition") != "" {
		t.Errorf("another family's invoice for the PARENT: HTTP %d, Content-Disposition %q", code, header.Get("Content-Disposition"))
	}
	if code, header, _ := download(theirs, admin); code != http.StatusOK || !strings.HasPrefix(header.Get("Content-Disposition"), `attachment; filename="INV-`) {
		t.Errorf("the ADMIN: HTTP %d, %q", code, header.Get("Content-Disposition"))
	}
	draft, _ := invoice(garcia, false)
	if code, _, _ := download(draft, parent); code != http.StatusNotFound {
		t.Errorf("the PARENT's draft: HTTP %d, want 404", code)
	}
	id := draft[strings.LastIndex(draft, "/")+1:]
	if code, header, _ := download(draft, admin); code != http.StatusOK || header.Get("Content-Disposition") != `attachment; filename="draft-`+id+`.pdf"` {
		t.Errorf("the ADMIN's draft: HTTP %d, %q", code, header.Get("Content-Disposition"))
	}
}
