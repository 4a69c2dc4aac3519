package payload_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/caseflow/caseflow/internal/calendar"
	"github.com/caseflow/caseflow/internal/payload"
	"github.com/caseflow/caseflow/workflows"
)

func testCalendars(t *testing.T) *calendar.Set {
	t.Helper()
	defaults, err := workflows.PolicyDefaults()
	require.NoError(t, err)
	set, _, err := calendar.Config{Defaults: defaults}.Build()
	require.NoError(t, err)
	return set
}

// testInput is a PLC case's input with the configuration snapshot a worker
// would give it; asc tells snapshots apart.
func testInput(t *testing.T, caseID, asc string) *workflows.PLCInput {
	t.Helper()
	return &workflows.PLCInput{
		Case:   workflows.CaseMeta{ID: caseID},
		Intake: workflows.PLCIntake{Mood: "взволнован"},
		Env: workflows.Env[workflows.PLCDirectory, workflows.PLCOptions]{
			Calendars: testCalendars(t),
			Directory: workflows.PLCDirectory{
				EngineersByCategory: map[string]workflows.Contact{"washing_machine": {Name: "Инженер СМА", Email: "engineer@example.com"}},
				ShiftAlert:          []string{"shift@example.com"},
				PreferredASC:        asc,
			},
		},
	}
}

// encode is the payload the SDK's own JSON converter writes: what histories hold.
func encode(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

// decode decodes p as a worker decodes a workflow's *PLCInput argument: into
// a new **PLCInput.
func decode(t *testing.T, c *payload.JSONConverter, p *commonpb.Payload) *workflows.PLCInput {
	t.Helper()
	var in *workflows.PLCInput
	require.NoError(t, c.FromPayload(p, &in))
	require.NotNil(t, in)
	return in
}

// TestCasesShareTheirDecodedConfiguration checks that two cases started with the
// same configuration hold one decoded snapshot, that it is the configuration
// they were started with, and that a different configuration gets its own.
func TestCasesShareTheirDecodedConfiguration(t *testing.T) {
	c := payload.NewJSONConverter(8)
	first, second := testInput(t, "case-1", "МСС"), testInput(t, "case-2", "МСС")
	a := decode(t, c, encode(t, first))
	b := decode(t, c, encode(t, second))
	assert.Same(t, a.Env.Calendars, b.Env.Calendars, "the second case must reuse the first one's calendars")
	assert.Equal(t, "case-1", a.Case.ID)
	assert.Equal(t, "case-2", b.Case.ID, "only the snapshot is shared")
	var plain workflows.PLCInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(encode(t, second), &plain))
	assert.Equal(t, &plain, b, "a shared snapshot decodes to what the SDK's converter gives")

	var byValue workflows.PLCInput // a workflow taking its input by value
	require.NoError(t, c.FromPayload(encode(t, second), &byValue))
	assert.Same(t, a.Env.Calendars, byValue.Env.Calendars)

	o := decode(t, c, encode(t, testInput(t, "case-3", "АСЦ Юг")))
	assert.NotSame(t, a.Env.Calendars, o.Env.Calendars)
	assert.Equal(t, "АСЦ Юг", o.Env.Directory.PreferredASC)
	assert.Equal(t, "МСС", a.Env.Directory.PreferredASC, "another configuration must not change the first one")
	assert.Equal(t, 2, c.Len())

	start := time.Date(2026, 12, 30, 16, 0, 0, 0, time.UTC)
	want, err := testCalendars(t).Due(workflows.PolicyPLCVerdict, start)
	require.NoError(t, err)
	got, err := b.Env.Calendars.Due(workflows.PolicyPLCVerdict, start)
	require.NoError(t, err)
	assert.Equal(t, want, got, "a shared snapshot computes the deadlines of a fresh one")
}

// TestSharedConfigurationIsBounded checks that past the bound a snapshot is
// still decoded, for its case alone.
func TestSharedConfigurationIsBounded(t *testing.T) {
	c := payload.NewJSONConverter(2)
	ps := make([]*commonpb.Payload, 3)
	for i, asc := range []string{"А", "Б", "В"} {
		ps[i] = encode(t, testInput(t, "case", asc))
		assert.Equal(t, asc, decode(t, c, ps[i]).Env.Directory.PreferredASC)
	}
	assert.Equal(t, 2, c.Len())
	x, y := decode(t, c, ps[2]), decode(t, c, ps[2])
	assert.Equal(t, "В", y.Env.Directory.PreferredASC)
	assert.NotSame(t, x.Env.Calendars, y.Env.Calendars, "a snapshot past the bound is not kept")
	assert.Same(t, decode(t, c, ps[0]).Env.Calendars, decode(t, c, ps[0]).Env.Calendars, "those within it still are")
}

// TestSharedConfigurationUnderConcurrentCases decodes and uses one snapshot
// from many goroutines, as a worker's workflows do; run with -race it proves
// the sharing read-only, and that cases decoding a new snapshot at once end up
// sharing one.
func TestSharedConfigurationUnderConcurrentCases(t *testing.T) {
	c := payload.NewJSONConverter(8)
	p := encode(t, testInput(t, "case", "МСС"))
	start := time.Date(2026, 11, 30, 11, 41, 0, 0, time.UTC)
	want, err := testCalendars(t).Due(workflows.PolicyPLCVerdict, start)
	require.NoError(t, err)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	dues := make([]time.Time, n)
	sets := make([]*calendar.Set, n)
	for i := range n {
		wg.Go(func() {
			var in *workflows.PLCInput
			if errs[i] = c.FromPayload(p, &in); errs[i] != nil {
				return
			}
			d, err := in.Env.Calendars.Due(workflows.PolicyPLCVerdict, start)
			errs[i], dues[i], sets[i] = err, d.Due, in.Env.Calendars
			_ = in.Env.Directory.Engineer("washing_machine")
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.True(t, want.Due.Equal(dues[i]), "goroutine %d: due %v, want %v", i, dues[i], want.Due)
	}
	kept := decode(t, c, p).Env.Calendars
	for i := range n {
		assert.Same(t, kept, sets[i], "goroutine %d", i)
	}
}

// TestDecodingABrokenSnapshotFails checks that a snapshot that does not decode is
// an error naming the field, and is not kept.
func TestDecodingABrokenSnapshotFails(t *testing.T) {
	c := payload.NewJSONConverter(8)
	p := encode(t, map[string]any{
		"case": map[string]any{"id": "case-1"},
		"env":  map[string]any{"calendars": map[string]any{"calendars": map[string]any{"x": map[string]any{"name": "x", "zone": "Mars/Olympus"}}}},
	})
	var in *workflows.PLCInput
	err := c.FromPayload(p, &in)
	require.Error(t, err)
	assert.ErrorIs(t, err, converter.ErrUnableToDecode)
	assert.Contains(t, err.Error(), "unable to decode the shared field workflows.CaseInput[")
	assert.Contains(t, err.Error(), "].Env")
	assert.Contains(t, err.Error(), "Mars/Olympus")
	assert.Zero(t, c.Len())

	require.Error(t, c.FromPayload(&commonpb.Payload{Data: []byte(`{"env":{`)}, &in), "malformed JSON")
	assert.Zero(t, c.Len())
}

// TestDecodingAsTheSDKDoes covers payloads and targets without a shared value:
// they decode exactly as with the SDK's converter.
func TestDecodingAsTheSDKDoes(t *testing.T) {
	c := payload.NewJSONConverter(8)
	for name, data := range map[string]string{
		"null":          `null`,
		"no env":        `{"case":{"id":"case-1"}}`,
		"null env":      `{"case":{"id":"case-1"},"env":null}`,
		"key case":      `{"case":{"id":"case-1"},"ENV":{"directory":{"preferred_asc":"А"}}}`,
		"repeated env":  `{"env":{"directory":{"preferred_asc":"А"}},"case":{"id":"case-1"},"env":{"directory":{"preferred_asc":"Б"}}}`,
		"env then null": `{"env":{"directory":{"preferred_asc":"А"}},"case":{"id":"case-1"},"env":null}`,
		"spaces":        " { \"env\" : {\"directory\":{\"preferred_asc\":\"А\"}} , \"case\" : {\"id\":\"c\"} } ",
	} {
		t.Run(name, func(t *testing.T) {
			p := &commonpb.Payload{Data: []byte(data)}
			var got, want *workflows.PLCInput
			require.NoError(t, converter.NewJSONPayloadConverter().FromPayload(p, &want))
			require.NoError(t, c.FromPayload(p, &got))
			assert.Equal(t, want, got)
		})
	}
	for name, data := range map[string]string{
		"trailing data": `{"env":{}} x`,
		"wrong type":    `{"env":{"directory":[]}}`,
		"not an object": `[1]`,
	} {
		t.Run(name, func(t *testing.T) {
			var got *workflows.PLCInput
			err := c.FromPayload(&commonpb.Payload{Data: []byte(data)}, &got)
			assert.ErrorIs(t, err, converter.ErrUnableToDecode)
		})
	}
	type byPointer struct {
		Env *map[string]string `json:"env" payload:"shared"`
	}
	for _, data := range []string{`{"env":{"a":"b"},"env":null}`, `{"env":null,"env":{"a":"b"}}`} {
		p := &commonpb.Payload{Data: []byte(data)}
		var got, want byPointer
		require.NoError(t, converter.NewJSONPayloadConverter().FromPayload(p, &want))
		require.NoError(t, c.FromPayload(p, &got))
		assert.Equal(t, want, got, data)
	}
	var s string
	require.NoError(t, c.FromPayload(encode(t, "text"), &s))
	assert.Equal(t, "text", s)
}

// TestMisplacedTagIsAnError checks that a shared tag the converter cannot honour
// says so instead of silently not sharing.
func TestMisplacedTagIsAnError(t *testing.T) {
	type unnamed struct {
		Env map[string]string `json:"-" payload:"shared"`
	}
	type clash struct {
		Env  map[string]string `json:"env" payload:"shared"`
		Env2 map[string]string `json:"ENV"`
	}
	c := payload.NewJSONConverter(8)
	var u unnamed
	assert.ErrorContains(t, c.FromPayload(&commonpb.Payload{Data: []byte(`{}`)}, &u), "not an exported, named field")
	var cl clash
	assert.ErrorContains(t, c.FromPayload(&commonpb.Payload{Data: []byte(`{}`)}, &cl), "up to case")
}

// TestEncodingIsTheSDKs checks that payloads written through the new converter
// are the bytes the SDK's default data converter writes, so histories written
// before and after the change are alike.
func TestEncodingIsTheSDKs(t *testing.T) {
	for name, v := range map[string]any{
		"case input": testInput(t, "case-1", "МСС"),
		"nil":        nil,
		"bytes":      []byte("raw"),
		"proto":      &commonpb.WorkflowExecution{WorkflowId: "plc/1", RunId: "r"},
		"string":     "Иванов",
		"map":        map[string]any{"b": 1, "a": []int{1, 2}},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := converter.GetDefaultDataConverter().ToPayload(v)
			require.NoError(t, err)
			got, err := payload.DataConverter().ToPayload(v)
			require.NoError(t, err)
			assert.True(t, proto.Equal(want, got), "got %v, want %v", got, want)
		})
	}
}
