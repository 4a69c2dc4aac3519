package activities

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"sync"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var (
	templatesMu sync.Mutex
	templates   = map[string]*template.Template{}
)

// Render fills the named letter template with data and returns its subject and
// body. Every template defines "subject" and "body"; a key missing from data is an
// error, so a letter never goes out with a hole in it.
func Render(name string, data map[string]any) (subject, body string, err error) {
	t, err := lookupTemplate(name)
	if err != nil {
		return "", "", err
	}
	var s, b bytes.Buffer
	if err := t.ExecuteTemplate(&s, "subject", data); err != nil {
		return "", "", fmt.Errorf("unable to render subject of %s: %w", name, err)
	}
	if err := t.ExecuteTemplate(&b, "body", data); err != nil {
		return "", "", fmt.Errorf("unable to render body of %s: %w", name, err)
	}
	return strings.Join(strings.Fields(s.String()), " "), strings.TrimSpace(b.String()) + "\n", nil
}

// TemplateNames lists the shipped letter templates.
func TemplateNames() []string {
	entries, _ := templateFS.ReadDir("templates")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".tmpl"))
	}
	return names
}

func lookupTemplate(name string) (*template.Template, error) {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if t, ok := templates[name]; ok {
		return t, nil
	}
	t, err := template.New(name).Option("missingkey=error").ParseFS(templateFS, "templates/"+name+".tmpl")
	if err != nil {
		return nil, fmt.Errorf("unable to load letter template %q: %w", name, err)
	}
	templates[name] = t
	return t, nil
}
