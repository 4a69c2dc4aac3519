package strictjson

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test types shaped like a case type's intake: shared fields in an untagged
// embedded struct, nested objects, an array of objects, a map.
type (
	common struct {
		Type     string   `json:"type"`
		Customer customer `json:"customer"`
	}
	customer struct {
		Phone string `json:"phone,omitempty"`
	}
	service struct {
		Number string `json:"number"`
	}
	intake struct {
		common
		Mood     string            `json:"mood,omitempty"`
		PLC      bool              `json:"plc"`
		Previous []service         `json:"previous_service,omitempty"`
		Labels   map[string]string `json:"labels,omitempty"`
		Extra    any               `json:"extra,omitempty"`
	}
)

// Validate refuses an angry mood by name, and a mood of "error" with a plain error.
func (in *intake) Validate() error {
	switch in.Mood {
	case "angry":
		return Errorf("mood", "must not be angry")
	case "error":
		return errors.New("a plain error")
	}
	return nil
}

// fieldError asserts that err is a *FieldError and returns it.
func fieldError(t *testing.T, err error) *FieldError {
	t.Helper()
	var fe *FieldError
	require.True(t, errors.As(err, &fe), "want a *FieldError, got %v", err)
	return fe
}

func TestDecodeNamesTheJSONField(t *testing.T) {
	cases := map[string]struct {
		body, field, problem string
	}{
		"type mismatch inside an embedded struct": {`{"customer":{"phone":7}}`, "customer.phone", "must be a string"},
		"type mismatch at the top":                {`{"mood":true}`, "mood", "must be a string"},
		"type mismatch in an array item":          {`{"previous_service":[{"number":"1"},{"number":2}]}`, "previous_service[1].number", "must be a string, not number"},
		"not an object":                           {`[1]`, "data", "must be an object, not array"},
		"unknown field":                           {`{"colour":"red"}`, "colour", "unknown field"},
		"unknown nested field":                    {`{"customer":{"colour":"red"}}`, "customer.colour", "unknown field"},
		"trailing data":                           {`{} {}`, "data", "unexpected data"},
		"trailing garbage":                        {`{} x`, "data", "unexpected data"},
		"malformed":                               {`{"mood":`, "data", "incomplete JSON"},
		"malformed inside":                        {`{"mood":"a",}`, "data", "malformed JSON at byte"},
		"number out of range":                     {`{"extra":1, "plc": 1e999}`, "plc", "must be true or false"},
		"validation names its field":              {`{"mood":"angry"}`, "mood", "must not be angry"},
		"a plain validation error names the data": {`{"mood":"error"}`, "data", "a plain error"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Decode[intake]([]byte(tc.body))
			fe := fieldError(t, err)
			assert.Equal(t, tc.field, fe.Field)
			assert.Contains(t, fe.Problem, tc.problem)
		})
	}
}

func TestDecodeTakesWhatEncodingJSONTakes(t *testing.T) {
	v, err := Decode[intake]([]byte(`{"type":"plc","customer":{"phone":"+7"},"Mood":"calm","plc":true,
		"previous_service":[{"number":"1"}],"labels":{"a":"1","A":"2"},"extra":{"x":[1,{"y":null}]}}`))
	require.NoError(t, err)
	assert.Equal(t, "plc", v.Type)
	assert.Equal(t, "+7", v.Customer.Phone)
	assert.Equal(t, "calm", v.Mood, "a single key in another case still matches its field, as in encoding/json")
	assert.True(t, v.PLC)
	assert.Equal(t, map[string]string{"a": "1", "A": "2"}, v.Labels, "map keys are exact: a and A are two keys")

	for _, raw := range []string{"", "  ", "null"} {
		v, err := Decode[intake]([]byte(raw))
		require.NoError(t, err, "%q", raw)
		assert.Equal(t, &intake{}, v)
	}
}

// TestDecodeRefusesDuplicateKeys: encoding/json keeps the last of two keys that
// name one field (exactly or in another case); Decode refuses both, naming the
// second key by its path.
func TestDecodeRefusesDuplicateKeys(t *testing.T) {
	cases := map[string]struct {
		body, field, problem string
	}{
		"case variant":                      {`{"plc":true,"PLC":false}`, "PLC", `is the same field as "plc"`},
		"exact duplicate":                   {`{"mood":"calm","mood":"angry"}`, "mood", "is given twice"},
		"case variant of an embedded field": {`{"type":"plc","TYPE":"reclamation"}`, "TYPE", `is the same field as "type"`},
		"nested case variant":               {`{"customer":{"phone":"1","Phone":"2"}}`, "customer.Phone", `is the same field as "phone"`},
		"in an array item":                  {`{"previous_service":[{"number":"1"},{"number":"2","NUMBER":"3"}]}`, "previous_service[1].NUMBER", `same field as "number"`},
		"exact duplicate in a map":          {`{"labels":{"a":"1","a":"2"}}`, "labels.a", "is given twice"},
		"exact duplicate in any JSON":       {`{"extra":{"x":1,"x":2}}`, "extra.x", "is given twice"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Decode[intake]([]byte(tc.body))
			fe := fieldError(t, err)
			assert.Equal(t, tc.field, fe.Field)
			assert.Contains(t, fe.Problem, tc.problem)
		})
	}
}

func TestCheckLimits(t *testing.T) {
	typ := reflect.TypeFor[intake]()
	long := strings.Repeat("я", MaxStringChars)
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	items := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat(`{"number":"1"},`, n), ",") + "]" }
	cases := []struct {
		name, body, prefix string
		t                  reflect.Type
		field, problem     string
	}{
		{"string at the limit", `{"mood":"` + long + `"}`, "", typ, "", ""},
		{"string over the limit", `{"mood":"` + long + `я"}`, "", typ, "mood", "at most 10000 characters, has 10001"},
		{"items at the limit", `{"previous_service":` + items(MaxArrayItems) + `}`, "", typ, "", ""},
		{"too many items", `{"previous_service":` + items(MaxArrayItems+1) + `}`, "data", typ, "data.previous_service", "at most 1000 items"},
		{"a key longer than any field", `{"` + strings.Repeat("k", MaxKeyChars+1) + `":1}`, "", nil, "body", "key of 101 characters"},
		{"depth at the limit", deep, "", nil, "", ""},
		{"too deep", "[" + deep + "]", "", nil, strings.Repeat("[0]", MaxDepth), "deeper than 16"},
		{"the whole body", `"x"`, "", typ, "body", "must be an object, not string"},
		{"the whole data", `"x"`, "data", typ, "data", "must be an object, not string"},
		{"prefixed path", `{"customer":{"phone":1}}`, "data", typ, "data.customer.phone", "must be a string, not number"},
		{"trailing data", `{} 1`, "", nil, "body", "unexpected data"},
		{"malformed", `{"a" 1}`, "", nil, "body", "malformed JSON at byte"},
		{"empty key named", `{"":1}`, "data", typ, `data.""`, "unknown field"},
		{"exact duplicate in any JSON", `{"event":"a","event":"b"}`, "", nil, "event", "is given twice"},
		{"case variants in any JSON are two keys", `{"event":"a","Event":"b"}`, "", nil, "", ""},
		{"empty", ``, "", typ, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Check([]byte(c.body), c.t, c.prefix)
			if c.field == "" {
				require.NoError(t, err)
				return
			}
			fe := fieldError(t, err)
			assert.Equal(t, c.field, fe.Field)
			assert.Contains(t, fe.Problem, c.problem)
		})
	}
}

func TestJSONPathDropsEmbeddedStructs(t *testing.T) {
	typ := reflect.TypeFor[intake]()
	assert.Equal(t, "customer.phone", jsonPath(typ, "common.customer.phone"))
	assert.Equal(t, "mood", jsonPath(typ, "mood"))
	assert.Equal(t, "a.b", jsonPath(reflect.TypeFor[service](), "a.b"), "no embedded struct: the path as it is")
}

func TestKind(t *testing.T) {
	for typ, want := range map[reflect.Type]string{
		reflect.TypeFor[string]():         "a string",
		reflect.TypeFor[bool]():           "true or false",
		reflect.TypeFor[[]int]():          "an array",
		reflect.TypeFor[map[string]int](): "an object",
		reflect.TypeFor[intake]():         "an object",
		reflect.TypeFor[float64]():        "a number",
		reflect.TypeFor[uint8]():          "a number",
		reflect.TypeFor[chan int]():       "a chan",
		reflect.TypeFor[func()]():         "a func",
		reflect.TypeFor[complex128]():     "a complex128",
	} {
		assert.Equal(t, want, kind(typ), "%v", typ)
	}
}
