package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDuplicateKeysAreRefused: encoding/json matches a struct field's key
// whatever its case and keeps the last, so {"plc":true,"PLC":false} would be a
// verdict of false. A key given twice, exactly or in another case, is refused
// with a 400 naming it by its path, in the intake, the event body and the
// event's data, before anything reaches Temporal.
func TestDuplicateKeysAreRefused(t *testing.T) {
	intake := seedIntakes["plc"][0]
	intakes := []struct{ name, body, field, msg string }{
		{"case variant of the type", strings.Replace(intake, `{"type":"plc"`, `{"type":"plc","TYPE":"reclamation"`, 1), "TYPE", `same field as "type"`},
		{"type given twice", strings.Replace(intake, `{"type":"plc"`, `{"type":"reclamation","type":"plc"`, 1), "type", "given twice"},
		{"nested case variant", strings.Replace(intake, `"phone":`, `"PHONE":"+7 900 000-00-00","phone":`, 1), "customer.phone", `same field as "PHONE"`},
		{"exact duplicate", strings.Replace(intake, `"mood":`, `"mood":"спокоен","mood":`, 1), "mood", "given twice"},
	}
	events := []struct{ name, body, field, msg string }{
		{"case variant in data", eventBodyOf("verdict", `{"plc":true,"PLC":false}`), "data.PLC", `same field as "plc"`},
		{"duplicate in data", eventBodyOf("verdict", `{"plc":false,"plc":true}`), "data.plc", "given twice"},
		{"case variant of the event", `{"event":"verdict","Event":"close","data":{"plc":true}}`, "Event", `same field as "event"`},
		{"data given twice", `{"event":"verdict","data":{"plc":true},"data":{"plc":false}}`, "data", "given twice"},
	}
	api, ft := newFakeAPI(t, nil)
	ft.setCaseType("plc")
	for _, c := range intakes {
		t.Run("intake/"+c.name, func(t *testing.T) {
			ft.reset()
			w := serve(api, "POST", "/v1/cases", bearer("operator"), []byte(c.body), IdempotencyKeyHeader, "dup-"+uuid.NewString())
			require.Equal(t, http.StatusBadRequest, w.Code, "%.500s", w.Body)
			var e errorBody
			mustDecodeStrict(t, w.Body.Bytes(), &e)
			assert.Equal(t, c.field, e.Error.Field)
			assert.Contains(t, e.Error.Message, c.msg)
			started, _ := ft.recorded()
			assert.Empty(t, started)
		})
	}
	for _, c := range events {
		t.Run("event/"+c.name, func(t *testing.T) {
			ft.reset()
			w := serve(api, "POST", "/v1/cases/"+uuid.NewString()+"/events", bearer("engineer"), []byte(c.body))
			require.Equal(t, http.StatusBadRequest, w.Code, "%.500s", w.Body)
			var e errorBody
			mustDecodeStrict(t, w.Body.Bytes(), &e)
			assert.Equal(t, c.field, e.Error.Field)
			assert.Contains(t, e.Error.Message, c.msg)
			_, updates := ft.recorded()
			assert.Empty(t, updates)
		})
	}
}

// TestEmailRefusesControlCharacters: an address goes into mail headers; one
// with a CR, an LF or another control character is refused by name.
func TestEmailRefusesControlCharacters(t *testing.T) {
	api, ft := newFakeAPI(t, nil)
	ft.setCaseType("reclamation")
	for _, bad := range []string{
		"a@example.com\r\nBcc: victim@example.com", "a@example.com\n", "a\r@example.com", "a@exam\x00ple.com",
		"a@example.com\t", "a@example.com\u0085", "a@example.com\u2028x", "a b@example.com",
	} {
		t.Run("plc/"+bad, func(t *testing.T) {
			body := withPLC(t, func(m map[string]any) { m["customer"].(map[string]any)["email"] = bad })
			w := serve(api, "POST", "/v1/cases", bearer("operator"), body, IdempotencyKeyHeader, "email-"+uuid.NewString())
			require.Equal(t, http.StatusBadRequest, w.Code, "%.500s", w.Body)
			var e errorBody
			mustDecodeStrict(t, w.Body.Bytes(), &e)
			assert.Equal(t, "customer.email", e.Error.Field)
		})
		t.Run("reclamation resubmit/"+bad, func(t *testing.T) {
			data, err := json.Marshal(map[string]any{"comment": "исправлено", "client_email": bad})
			require.NoError(t, err)
			w := serve(api, "POST", "/v1/cases/"+uuid.NewString()+"/events", bearer("admin"), []byte(eventBodyOf("resubmit", string(data))))
			require.Equal(t, http.StatusBadRequest, w.Code, "%.500s", w.Body)
			var e errorBody
			mustDecodeStrict(t, w.Body.Bytes(), &e)
			assert.Equal(t, "data.client_email", e.Error.Field)
		})
	}
	body := withPLC(t, func(m map[string]any) { m["customer"].(map[string]any)["email"] = "ok.name+tag@mail.example.com" })
	w := serve(api, "POST", "/v1/cases", bearer("operator"), body, IdempotencyKeyHeader, "email-"+uuid.NewString())
	assert.Equal(t, http.StatusCreated, w.Code, "%.500s", w.Body)
}
