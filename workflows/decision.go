package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

// Versions of the decision letters' commands (workflow.GetVersion change
// bounceChange), asked once per run, just before the first letter that asks
// for a decision. Runs started before replay the commands they were started with.
const (
	bounceChange = "caseflow-bounce"
	// bounceV1: a letter that asks for a decision carries signed action links,
	// and a permanent bounce of it (MailBounced) escalates at once: the PLC
	// chain starts without waiting out the verdict's deadline; a dispute's
	// engineer is not written to again but a supervisor takes over.
	bounceV1 workflow.Version = 1
)

// decisionState is what a run knows of its decision letters.
type decisionState struct {
	version workflow.Version
	asked   bool
	// bounce is the refusal of the latest decision letter the mail server
	// refused for good ("" when none was).
	bounce string
}

// FormField is a field of an action's confirmation page the recipient fills in.
type FormField struct {
	// Name is the field of the event's data the value goes to: a dotted path
	// into the data ("executors.0.name").
	Name  string `json:"name"`
	Label string `json:"label"`
	// Kind is "textarea", "text", "email" or "date".
	Kind     string `json:"kind"`
	Required bool   `json:"required,omitempty"`
}

// MailAction is an outcome of a decision that a letter offers as a link: the
// event it sends, the data fixed by the outcome and what the recipient adds on
// the confirmation page.
type MailAction struct {
	CaseType string `json:"case_type"`
	Outcome  string `json:"outcome"`
	Event    string `json:"event"`
	// Label names the outcome on the link and the page («Это PLC»).
	Label string `json:"label"`
	// Data is the event's data the outcome fixes ({"plc": true}).
	Data   json.RawMessage `json:"data"`
	Fields []FormField     `json:"fields"`
}

// claimExecutorFields are the investigation form's rows: one executor per
// standard document.
func claimExecutorFields() []FormField {
	var out []FormField
	for i, d := range ClaimDocuments {
		out = append(out,
			FormField{Name: fmt.Sprintf("executors.%d.name", i), Label: d.Title + ": исполнитель", Kind: "text", Required: true},
			FormField{Name: fmt.Sprintf("executors.%d.email", i), Label: d.Title + ": e-mail исполнителя", Kind: "email", Required: true})
	}
	return out
}

// claimExecutorData fixes the investigation's documents, in the form's order.
func claimExecutorData() json.RawMessage {
	type doc struct {
		Document string `json:"document"`
	}
	var docs []doc
	for _, d := range ClaimDocuments {
		docs = append(docs, doc{d.Code})
	}
	b, _ := json.Marshal(map[string]any{"executors": docs})
	return b
}

// MailActions are the outcomes letters offer as links, by case type.
var MailActions = []MailAction{
	{CaseType: "plc", Outcome: "plc", Event: EventVerdict, Label: "Это PLC", Data: json.RawMessage(`{"plc":true}`),
		Fields: []FormField{{Name: "comment", Label: "Комментарий", Kind: "textarea"}}},
	{CaseType: "plc", Outcome: "not_plc", Event: EventVerdict, Label: "Не PLC", Data: json.RawMessage(`{"plc":false}`),
		Fields: []FormField{{Name: "comment", Label: "Комментарий", Kind: "textarea"}}},
	{CaseType: "dispute", Outcome: "answer", Event: EventEngineerAnswer, Label: "Ответить инженеру (ответ для клиента)", Data: json.RawMessage(`{"clear":true}`),
		Fields: []FormField{{Name: "text", Label: "Ответ с развёрнутыми формулировками для клиента", Kind: "textarea", Required: true}}},
	{CaseType: "reclamation", Outcome: "return", Event: sm.ClaimReturnForData, Label: "Вернуть инициатору за данными", Data: json.RawMessage(`{}`),
		Fields: []FormField{{Name: "comment", Label: "Каких данных не хватает", Kind: "textarea", Required: true}}},
	{CaseType: "reclamation", Outcome: "reject", Event: sm.ClaimReject, Label: "Отказать как необоснованной", Data: json.RawMessage(`{}`),
		Fields: []FormField{{Name: "reason", Label: "Причина отказа (её прочтёт клиент)", Kind: "textarea", Required: true}}},
	{CaseType: "reclamation", Outcome: "investigate", Event: sm.ClaimOpenInvestigation, Label: "Назначить разбирательство", Data: claimExecutorData(),
		Fields: append([]FormField{{Name: "hearing_date", Label: "Дата заседания комиссии", Kind: "date", Required: true}}, claimExecutorFields()...)},
}

// FindMailAction is the action of a case type by its outcome, nil when none.
func FindMailAction(caseType, outcome string) *MailAction {
	for i := range MailActions {
		if MailActions[i].CaseType == caseType && MailActions[i].Outcome == outcome {
			return &MailActions[i]
		}
	}
	return nil
}

// mailActions are the actions of the named outcomes, sent as role and due at due.
func (c *caseCore) mailActions(role string, due time.Time, outcomes ...string) []activities.Action {
	var out []activities.Action
	for _, o := range outcomes {
		if m := FindMailAction(c.meta.Type, o); m != nil {
			out = append(out, activities.Action{Event: m.Event, Outcome: m.Outcome, Role: role, Label: m.Label, Due: due})
		}
	}
	return out
}

// decisionVersion is the run's version of the decision letters' commands.
func (c *caseCore) decisionVersion(ctx workflow.Context) workflow.Version {
	if !c.decisions.asked {
		c.decisions.version = c.changeVersion(ctx, bounceChange, bounceV1)
		c.decisions.asked = true
	}
	return c.decisions.version
}

// mailDecision sends a letter that asks for a decision, as mail does, with a
// link per action (since bounceV1). bounce is the mail server's refusal when it
// refused the letter for good (since bounceV1; "" otherwise).
func (c *caseCore) mailDecision(ctx workflow.Context, step, template string, to, cc []string, data map[string]any,
	attachments []string, actions []activities.Action) (sent bool, bounce string) {
	v := c.decisionVersion(ctx)
	in := c.letterInput(step, template, to, cc, data, attachments)
	if v >= bounceV1 {
		in.CaseType, in.Actions = c.meta.Type, actions
	}
	var out activities.SendMailResult
	err := c.run(ctx, a.SendMail, in, &out)
	if err == nil {
		return true, ""
	}
	// As act: the failure is noted and becomes a supervisor's task.
	c.failed(ctx, step, err)
	var appErr *temporal.ApplicationError
	if v >= bounceV1 && errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeBounced {
		c.decisions.bounce = rootMessage(err)
		return false, c.decisions.bounce
	}
	return false, ""
}
