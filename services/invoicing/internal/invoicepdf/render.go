package invoicepdf

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"steward.dev/services/invoicing/internal/pricing"
)

// ContentType is the media type of what Render returns.
const ContentType = "application/pdf"

// The two faces, by the family names gopdf knows them by.
const (
	regular = "go"
	bold    = "go-bold"
)

// fonts parses the Go fonts once per process; every render takes its
// subsets from the parsed tables (gopdf copies a container's font per
// document, so renders running at once share nothing mutable).
var fonts = sync.OnceValues(func() (*gopdf.FontContainer, error) {
	var c gopdf.FontContainer
	if err := c.AddTTFFontData(regular, goregular.TTF); err != nil {
		return nil, fmt.Errorf("invoicepdf: Go Regular: %w", err)
	}
	if err := c.AddTTFFontData(bold, gobold.TTF); err != nil {
		return nil, fmt.Errorf("invoicepdf: Go Bold: %w", err)
	}
	return &c, nil
})

// The page: A4 in points, with its margins.
const (
	pageW, pageH = 595.28, 841.89
	margin       = 50.0
	right        = pageW - margin
	bottom       = pageH - 60 // the footer sits below
	bodySize     = 9.5
	lineH        = 13.0
)

// Render returns d as a PDF. It fails only on a font the process cannot
// parse, or on a Document no invoice has (an unknown state).
func Render(d Document) ([]byte, error) {
	c, err := fonts()
	if err != nil {
		return nil, err
	}
	r := &renderer{d: d}
	r.pdf.Start(gopdf.Config{PageSize: gopdf.Rect{W: pageW, H: pageH}, Unit: gopdf.UnitPT})
	// The pages' content (a few KB of text operators) stays uncompressed:
	// its compressor alone is an eighth of a render's CPU, for 3 KB. The
	// font subsets, most of the file, gopdf always compresses.
	r.pdf.SetNoCompression()
	r.pdf.SetInfo(gopdf.PdfInfo{Title: d.title(), Author: d.School.Name, Creator: "Steward"})
	for _, f := range []string{regular, bold} {
		if err := r.pdf.AddTTFFontFromFontContainer(f, c); err != nil {
			return nil, fmt.Errorf("invoicepdf: %s: %w", f, err)
		}
	}
	if err := r.document(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(32 << 10)
	if _, err := r.pdf.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("invoicepdf: write: %w", err)
	}
	return buf.Bytes(), nil
}

// title is what the document calls itself: a tax invoice where the school
// is registered for the tax it charges.
func (d Document) title() string {
	switch {
	case d.State == StateDraft:
		return "Draft invoice"
	case d.School.TaxID != "" && d.Tax.RateBP > 0:
		return "Tax invoice"
	}
	return "Invoice"
}

// renderer lays a Document out page by page; err keeps the first failure
// so that the layout code reads top to bottom.
type renderer struct {
	d    Document
	pdf  gopdf.GoPdf
	y    float64
	page int
	err  error
}

func (r *renderer) document() error {
	if r.d.State < StateDraft || r.d.State > StateVoid {
		return fmt.Errorf("invoicepdf: state %d", r.d.State)
	}
	r.newPage()
	r.header()
	r.parties()
	r.lines()
	r.totals()
	r.creditNotes()
	r.payments()
	r.paragraph("How to pay", r.d.PaymentInstructions)
	r.paragraph("Notes", r.d.Notes)
	return r.err
}

func (r *renderer) newPage() {
	r.pdf.AddPage()
	r.page++
	r.y = margin
	r.footer()
	switch r.d.State {
	case StateDraft:
		r.banner("DRAFT: not yet issued, not payable")
	case StateVoid:
		r.banner("VOID: " + oneLine(r.d.VoidReason))
	}
}

// footer names the invoice and the page at the foot of every page.
func (r *renderer) footer() {
	name := r.d.Number
	if name == "" {
		name = r.d.title()
	}
	w := pageW - 2*margin - 60 // "Page N" on the right
	r.text(regular, 8, margin, pageH-40, w, gopdf.Left, r.truncate(regular, 8, oneLine(r.d.School.Name)+" · "+name, w))
	r.text(regular, 8, margin, pageH-40, pageW-2*margin, gopdf.Right, "Page "+strconv.Itoa(r.page))
}

func (r *renderer) banner(s string) {
	r.pdf.SetTextColor(180, 30, 30)
	r.text(bold, 11, margin, r.y, pageW-2*margin, gopdf.Left, r.truncate(bold, 11, s, pageW-2*margin))
	r.pdf.SetTextColor(0, 0, 0)
	r.y += 20
}

// header: the school on the left, the title, number and dates on the right.
func (r *renderer) header() {
	top := r.y
	s := r.d.School
	for i, l := range r.split(bold, 16, 290, s.Name) {
		r.text(bold, 16, margin, r.y, 290, gopdf.Left, l)
		r.y += 20
		if i == 0 {
			r.y += 2 // the right column's first field is level with the next line
		}
	}
	if s.LegalName != "" && s.LegalName != s.Name {
		r.y = r.wrapped(regular, bodySize, margin, r.y, 300, s.LegalName)
	}
	if s.TaxID != "" {
		r.y = r.wrapped(regular, bodySize, margin, r.y, 300, s.TaxID)
	}
	for _, l := range s.Address {
		r.y = r.wrapped(regular, bodySize, margin, r.y, 300, l)
	}
	left := r.y

	r.y = top
	r.text(bold, 16, 360, r.y, right-360, gopdf.Right, r.d.title())
	r.y += 22
	r.field("Invoice number", r.d.Number)
	r.field("Issue date", r.d.IssueDate)
	r.field("Due date", r.d.DueDate)
	r.field("Status", r.d.State.String())
	r.y = max(r.y, left) + 16
}

// field is a label and its value on the header's right.
func (r *renderer) field(label, value string) {
	if value == "" {
		return
	}
	r.text(regular, bodySize, 360, r.y, 90, gopdf.Left, label)
	r.text(bold, bodySize, 450, r.y, right-450, gopdf.Right, value)
	r.y += lineH
}

func (r *renderer) parties() {
	f := r.d.Family
	r.text(bold, bodySize, margin, r.y, 300, gopdf.Left, "Bill to")
	r.y += lineH
	for _, l := range append([]string{f.Name, f.ContactName, f.ContactEmail}, f.Address...) {
		if l != "" {
			r.y = r.wrapped(regular, bodySize, margin, r.y, 300, l)
		}
	}
	r.y += 14
}

// The columns of the lines table: the description's right edge and each
// number's (right-aligned, wide enough for the contract's largest: a line
// of 1000 × $1,000,000.00). The tax column is there only under per-line
// rounding, where each line carries its own.
type columns struct{ desc, qty, unit, tax, amount float64 }

func (r *renderer) columns() columns {
	if r.d.Tax.PerLine {
		return columns{desc: 262, qty: 292, unit: 370, tax: 450, amount: right}
	}
	return columns{desc: 342, qty: 372, unit: 450, amount: right}
}

// cells writes one row of the table's numbers at y, each right-aligned to
// its column's edge; tax is left out without the tax column.
func (r *renderer) cells(font string, y float64, qty, unit, tax, amount string) {
	c := r.columns()
	left := c.desc
	for _, cell := range []struct {
		edge float64
		s    string
	}{{c.qty, qty}, {c.unit, unit}, {c.tax, tax}, {c.amount, amount}} {
		if cell.edge == 0 {
			continue
		}
		r.text(font, bodySize, left+4, y, cell.edge-left-4, gopdf.Right, cell.s)
		left = cell.edge
	}
}

func (r *renderer) tableHeader() {
	c := r.columns()
	r.text(bold, bodySize, margin, r.y, c.desc-margin, gopdf.Left, "Description")
	tax := ""
	if r.d.Tax.PerLine {
		tax = r.taxLabel()
	}
	r.cells(bold, r.y, "Qty", "Unit price", tax, "Amount")
	r.y += lineH + 2
	r.rule()
}

func (r *renderer) lines() {
	r.tableHeader()
	c := r.columns()
	for _, l := range r.d.Lines {
		desc := r.split(regular, bodySize, c.desc-margin-6, l.Description)
		if r.y+float64(len(desc))*lineH > bottom {
			r.newPage()
			r.tableHeader()
		}
		y := r.y
		for _, s := range desc {
			r.text(regular, bodySize, margin, r.y, c.desc-margin-6, gopdf.Left, s)
			r.y += lineH
		}
		qty, unit, tax := "", "", ""
		switch {
		case l.PercentBP != 0:
			unit = percent(l.PercentBP)
		case l.UnitMinor != 0:
			qty, unit = strconv.FormatInt(max(l.Quantity, 1), 10), r.money(l.UnitMinor)
		}
		if r.d.Tax.PerLine {
			tax = r.money(l.TaxMinor)
		}
		r.cells(regular, y, qty, unit, tax, r.money(l.AmountMinor))
		r.y += 2
	}
	r.rule()
	r.y += 4
}

// totals prints the sums the way the tax rule reads: with prices including
// the tax, the total and the tax inside it; excluding it, the net, the tax
// on top and the total. Amounts taken off print negative; rows of nothing
// taken off are left out.
func (r *renderer) totals() {
	t := r.d.Totals
	type row struct {
		label  string
		amount int64
		always bool
	}
	rows := []row{{"Charges", t.Charges, true}, {"Discounts", -t.Discounts, false}}
	if r.d.Tax.Inclusive {
		rows = append(rows, row{"Total including " + r.d.Tax.Label, t.Total, true}, row{r.taxLabel() + " included", t.Tax, true})
	} else {
		rows = append(rows, row{"Total before " + r.d.Tax.Label, t.Taxable, true}, row{r.taxLabel(), t.Tax, true}, row{"Total", t.Total, true})
	}
	rows = append(rows, row{"Credits", -t.Credits, false}, row{"Credit notes", -t.Credited, false}, row{"Paid", -t.Paid, false})
	for _, row := range rows {
		if row.always || row.amount != 0 {
			r.total(regular, row.label, row.amount)
		}
	}
	r.y += 2
	r.total(bold, "Amount due", t.AmountDue)
	r.y += 12
}

func (r *renderer) total(font, label string, amount int64) {
	r.need(lineH)
	r.text(font, bodySize+0.5, 300, r.y, 130, gopdf.Left, label)
	r.text(font, bodySize+0.5, 430, r.y, right-430, gopdf.Right, r.money(amount))
	r.y += lineH + 1
}

func (r *renderer) creditNotes() {
	if len(r.d.CreditNotes) == 0 {
		return
	}
	r.section("Credit notes")
	for _, n := range r.d.CreditNotes {
		r.need(lineH)
		r.text(regular, bodySize, margin, r.y, 100, gopdf.Left, n.Number)
		r.text(regular, bodySize, margin+100, r.y, 90, gopdf.Left, n.Date)
		r.text(regular, bodySize, margin+190, r.y, 190, gopdf.Left, r.truncate(regular, bodySize, oneLine(n.Reason), 185))
		r.text(regular, bodySize, 430, r.y, right-430, gopdf.Right, r.money(n.AmountMinor))
		r.y += lineH
	}
	r.y += 10
}

func (r *renderer) payments() {
	if len(r.d.Payments) == 0 {
		return
	}
	r.section("Payments received")
	for _, p := range r.d.Payments {
		r.need(lineH)
		r.text(regular, bodySize, margin, r.y, 90, gopdf.Left, p.Date)
		r.text(regular, bodySize, margin+90, r.y, 100, gopdf.Left, p.Method)
		r.text(regular, bodySize, margin+190, r.y, 190, gopdf.Left, r.truncate(regular, bodySize, oneLine(p.Reference), 185))
		r.text(regular, bodySize, 430, r.y, right-430, gopdf.Right, r.money(p.AmountMinor))
		r.y += lineH
	}
	r.y += 10
}

func (r *renderer) paragraph(title, body string) {
	body = strings.TrimSpace(body)
	if body == "" {
		return
	}
	r.section(title)
	for _, s := range r.split(regular, bodySize, pageW-2*margin, body) {
		r.need(lineH)
		r.text(regular, bodySize, margin, r.y, pageW-2*margin, gopdf.Left, s)
		r.y += lineH
	}
	r.y += 10
}

func (r *renderer) section(title string) {
	r.need(3 * lineH)
	r.text(bold, bodySize+1, margin, r.y, pageW-2*margin, gopdf.Left, title)
	r.y += lineH + 2
}

// need starts a new page unless h more points fit on this one.
func (r *renderer) need(h float64) {
	if r.y+h > bottom {
		r.newPage()
	}
}

func (r *renderer) rule() {
	r.pdf.SetLineWidth(0.5)
	r.pdf.SetStrokeColor(150, 150, 150)
	r.pdf.Line(margin, r.y, right, r.y)
	r.y += 4
}

// text writes s in a box of width w at x, y (its top), aligned left or
// right.
func (r *renderer) text(font string, size, x, y, w float64, align int, s string) {
	if r.err != nil || s == "" {
		return
	}
	if r.err = r.pdf.SetFont(font, "", size); r.err != nil {
		return
	}
	r.pdf.SetXY(x, y)
	r.err = r.pdf.CellWithOption(&gopdf.Rect{W: w, H: size + 2}, s, gopdf.CellOption{Align: align | gopdf.Top})
}

// wrapped writes s over as many lines of width w as it takes, and returns
// the y below them.
func (r *renderer) wrapped(font string, size, x, y, w float64, s string) float64 {
	for _, l := range r.split(font, size, w, s) {
		r.text(font, size, x, y, w, gopdf.Left, l)
		y += lineH
	}
	return y
}

// split breaks s into lines of at most w points at its newlines and
// between words, and inside a word longer than a line.
func (r *renderer) split(font string, size, w float64, s string) []string {
	if r.err != nil {
		return nil
	}
	if r.err = r.pdf.SetFont(font, "", size); r.err != nil {
		return nil
	}
	var out []string
	for para := range strings.SplitSeq(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			candidate := word
			if line != "" {
				candidate = line + " " + word
			}
			if r.width(candidate) <= w {
				line = candidate
				continue
			}
			if line != "" {
				out = append(out, line)
			}
			for r.width(word) > w {
				n := r.fit(word, w)
				out = append(out, word[:n])
				word = word[n:]
			}
			line = word
		}
		out = append(out, line)
	}
	return out
}

// fit is the length of the longest prefix of word (whole runes, at least
// one) that fits in w points.
func (r *renderer) fit(word string, w float64) int {
	n := 0
	for i, c := range word {
		if i > 0 && r.width(word[:i+len(string(c))]) > w {
			break
		}
		n = i + len(string(c))
	}
	return n
}

func (r *renderer) width(s string) float64 {
	if r.err != nil {
		return 0
	}
	var w float64
	w, r.err = r.pdf.MeasureTextWidth(s)
	return w
}

// truncate shortens s to w points in font at size, with an ellipsis.
func (r *renderer) truncate(font string, size float64, s string, w float64) string {
	if r.err != nil {
		return s
	}
	if r.err = r.pdf.SetFont(font, "", size); r.err != nil || r.width(s) <= w {
		return s
	}
	n := r.fit(s, w-r.width("…"))
	return s[:n] + "…"
}

func (r *renderer) money(minor int64) string { return pricing.FormatMinor(r.d.Currency, minor) }

// taxLabel is the tax with its rate, "GST 10%".
func (r *renderer) taxLabel() string {
	return strings.TrimSpace(r.d.Tax.Label + " " + percent(r.d.Tax.RateBP))
}

// percent prints basis points as a percentage: 1000 "10%", 1250 "12.5%".
func percent(bp int64) string {
	s := strconv.FormatInt(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", frac), "0")
	}
	return s + "%"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (s State) String() string {
	switch s {
	case StateDraft:
		return "Draft"
	case StateIssued:
		return "Issued"
	case StatePartiallyPaid:
		return "Partly paid"
	case StatePaid:
		return "Paid"
	case StateVoid:
		return "Void"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}
