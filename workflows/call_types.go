package workflows

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Reasons the operator warns a customer for (seed 003, «Когда можно прервать
// диалог с клиентом»), and the customer who cannot be heard.
const (
	ReasonInsult          = "insult"          // personal insults, threats
	ReasonObscenity       = "obscenity"       // obscene language
	ReasonNonConstructive = "nonconstructive" // the same question again, everything answered
	ReasonOffTopic        = "off_topic"       // not about mobile service
	ReasonInaudible       = "inaudible"       // the customer cannot be heard
)

// ConductReasons are the reasons a warn event may give.
var ConductReasons = []string{ReasonInsult, ReasonObscenity, ReasonNonConstructive, ReasonOffTopic, ReasonInaudible}

// countedReasons are the reasons counted against warnings, in the seed's order;
// inaudible counts standard phrases instead.
var countedReasons = []string{ReasonInsult, ReasonObscenity, ReasonNonConstructive, ReasonOffTopic}

// DefaultCallWarnings are the seed's counts: how many warnings (answers, for a
// non-constructive dialogue) a reason gets; the next breach ends the call.
var DefaultCallWarnings = map[string]int{
	ReasonInsult:          1, // «Предупреждаем клиента 1 раз, при повторении прерываем диалог»
	ReasonObscenity:       2, // «Предупреждаем клиента 2 раза, при повторении на 3 раз прерываем диалог»
	ReasonNonConstructive: 2, // «2 раза озвучиваем клиенту ответ на его вопрос, на 3 раз прерываем диалог»
	ReasonOffTopic:        1, // «1 раз предупреждаем клиента, на 2 раз прерываем диалог»
}

// Defaults of a customer who cannot be heard: «2-3 раза (в течение 10-15сек)
// использовать стандартные фразы», then the standard SMS.
const (
	DefaultInaudiblePhrases = 3
	DefaultInaudibleWindow  = "15s"
	DefaultInaudibleSMS     = "К сожалению, при звонке в ЦПК вас не было слышно, пожалуйста, перезвоните по номеру 0611"
)

// inaudiblePhrases are the seed's standard phrases, said in turn.
var inaudiblePhrases = []string{
	"Вас не слышно, пожалуйста, повторите вопрос.",
	"Вас не слышно, пожалуйста, перейдите в зону уверенного приема сигнала.",
}

// CallIntake opens a call's conduct case when the call starts.
type CallIntake struct {
	CommonIntake
	// CallerNumber is where the inaudible SMS goes; without it the SMS becomes a supervisor's task.
	CallerNumber string `json:"caller_number,omitempty" jsonschema:"description=the caller's number (from the telephony): the inaudible SMS goes there"`
	CallID       string `json:"call_id,omitempty" jsonschema:"description=the telephony's call ID"`
}

// Validate checks the intake.
func (in *CallIntake) Validate() error {
	if in.CallerNumber != "" {
		return validPhone("caller_number", in.CallerNumber)
	}
	return nil
}

// Memo is the case's title; it carries no personal data.
func (in *CallIntake) Memo() string {
	return strings.TrimSpace("Звонок: ведение диалога " + in.CallID)
}

// CallInput starts a call's conduct case.
type CallInput = CaseInput[CallIntake, NoDirectory, CallOptions]

// CallOptions are the conduct counts and the inaudible window: keys of the
// config's options section.
type CallOptions struct {
	Warnings         map[string]int `json:"call_warnings" doc:"reason → warnings before the next breach ends the call (default: insult 1, obscenity 2, nonconstructive 2, off_topic 1; reasons not given keep theirs)"`
	InaudiblePhrases int            `json:"call_inaudible_phrases" doc:"standard phrases said to a customer who cannot be heard; the last one ends the call (default 3; the seed: 2–3)"`
	InaudibleWindow  string         `json:"call_inaudible_window" doc:"a Go duration: counted from the first phrase, the call ends when it lapses unheard (default 15s; the seed: 10–15 s)"`
	InaudibleSMS     string         `json:"call_inaudible_sms" doc:"the standard SMS sent when a call ends with the customer unheard (default: the seed's text, «…перезвоните по номеру 0611»)"`
}

// Validate fills the seed's defaults and checks the counts and the window.
func (o *CallOptions) Validate() error {
	w := maps.Clone(DefaultCallWarnings)
	for _, r := range slices.Sorted(maps.Keys(o.Warnings)) {
		if _, ok := w[r]; !ok {
			return fieldErr("call_warnings."+r, "is not a reason (reasons: %s)", strings.Join(slices.Sorted(maps.Keys(w)), ", "))
		}
		if n := o.Warnings[r]; n < 0 || n > 9 {
			return fieldErr("call_warnings."+r, "must be 0 to 9, not %d", n)
		}
		w[r] = o.Warnings[r]
	}
	o.Warnings = w
	if o.InaudiblePhrases == 0 {
		o.InaudiblePhrases = DefaultInaudiblePhrases
	}
	if o.InaudiblePhrases < 1 || o.InaudiblePhrases > 9 {
		return fieldErr("call_inaudible_phrases", "must be 1 to 9, not %d", o.InaudiblePhrases)
	}
	if o.InaudibleWindow == "" {
		o.InaudibleWindow = DefaultInaudibleWindow
	}
	if d, err := time.ParseDuration(o.InaudibleWindow); err != nil || d < time.Second || d > 5*time.Minute {
		return fieldErr("call_inaudible_window", "must be a duration from 1s to 5m, not %q", o.InaudibleWindow)
	}
	if o.InaudibleSMS == "" {
		o.InaudibleSMS = DefaultInaudibleSMS
	}
	return nil
}

// window is the inaudible window (Validate checked it).
func (o *CallOptions) window() time.Duration {
	d, _ := time.ParseDuration(o.InaudibleWindow)
	return d
}

// WarnData is a breach of conduct the operator reports, or one more standard
// phrase said to a customer who cannot be heard.
type WarnData struct {
	Reason string `json:"reason" jsonschema:"enum=insult,enum=obscenity,enum=nonconstructive,enum=off_topic,enum=inaudible"`
	Note   string `json:"note,omitempty"`
}

// Validate checks the reason.
func (d *WarnData) Validate() error { return oneOf("reason", d.Reason, ConductReasons...) }

// AuditNote is the reason.
func (d *WarnData) AuditNote() string { return strings.TrimSpace(d.Reason + " " + d.Note) }

// EndCallData ends the call at the operator's word.
type EndCallData struct {
	Note string `json:"note,omitempty"`
}

// AuditNote is the operator's note.
func (d *EndCallData) AuditNote() string { return d.Note }

// HeardData says the customer can be heard again.
type HeardData struct{}

// CallData is the call's part of the case view.
type CallData struct {
	Intake CallIntake `json:"intake"`
	// Conduct is the count of every reason, in the seed's order.
	Conduct []ConductCount `json:"conduct"`
	// Answer is what the operator is told after the last warn.
	Answer *ConductAnswer `json:"answer,omitempty"`
	// Inaudible is the current (or last) inaudible window.
	Inaudible *InaudibleWindow `json:"inaudible,omitempty"`
	EndedAt   *time.Time       `json:"ended_at,omitempty"`
	// EndReason is why the call ended: a reason's count, the inaudible window or
	// phrases, or "operator".
	EndReason string   `json:"end_reason,omitempty"`
	SMS       *CallSMS `json:"sms,omitempty"`
}

// ConductCount is one reason's count.
type ConductCount struct {
	Reason   string `json:"reason"`
	Breaches int    `json:"breaches"`
	// Warnings is how many breaches are warned before the next one ends the call.
	Warnings     int `json:"warnings"`
	WarningsLeft int `json:"warnings_left"`
}

// ConductAnswer is what the operator is told at a warn: how many warnings (or
// standard phrases) remain, and whether to end the call now.
type ConductAnswer struct {
	Reason       string `json:"reason"`
	Breach       int    `json:"breach"`
	WarningsLeft int    `json:"warnings_left"`
	EndCall      bool   `json:"end_call"`
	Script       string `json:"script"`
}

// InaudibleWindow is a spell of the customer not being heard.
type InaudibleWindow struct {
	Phrases     int       `json:"phrases"`
	PhrasesLeft int       `json:"phrases_left"`
	StartedAt   time.Time `json:"started_at"`
	Due         time.Time `json:"due"`
	Heard       bool      `json:"heard"`
}

// CallSMS is the standard SMS of a call that ended unheard.
type CallSMS struct {
	To   string `json:"to"`
	Text string `json:"text"`
	Sent bool   `json:"sent"`
}

// conductScript is what the operator says at a warning with left warnings to go.
func conductScript(reason string, left int) string {
	if left < 0 {
		return "Лимит предупреждений исчерпан: прервите диалог."
	}
	next := "при повторении диалог будет прерван"
	if left > 0 {
		next = fmt.Sprintf("осталось предупреждений: %d, затем диалог будет прерван", left)
	}
	switch reason {
	case ReasonNonConstructive:
		return "Озвучьте клиенту ответ на его вопрос ещё раз; " + next + "."
	case ReasonOffTopic:
		return "Предупредите клиента, что линия консультирует только по сотовой связи; " + next + "."
	default:
		return "Предупредите клиента о недопустимости таких высказываний; " + next + "."
	}
}
