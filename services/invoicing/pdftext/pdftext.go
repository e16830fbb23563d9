// Package pdftext reads the text of a PDF back for tests, through a PDF
// library of its own (github.com/ledongthuc/pdf), not the renderer: what it
// finds is what a reader of the file sees, decoded through the file's own
// font encoding (gopdf's Identity-H fonts with their ToUnicode maps).
package pdftext

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ledongthuc/pdf"
)

// Row is one line of a page: the texts drawn on it (at the same height),
// left to right.
type Row []string

// String is the row's texts joined by " | ".
func (r Row) String() string { return strings.Join(r, " | ") }

// Rows returns the rows of every page of the PDF b, page by page, top to
// bottom.
func Rows(b []byte) ([]Row, error) {
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("pdftext: %w", err)
	}
	var rows []Row
	for i := 1; i <= r.NumPage(); i++ {
		page, err := pageRows(r.Page(i))
		if err != nil {
			return nil, fmt.Errorf("pdftext: page %d: %w", i, err)
		}
		rows = append(rows, page...)
	}
	return rows, nil
}

// cell is one text shown at one place: the library reports each glyph with
// the position of the text it belongs to (it does not advance over the
// glyphs of a composite font), so a run of glyphs at one position is one
// text.
type cell struct {
	x, y float64
	s    strings.Builder
}

func pageRows(p pdf.Page) (rows []Row, err error) {
	// The library panics on content it cannot interpret.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unreadable content: %v", r)
		}
	}()
	var cells []*cell
	var cur *cell
	for _, t := range p.Content().Text {
		// The library ends each TJ array with a "\n" of its own, which the
		// fonts' two-byte map decodes as U+FFFD (a one-byte code it does
		// not map; gopdf maps every glyph it shows).
		if t.S == "\n" || t.S == "\uFFFD" {
			cur = nil
			continue
		}
		if cur == nil || cur.x != t.X || cur.y != t.Y {
			cur = &cell{x: t.X, y: t.Y}
			cells = append(cells, cur)
		}
		cur.s.WriteString(t.S)
	}
	// Rows by height, top first (PDF y grows upwards): the texts of a row
	// share their baseline.
	slices.SortStableFunc(cells, func(a, b *cell) int {
		return cmp.Or(cmp.Compare(b.y, a.y), cmp.Compare(a.x, b.x))
	})
	for i, c := range cells {
		if i == 0 || c.y != cells[i-1].y {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], c.s.String())
	}
	return rows, nil
}
