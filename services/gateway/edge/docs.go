package edge

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"time"
)

// swaggerUI holds the vendored swagger-ui-dist files (scripts/vendor-swagger-ui.sh)
// and our own index.html and init.js: browsers using /docs cannot reach a CDN.
//
//go:embed swaggerui/index.html swaggerui/*.js swaggerui/*.css swaggerui/*.png
var swaggerUI embed.FS

// docsCSP keeps the docs page to its own files. The bundle sets inline styles,
// hence 'unsafe-inline' for styles only.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// bearerSecurity lets Swagger UI's Authorize button send "Authorization:
// Bearer …". Swagger 2.0 has no bearer scheme, so it is an API key header;
// init.js adds the "Bearer " prefix when the user pastes a bare token.
const bearerSecurity = `{"bearer":{"type":"apiKey","name":"Authorization","in":"header",` +
	`"description":"An access token: \"Bearer <token>\" (the prefix is added if missing)."}}`

type docFile struct {
	body        []byte
	contentType string
	etag        string
}

var docFiles = mustLoadDocFiles()

func mustLoadDocFiles() map[string]docFile {
	entries, err := swaggerUI.ReadDir("swaggerui")
	if err != nil {
		panic(err) // the embed directive guarantees the folder
	}
	files := make(map[string]docFile, len(entries))
	for _, e := range entries {
		body, err := swaggerUI.ReadFile(path.Join("swaggerui", e.Name()))
		if err != nil {
			panic(err)
		}
		files[e.Name()] = newDocFile(e.Name(), body)
	}
	return files
}

func newDocFile(name string, body []byte) docFile {
	sum := sha256.Sum256(body)
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	return docFile{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
}

func (e *Edge) serveDocsIndex(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	e.serveDocFile(w, r, "index.html")
}

func (e *Edge) serveDocsFile(w http.ResponseWriter, r *http.Request, params map[string]string) {
	name := params["file"]
	if name == "index.html" {
		// One address per page, so relative links cannot go wrong.
		http.Redirect(w, r, "/docs", http.StatusMovedPermanently)
		return
	}
	e.serveDocFile(w, r, name)
}

func (e *Edge) serveDocFile(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := docFiles[name]
	if !ok {
		e.handleRoutingError(r.Context(), nil, nil, w, r, http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", docsCSP)
	serveBytes(w, r, f)
}

func (e *Edge) serveOpenAPI(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	serveBytes(w, r, e.openAPIFile)
}

// serveBytes serves a fixed file; the ETag lets browsers revalidate cheaply
// instead of caching a stale bundle after an upgrade.
func serveBytes(w http.ResponseWriter, r *http.Request, f docFile) {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// prepareOpenAPI checks the document and, when it declares no security
// scheme, adds a bearer one so that /docs offers an Authorize button.
func prepareOpenAPI(doc []byte) (docFile, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return docFile{}, errors.New("edge: the OpenAPI document is empty")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return docFile{}, fmt.Errorf("edge: the OpenAPI document is not a JSON object: %w", err)
	}
	if _, ok := top["swagger"]; !ok {
		return docFile{}, errors.New(`edge: the OpenAPI document has no "swagger" version (Swagger 2.0 expected)`)
	}
	if _, ok := top["securityDefinitions"]; !ok {
		top["securityDefinitions"] = json.RawMessage(bearerSecurity)
		if _, ok := top["security"]; !ok {
			top["security"] = json.RawMessage(`[{"bearer":[]}]`)
		}
		var err error
		if doc, err = json.Marshal(top); err != nil {
			return docFile{}, fmt.Errorf("edge: adding a security scheme to the OpenAPI document: %w", err)
		}
	}
	return newDocFile("openapi.json", doc), nil
}
