package activities

import (
	"maps"
	"slices"
	"testing"
	"text/template"

	"github.com/stretchr/testify/require"
)

// TestTemplateKeysOfEveryLetter: every shipped letter names its keys, so its
// data can be cut to them.
func TestTemplateKeysOfEveryLetter(t *testing.T) {
	for _, name := range TemplateNames() {
		keys, ok := templateKeys(name)
		require.True(t, ok, "%s uses its data whole somewhere: its letters carry every key", name)
		require.NotEmpty(t, keys, name)
	}
	_, ok := templateKeys("no_such_letter")
	require.False(t, ok)
}

// TestLetterDataKeepsWhatTheLetterPrints: the shift alert's data loses the
// customer's phone and address, which it does not print, and renders the same.
func TestLetterDataKeepsWhatTheLetterPrints(t *testing.T) {
	data := map[string]any{
		"ChannelPhrase": "На почте", "ConsultationNumber": "К-1", "CustomerName": "Петрова Анна",
		"Phone": "+7 916 555-12-34", "Address": "Москва", "Model": "Bosch KGN", "Category": "Холодильники",
		"PurchaseDate": "2026-01-01", "Store": "М.Видео", "Description": "искрит", "PreviousService": []string{"№ 1"},
		"Engineer": "Инженер <engineer@example.com>", "VerdictDue": "07.12.2026 15:00 MSK", "Help": "",
	}
	got := LetterData("plc_shift_alert", data)
	require.Equal(t, []string{"Category", "ChannelPhrase", "ConsultationNumber", "Description", "Engineer", "Model", "VerdictDue"},
		slices.Sorted(maps.Keys(got)))
	s1, b1, err := Render("plc_shift_alert", data)
	require.NoError(t, err)
	s2, b2, err := Render("plc_shift_alert", got)
	require.NoError(t, err)
	require.Equal(t, s1, s2)
	require.Equal(t, b1, b2)
	require.Equal(t, data, LetterData("no_such_letter", data), "a letter that does not load keeps its data")
}

// TestKeyWalker: which keys a template names, where dot is the data and
// where range and with have moved it.
func TestKeyWalker(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string // nil: cannot be told
	}{
		{`{{define "subject"}}{{.A}}{{end}}{{define "body"}}{{if .B}}{{.C.D}}{{else}}{{.E}}{{end}}{{end}}`, []string{"A", "B", "C", "E"}},
		{`{{define "subject"}}{{end}}{{define "body"}}{{range .Items}}{{.Name}} {{$.Owner}}{{end}}{{end}}`, []string{"Items", "Owner"}},
		{`{{define "subject"}}{{end}}{{define "body"}}{{with index . "Actions"}}{{range .}}{{.URL}}{{end}}{{end}}{{end}}`, []string{"Actions"}},
		{`{{define "subject"}}{{end}}{{define "body"}}{{if eq .Kind "x"}}{{len .List}}{{end}}{{end}}`, []string{"Kind", "List"}},
		{`{{define "subject"}}{{end}}{{define "body"}}{{template "part" .}}{{end}}{{define "part"}}{{.F}}{{end}}`, []string{"F"}},
		{`{{define "subject"}}{{end}}{{define "body"}}{{with .W}}{{template "part" .}}{{end}}{{end}}{{define "part"}}{{.F}}{{end}}`, []string{"W"}},
		{`{{define "subject"}}{{end}}{{define "body"}}{{$x := .X}}{{$x}}{{end}}`, []string{"X"}},
		{`{{define "subject"}}{{end}}{{define "body"}}{{.}}{{end}}`, nil},
		{`{{define "subject"}}{{end}}{{define "body"}}{{printf "%v" $}}{{end}}`, nil},
		{`{{define "subject"}}{{end}}{{define "body"}}{{index . .K}}{{end}}`, nil},
		{`{{define "body"}}{{.A}}{{end}}`, nil}, // no subject
	} {
		tmpl := template.Must(template.New("t").Parse(tc.src))
		w := keyWalker{t: tmpl, keys: map[string]bool{}, seen: map[string]bool{}}
		w.template("subject")
		w.template("body")
		if tc.want == nil {
			require.True(t, w.bad, "%s: keys %v, want cannot be told", tc.src, w.keys)
			continue
		}
		require.False(t, w.bad, tc.src)
		require.Equal(t, tc.want, slices.Sorted(maps.Keys(w.keys)), tc.src)
	}
}
