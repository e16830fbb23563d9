package server

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/invoicepdf"
	"steward.dev/services/invoicing/internal/ledger"
)

// contentDispositionKey is the response metadata the gateway answers as the
// Content-Disposition header of a download.
const contentDispositionKey = "content-disposition"

// GetInvoicePdf answers the invoice as a PDF, rendered from the same
// ledger.Invoice GetInvoice answers and read under the same rule (another
// family's invoice, or a draft, is NOT_FOUND for a PARENT), downloaded as
// "INV-2027-000042.pdf" ("draft-<id>.pdf" before it has a number).
func (s *InvoiceServer) GetInvoicePdf(ctx context.Context, req *invoicingv1.GetInvoicePdfRequest) (*httpbody.HttpBody, error) {
	n, err := invoicePattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	res := s.resource()
	seen, err := res.Read(ctx, res.Queries(s.ledger.DB().Scoped(ctx)), n)
	if err != nil {
		return nil, aip.NotFoundAs(err, req.GetName())
	}
	// Booking's and Accounts' parts are read before the transaction, which
	// then reads the invoice again with its payments, so that the two agree.
	tenant := n.ID("tenant")
	family, err := s.src.Family(ctx, tenant, seen.FamilyID)
	if err != nil {
		return nil, err
	}
	name, err := s.src.TenantName(ctx, tenant)
	if err != nil {
		return nil, err
	}
	zone := time.UTC // printed only with payments
	if seen.Paid != 0 {
		school, err := s.src.School(ctx, tenant)
		if err != nil {
			return nil, err
		}
		zone = school.Zone
	}
	var (
		inv ledger.Invoice
		doc invoicepdf.Document
	)
	err = s.ledger.DB().InTx(ctx, func(tx tenantdb.DBTX) error {
		var err error
		if inv, err = s.ledger.Load(ctx, tx, seen.ID); err != nil {
			return err
		}
		doc, err = invoicepdf.Compose(ctx, tx, inv, name, family, zone)
		return err
	})
	if err != nil {
		return nil, err
	}
	pdf, err := invoicepdf.Render(doc)
	if err != nil {
		return nil, err
	}
	disposition := fmt.Sprintf("attachment; filename=%q", invoicepdf.Filename(inv))
	if err := grpc.SetHeader(ctx, metadata.Pairs(contentDispositionKey, disposition)); err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: invoicepdf.ContentType, Data: pdf}, nil
}
