package activities

import (
	"fmt"
	"maps"
	"time"
)

// Action is one allowed outcome of a decision a letter asks for: the letter
// carries a signed link to it.
type Action struct {
	// Event and Outcome name the event and which of its outcomes
	// (workflows.MailActions); Role is the recipient's role, which the event is
	// sent as.
	Event   string `json:"event"`
	Outcome string `json:"outcome"`
	Role    string `json:"role"`
	// Label is the outcome as the letter names it («Это PLC»).
	Label string `json:"label"`
	// Due is the decision's deadline: the link expires after it plus the
	// configured margin (zero: the configured lifetime from now).
	Due time.Time `json:"due,omitzero"`
}

// ActionLink is an Action as a template prints it.
type ActionLink struct {
	Label string
	URL   string
}

// Linker makes the signed URL of an action of a case.
type Linker interface {
	ActionURL(caseType, caseID string, a Action) (string, error)
}

// withLinks is the template data of a letter: in.Data with .Actions, the signed
// links of its actions (none when the letter asks nothing or the worker has no
// Linker).
func (a *Activities) withLinks(in SendMailInput) (map[string]any, error) {
	data := maps.Clone(in.Data)
	if data == nil {
		data = map[string]any{}
	}
	var links []ActionLink
	if a.Links != nil {
		for _, act := range in.Actions {
			u, err := a.Links.ActionURL(in.CaseType, in.CaseID, act)
			if err != nil {
				return nil, fmt.Errorf("unable to make the %s link of %s: %w", act.Outcome, in.Step, err)
			}
			links = append(links, ActionLink{Label: act.Label, URL: u})
		}
	}
	data["Actions"] = links
	return data, nil
}
