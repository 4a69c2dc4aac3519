package workflows

import (
	"slices"
	"strings"
	"unicode"
)

// Channels a customer may reach the contact centre through.
const (
	ChannelPhone    = "phone"
	ChannelChat     = "chat"
	ChannelEmail    = "email"
	ChannelWebForm  = "web_form"
	ChannelSMS      = "sms"
	ChannelInPerson = "in_person"
)

// Channels lists every intake channel.
var Channels = []string{ChannelPhone, ChannelChat, ChannelEmail, ChannelWebForm, ChannelSMS, ChannelInPerson}

// Customer is who the case is for. Personal data: never put it in search attributes.
type Customer struct {
	FullName string `json:"full_name,omitempty" jsonschema:"description=ФИО"`
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
	Address  string `json:"address,omitempty" jsonschema:"description=address for the engineer's visit"`
}

// Product is the appliance the case is about.
type Product struct {
	Brand        string `json:"brand,omitempty"`
	Model        string `json:"model,omitempty"`
	Serial       string `json:"serial,omitempty"`
	Category     string `json:"category,omitempty"`
	PurchaseDate string `json:"purchase_date,omitempty" jsonschema:"format=date"`
	Store        string `json:"store,omitempty"`
}

// CommonIntake holds the intake fields every case type shares.
type CommonIntake struct {
	Type               string   `json:"type"`
	Channel            string   `json:"channel,omitempty" jsonschema:"enum=phone,enum=chat,enum=email,enum=web_form,enum=sms,enum=in_person"`
	Customer           Customer `json:"customer"`
	Product            Product  `json:"product"`
	Description        string   `json:"description,omitempty" jsonschema:"description=what the customer said"`
	ConsultationNumber string   `json:"consultation_number,omitempty" jsonschema:"description=GSIS number if one exists"`
	RequestNumbers     []string `json:"request_numbers,omitempty" jsonschema:"description=earlier service requests the customer names"`
	// Related links the case to the case that opened it.
	Related []CaseLink `json:"related,omitempty" jsonschema:"description=the case this one is opened from"`
}

// links are the cases an intake links the new case to.
func (c *CommonIntake) links() []CaseLink { return c.Related }

// validPhone accepts a phone number of 10 to 15 digits with the usual separators.
func validPhone(field, v string) error {
	if err := required(field, v); err != nil {
		return err
	}
	digits := 0
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() ", r):
		default:
			return fieldErr(field, "must be a phone number, not %q", v)
		}
	}
	if digits < 10 || digits > 15 {
		return fieldErr(field, "must have 10 to 15 digits, has %d", digits)
	}
	return nil
}

// validEmail is a light check: the mail server has the last word. No control
// character or space of any kind: an address goes into mail headers, where a CR
// or LF would start a header of the sender's choosing.
func validEmail(field, v string) error {
	at := strings.LastIndex(v, "@")
	if at < 1 || at == len(v)-1 || strings.ContainsAny(v, "<>,;") || !strings.Contains(v[at:], ".") ||
		strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return fieldErr(field, "must be an e-mail address, not %q", v)
	}
	return nil
}

// validChannel checks the channel against those the case type takes.
func validChannel(v string, allowed ...string) error {
	if err := required("channel", v); err != nil {
		return err
	}
	if !slices.Contains(Channels, v) {
		return oneOf("channel", v, Channels...)
	}
	return oneOf("channel", v, allowed...)
}

// Document is a document of a checklist: a PLC customer's papers for ServiceB2B,
// the documents a claim investigation gathers.
type Document struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// documentTitle is the title of the document code names in list, or code itself
// for a document the list does not hold.
func documentTitle(list []Document, code string) string {
	for _, d := range list {
		if d.Code == code {
			return d.Title
		}
	}
	return code
}
