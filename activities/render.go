package activities

import (
	"bytes"
	"embed"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// letter is a parsed letter template and the data keys it prints (nil when
// they cannot be told).
type letter struct {
	t    *template.Template
	keys []string
}

var (
	lettersMu sync.Mutex
	letters   = map[string]*letter{}
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
	l, err := lookupLetter(name)
	if err != nil {
		return nil, err
	}
	return l.t, nil
}

// lookupLetter parses the named template and finds its keys once.
func lookupLetter(name string) (*letter, error) {
	lettersMu.Lock()
	defer lettersMu.Unlock()
	if l, ok := letters[name]; ok {
		return l, nil
	}
	t, err := template.New(name).Option("missingkey=error").ParseFS(templateFS, "templates/"+name+".tmpl")
	if err != nil {
		return nil, fmt.Errorf("unable to load letter template %q: %w", name, err)
	}
	l := &letter{t: t, keys: keysOf(t)}
	letters[name] = l
	return l, nil
}

// LetterData is the part of data that the named template prints: the keys its
// subject and body name (a .Key, a $.Key, an index . "Key"), the others left
// out. A letter's data travels in its activity's input, which the case's
// history keeps, and the workflows build one map of everything any of a type's
// letters may print. Where the template uses the data in a way that names no
// key (a bare . at the top), or does not load, data is returned as it is.
// The rendered letter is the same either way: missingkey=error would refuse a
// key left out.
func LetterData(name string, data map[string]any) map[string]any {
	keys, ok := templateKeys(name)
	if !ok {
		return data
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if v, ok := data[k]; ok {
			out[k] = v
		}
	}
	return out
}

// templateKeys lists, sorted, the top-level data keys the named template's
// subject and body name; ok is false when they cannot be told.
func templateKeys(name string) ([]string, bool) {
	l, err := lookupLetter(name)
	if err != nil {
		return nil, false
	}
	return l.keys, l.keys != nil
}

// keysOf is templateKeys of a parsed template: nil when they cannot be told.
func keysOf(t *template.Template) []string {
	w := keyWalker{t: t, keys: map[string]bool{}, seen: map[string]bool{}}
	for _, part := range []string{"subject", "body"} {
		w.template(part)
	}
	if w.bad {
		return nil
	}
	return append(make([]string, 0, len(w.keys)), slices.Sorted(maps.Keys(w.keys))...) //workflowcheck:ignore sorted: the same keys in one order
}

// keyWalker collects the top-level keys a template's tree names.
type keyWalker struct {
	t    *template.Template
	keys map[string]bool
	seen map[string]bool // templates walked at the top level
	bad  bool            // the data is used whole somewhere
}

// template walks a named template invoked with the top-level data as dot.
func (w *keyWalker) template(name string) {
	if w.seen[name] {
		return
	}
	w.seen[name] = true
	t := w.t.Lookup(name)
	if t == nil || t.Tree == nil {
		w.bad = true
		return
	}
	w.node(t.Tree.Root, true)
}

// node walks n; top says whether dot is the top-level data there.
func (w *keyWalker) node(n parse.Node, top bool) {
	switch n := n.(type) {
	case nil:
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.node(c, top)
		}
	case *parse.ActionNode:
		w.pipe(n.Pipe, top)
	case *parse.IfNode:
		w.branch(&n.BranchNode, top, top)
	case *parse.RangeNode: // dot is each element in the body
		w.branch(&n.BranchNode, top, false)
	case *parse.WithNode: // dot is the pipeline's value in the body
		w.branch(&n.BranchNode, top, false)
	case *parse.TemplateNode:
		if n.Pipe == nil {
			return // invoked with nil data
		}
		if cmds := n.Pipe.Cmds; top && len(cmds) == 1 && len(cmds[0].Args) == 1 {
			if _, dot := cmds[0].Args[0].(*parse.DotNode); dot {
				w.template(n.Name)
				return
			}
		}
		w.pipe(n.Pipe, top)
		// Invoked with something else as dot: only $ reaches the top there,
		// and $ is the invoked template's own data.
		if t := w.t.Lookup(n.Name); t != nil && t.Tree != nil {
			w.node(t.Tree.Root, false)
		}
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
	default:
		w.bad = true
	}
}

// branch walks an if, range or with: its pipeline and else where dot is what
// it was, its body where dot is bodyTop's.
func (w *keyWalker) branch(b *parse.BranchNode, top, bodyTop bool) {
	w.pipe(b.Pipe, top)
	w.node(b.List, bodyTop)
	w.node(b.ElseList, top)
}

// pipe walks a pipeline's commands.
func (w *keyWalker) pipe(p *parse.PipeNode, top bool) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		// index . "Key": the key is named.
		if len(c.Args) == 3 && top {
			fn, isFn := c.Args[0].(*parse.IdentifierNode)
			_, isDot := c.Args[1].(*parse.DotNode)
			key, isKey := c.Args[2].(*parse.StringNode)
			if isFn && fn.Ident == "index" && isDot && isKey {
				w.keys[key.Text] = true
				continue
			}
		}
		for _, a := range c.Args {
			w.arg(a, top)
		}
	}
}

// arg walks one argument of a command.
func (w *keyWalker) arg(a parse.Node, top bool) {
	switch a := a.(type) {
	case *parse.FieldNode:
		if top {
			w.keys[a.Ident[0]] = true
		}
	case *parse.VariableNode:
		if a.Ident[0] == "$" && len(a.Ident) > 1 {
			w.keys[a.Ident[1]] = true
		} else if a.Ident[0] == "$" && top {
			w.bad = true // $ itself, the whole data
		}
	case *parse.DotNode:
		if top {
			w.bad = true // the whole data, to a function or printed
		}
	case *parse.ChainNode:
		if _, dot := a.Node.(*parse.DotNode); dot && top && len(a.Field) > 0 {
			w.keys[a.Field[0]] = true
			return
		}
		w.arg(a.Node, top)
	case *parse.PipeNode:
		w.pipe(a, top)
	}
}
