package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows"
)

func exampleConfig(t *testing.T) []byte {
	raw, err := os.ReadFile("example.yaml")
	require.NoError(t, err)
	return raw
}

func TestExampleConfigLoads(t *testing.T) {
	cfg, err := Parse(exampleConfig(t))
	require.NoError(t, err)
	anyEnv, ok := cfg.Settings().EnvOf("plc")
	require.True(t, ok)
	env := anyEnv.(workflows.Env[workflows.PLCDirectory, workflows.PLCOptions])
	assert.Equal(t, "engineer.washers@example.com", env.Directory.Engineer("washing_machine").Email)
	assert.Equal(t, "engineer.duty@example.com", env.Directory.Engineer("vacuum").Email, "unknown categories go to the duty engineer")
	assert.Len(t, env.Directory.EscalationChain, 4)
	p, err := env.Calendars.Policy("plc.verdict")
	require.NoError(t, err)
	assert.Equal(t, "3 working hours", p.String())
	assert.Len(t, cfg.Auth.Tokens, 7)
}

func TestExampleConfigHoldsNoRealAddresses(t *testing.T) {
	for _, line := range strings.Split(string(exampleConfig(t)), "\n") {
		if i := strings.Index(line, "@"); i >= 0 && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			assert.Contains(t, line, "@example.com", "only example addresses may ship: %s", line)
		}
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	cases := map[string]struct{ from, to, want string }{
		"typo":         {"supervisors_mailbox:", "supervisor_mailbox:", "supervisor_mailbox"},
		"no mail.from": {"from: caseflow@example.com", "from: ''", "mail.from is required"},
		"bad role":     {"role: operator,", "role: boss,", `auth.tokens[0].role must be one of`},
		"bad policy":   {"plc.verdict: 3 working hours", "plc.verdict: three hours", "plc.verdict"},
		"no b2b mail":  {"service_b2b: serviceb2b@example.com", "service_b2b: ''", "directory.redirects.service_b2b: is required (case type plc)"},
		"unknown key":  {"supervisors_mailbox:", "supervisorz_mailbox:", "directory.supervisorz_mailbox: no case type reads this key (plc: engineers_by_category"},
		"unknown sla":  {"plc.verdict: 3 working hours", "plc.verdikt: 3 working hours", "sla.plc.verdikt: no case type declares this policy (declared: "},
		"bad option":   {"planned_date_working_day: false", "planned_date_working_day: sometimes", "options.planned_date_working_day: must be true or false"},
		"no chain":     {"  escalation_chain:\n", "  escalation_chain: []\n  old_chain:\n", "old_chain"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			raw := strings.Replace(string(exampleConfig(t)), c.from, c.to, 1)
			require.NotEqual(t, string(exampleConfig(t)), raw, "the test must change the config")
			_, err := Parse([]byte(raw))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestCodecKeysMustHaveDistinctIDs(t *testing.T) {
	secret := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // 32 bytes, base64
	raw := string(exampleConfig(t)) + "codec:\n  active: k1\n  keys:\n    - {id: k1, secret: " + secret + "}\n    - {id: k1, secret: " + secret + "}\n"
	_, err := Parse([]byte(raw))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `codec.keys[1].id "k1" is used twice`)

	fixed := strings.Replace(raw, "- {id: k1, secret: "+secret+"}\n", "- {id: k0, secret: "+secret+"}\n", 1)
	_, err = Parse([]byte(fixed))
	assert.NoError(t, err)
}

// TestCodecSealedFormat: the sealed format is 1 or 2, or unset.
func TestCodecSealedFormat(t *testing.T) {
	for _, f := range []string{"1", "2"} {
		cfg, err := Parse([]byte(string(exampleConfig(t)) + "codec:\n  sealed_format: " + f + "\n"))
		require.NoError(t, err)
		assert.Equal(t, f, strconv.Itoa(cfg.Codec.SealedFormat))
	}
	_, err := Parse([]byte(string(exampleConfig(t)) + "codec:\n  sealed_format: 3\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "codec.sealed_format 3: want 2, or 1 while workers released before format 2 may run")
}

// TestAccessReadIsChecked: the read matrix's overrides name known case types
// and roles, or the config is refused naming the key.
func TestAccessReadIsChecked(t *testing.T) {
	cfg, err := Parse([]byte(string(exampleConfig(t)) + "access:\n  read:\n    plc: [supervisor, engineer]\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"supervisor", "engineer"}, cfg.Access.Read["plc"])

	_, err = Parse([]byte(string(exampleConfig(t)) + "access:\n  read:\n    plcc: [supervisor]\n    dispute: [boss]\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "access.read.plcc: no such case type")
	assert.Contains(t, err.Error(), `access.read.dispute: unknown role "boss"`)
}

// TestExampleCopyListHasTheSeedsThirteenLines: seed 000's copy list has 13
// lines, the ASC's manager one line with two people; the head of technical
// support and the supervisors' mailbox are two of them (issue 15).
func TestExampleCopyListHasTheSeedsThirteenLines(t *testing.T) {
	cfg := Example()
	var lines []workflows.CopyLine
	require.NoError(t, json.Unmarshal(cfg.Settings().Directory["plc_copy_list"], &lines))
	require.Len(t, lines, 11, "13 lines less the head of technical support and the supervisors' mailbox")
	var asc *workflows.CopyLine
	for i := range lines {
		if len(lines[i].Emails) > 0 {
			asc = &lines[i]
		}
		for _, e := range append([]string{lines[i].Email}, lines[i].Emails...) {
			if e != "" {
				require.True(t, strings.HasSuffix(e, "@example.com"), "example addresses only: %s", e)
			}
		}
	}
	require.NotNil(t, asc, "the ASC's manager line names two people")
	require.Equal(t, "Ответственный менеджер за АСЦ", asc.Name)
	require.Len(t, asc.Emails, 2)
	require.Contains(t, string(cfg.Settings().Directory["head_of_technical_support"]), "@example.com")
	require.Contains(t, string(cfg.Settings().Directory["supervisors_mailbox"]), "@example.com")
}

// TestCaseKeepsItsCategorysEngineer checks what a new case's snapshot keeps of
// the engineers by category: its intake's category's engineer only (the one
// it writes to), or none for a category nobody is named for (the default
// engineer then); the type's shared snapshot keeps them all.
func TestCaseKeepsItsCategorysEngineer(t *testing.T) {
	s := Example().Settings()
	for _, name := range []string{"plc", "dispute"} {
		ct, ok := workflows.Lookup(name)
		require.True(t, ok)
		raw := map[string]json.RawMessage{
			"plc":     json.RawMessage(`{"type":"plc","channel":"email","customer":{"full_name":"Петрова Анна Сергеевна","phone":"+7 916 555-12-34","email":"petrova@example.com","address":"Казань, ул. Тестовая, 7"},"product":{"brand":"Haier","model":"C2F637CWRG","category":"%s","purchase_date":"2024-12-20","store":"Эльдорадо"},"description":"Холодильник задымился и загорелся","mood":"напугана","demands":["компенсация кухни"]}`),
			"dispute": json.RawMessage(`{"type":"dispute","channel":"phone","path":"hotline","customer":{"full_name":"Петров Пётр","phone":"+7 912 000-00-01"},"product":{"brand":"Haier","model":"HW70","category":"%s"},"description":"Не отжимает после ремонта","request_number":"SR-1001","asc_report_available":true,"documents":["act-1001.pdf"]}`),
		}[name]
		engineers := func(category string) (map[string]workflows.Contact, workflows.Contact) {
			t.Helper()
			intake, err := ct.DecodeIntake(json.RawMessage(fmt.Sprintf(string(raw), category)))
			require.NoError(t, err, name)
			in, err := ct.NewInput(workflows.CaseMeta{ID: "c-1", Type: name}, intake, s)
			require.NoError(t, err, name)
			switch in := in.(type) {
			case *workflows.PLCInput:
				return in.Env.Directory.EngineersByCategory, in.Env.Directory.Engineer(category)
			case *workflows.DisputeInput:
				return in.Env.Directory.EngineersByCategory, in.Env.Directory.Engineer(category)
			}
			t.Fatalf("%s: input %T", name, in)
			return nil, workflows.Contact{}
		}
		fridges, engineer := engineers("refrigerator")
		require.Len(t, fridges, 1, name)
		require.Equal(t, "engineer.fridges@example.com", engineer.Email, name)
		washers, engineer := engineers("washing_machine")
		require.Equal(t, []string{"washing_machine"}, slices.Collect(maps.Keys(washers)), name)
		require.Equal(t, "engineer.washers@example.com", engineer.Email, name)
		require.Len(t, fridges, 1, "%s: the first case's snapshot is its own", name)
		none, engineer := engineers("vacuum_cleaner")
		require.Empty(t, none, name)
		require.Equal(t, "engineer.duty@example.com", engineer.Email, "%s: the default engineer", name)
		// The next case of any category still finds its engineer: the
		// type's snapshot lost none.
		_, engineer = engineers("air_conditioner")
		require.Equal(t, "engineer.ac@example.com", engineer.Email, name)
	}
}
