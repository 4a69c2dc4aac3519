package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

var mskZone = time.FixedZone("MSK", 3*3600)

// claimStart is a Wednesday, 10:00 in Moscow: a working day.
var claimStart = time.Date(2025, 10, 15, 10, 0, 0, 0, mskZone)

const claimCaseID = "5b0d7a52-9a51-4c1e-8a34-0c2f0d6f7a11"

// People of the claim tests.
var (
	director  = Actor{Name: "quality-director", Role: RoleQualityDirector}
	initiator = Actor{Name: "operator-1", Role: RoleOperator}
	ivanov    = Actor{Name: "ivanov", Role: RoleExecutor}
	petrov    = Actor{Name: "petrov", Role: RoleExecutor}
)

// claimView is the case view with the claim card decoded.
type claimView struct {
	CaseView
	Data ClaimData `json:"data"`
}

// openTask returns the ID of the open claim task of kind (for assignee, when given).
func (v claimView) openTask(kind, assignee string) string {
	for _, t := range v.Data.Tasks {
		if t.Kind == kind && (t.Status == TaskStatusOpen || t.Status == TaskStatusOverdue) &&
			(assignee == "" || t.Assignee == assignee) {
			return t.TaskID
		}
	}
	return ""
}

func (v claimView) task(id string) ClaimTaskEntry {
	for _, t := range v.Data.Tasks {
		if t.TaskID == id {
			return t
		}
	}
	return ClaimTaskEntry{}
}

func (v claimView) deadline(name string) Deadline {
	for _, d := range v.Deadlines {
		if d.Name == name {
			return d
		}
	}
	return Deadline{}
}

// ReclamationSuite drives claim settlements through the shared case harness.
type ReclamationSuite struct {
	CaseHarness
}

func TestReclamation(t *testing.T) { suite.Run(t, new(ReclamationSuite)) }

func (s *ReclamationSuite) SetupTest() {
	s.CaseHarness.SetupTest()
	s.Env = s.NewEnv(claimStart)
}

func claimEnv() Env[ClaimDirectory, ClaimOptions] {
	return CaseEnvOf(ClaimDirectory{
		QualityDirector: Contact{Name: "Заместитель технического директора по качеству", Email: "quality.director@example.com"},
		Management:      Contact{Name: "Руководство компании", Email: "management@example.com"},
	}, ClaimOptions{CardURL: "https://caseflow.example.com/cases/{id}"})
}

func claimIntake() ClaimIntake {
	return ClaimIntake{
		CommonIntake:        CommonIntake{Type: "reclamation", Channel: ChannelEmail},
		ReceivedBy:          initiator.Name,
		ReceivedByEmail:     "operator1@example.com",
		Client:              "ООО «Ромашка»",
		ClientEmail:         "claims@romashka.example.com",
		Project:             "Линия розлива Л-2",
		SerialNumbers:       []string{"SN-001", "SN-002"},
		ShipmentDate:        "2025-09-01",
		ShipmentResponsible: "Сидоров С. С.",
		Documents:           []string{"claim-letter.pdf"},
		Comment:             "Линия выдаёт продукцию несоответствующего качества: недолив 5 %.",
	}
}

func claimInput() *ClaimInput {
	return &ClaimInput{
		Case:   CaseMeta{ID: claimCaseID, Type: "reclamation"},
		Intake: claimIntake(),
		Env:    claimEnv(),
	}
}

// sendAt posts an event at t whose data may depend on the view at that moment.
func (s *ReclamationSuite) sendAt(env *testsuite.TestWorkflowEnvironment, t time.Time, label, event string, actor Actor, data func(v claimView) any) {
	s.At(env, t, func() { s.Send(env, label, event, actor, data(s.view(env))) })
}

func (s *ReclamationSuite) view(env *testsuite.TestWorkflowEnvironment) claimView {
	var v claimView
	s.ViewOf(env, &v)
	return v
}

func (s *ReclamationSuite) result(env *testsuite.TestWorkflowEnvironment) claimView {
	var v claimView
	s.ResultOf(env, &v)
	return v
}

func allDocuments(ivanovDocs, petrovDocs []string) []ClaimExecutor {
	var out []ClaimExecutor
	for _, d := range ivanovDocs {
		out = append(out, ClaimExecutor{Document: d, Name: ivanov.Name, Email: "ivanov@example.com"})
	}
	for _, d := range petrovDocs {
		out = append(out, ClaimExecutor{Document: d, Name: petrov.Name, Email: "petrov@example.com"})
	}
	return out
}

func mskAt(day, hour, minute int) time.Time {
	return time.Date(2025, 10, day, hour, minute, 0, 0, mskZone)
}

// Two returns for data, each completed by the initiator, then a rejection.
func (s *ReclamationSuite) TestTwoReturnsForDataThenRejected() {
	env := s.Env
	var registered, returned claimView
	s.At(env, mskAt(15, 10, 30), func() { registered = s.view(env) })
	s.sendAt(env, mskAt(15, 11, 0), "return1", "return_for_data", director, func(claimView) any {
		return map[string]any{"comment": "Нет номера договора"}
	})
	s.At(env, mskAt(15, 11, 5), func() { returned = s.view(env) })
	s.sendAt(env, mskAt(15, 12, 0), "resubmit by a stranger", "resubmit", Actor{Name: "operator-2", Role: RoleOperator}, func(claimView) any {
		return map[string]any{"comment": "чужая карточка"}
	})
	s.sendAt(env, mskAt(15, 12, 10), "reject while returned", "reject", director, func(claimView) any {
		return map[string]any{"reason": "рано"}
	})
	s.sendAt(env, mskAt(16, 10, 0), "resubmit1", "resubmit", initiator, func(claimView) any {
		return map[string]any{"comment": "Добавлен номер договора", "contract_number": "Д-17/2025"}
	})
	s.sendAt(env, mskAt(16, 11, 0), "resubmit twice", "resubmit", initiator, func(claimView) any {
		return map[string]any{"comment": "ещё раз"}
	})
	s.sendAt(env, mskAt(16, 12, 0), "return2", "return_for_data", director, func(claimView) any {
		return map[string]any{"comment": "Нужны серийные номера всего оборудования"}
	})
	s.sendAt(env, mskAt(17, 10, 0), "resubmit2", "resubmit", initiator, func(claimView) any {
		return map[string]any{"comment": "Добавлены серийные номера", "serial_numbers": []string{"SN-002", "SN-003"}, "documents": []string{"act-12.pdf"}}
	})
	s.sendAt(env, mskAt(17, 11, 0), "reject by an executor", "reject", ivanov, func(claimView) any {
		return map[string]any{"reason": "нет"}
	})
	s.sendAt(env, mskAt(17, 11, 5), "reject without a reason", "reject", director, func(claimView) any {
		return map[string]any{}
	})
	s.sendAt(env, mskAt(17, 12, 0), "reject", "reject", director, func(claimView) any {
		return map[string]any{"reason": "Недолив вызван нарушением клиентом регламента обслуживания (п. 4.2 договора)."}
	})
	env.ExecuteWorkflow(claimType.Name, claimInput())

	v := s.result(env)
	s.Applied("return1", "resubmit1", "return2", "resubmit2", "reject")
	s.Refused("resubmit by a stranger", ErrTypeForbidden)
	illegal := s.Refused("reject while returned", ErrTypeIllegalTransition)
	var details RefusalDetails
	s.Require().NoError(illegal.Details(&details))
	s.Equal(sm.ClaimAwaitingData, details.State)
	s.Equal([]string{"resubmit"}, details.AllowedEvents)
	s.Refused("resubmit twice", ErrTypeIllegalTransition)
	s.Refused("reject by an executor", ErrTypeForbidden)
	s.Equal("reason", s.refusedField("reject without a reason", ErrTypeInvalidData))

	// Registration: number, date and title are the system's.
	s.Equal(sm.ClaimQualification, registered.State)
	s.EqualValues(1, registered.Data.ClaimNumber)
	s.True(registered.Data.RegisteredAt.Equal(claimStart))
	s.Equal("Рекламация от 15.10.2025: ООО «Ромашка», проект «Линия розлива Л-2»", registered.Data.Title)
	s.Equal([]string{"open_investigation", "reject", "return_for_data"}, registered.AllowedEvents)
	s.Require().Len(registered.Tasks, 1)
	s.Equal(RoleQualityDirector, registered.Tasks[0].Role)
	s.True(registered.Tasks[0].Due.Equal(mskAt(17, 10, 0)), "qualification: 2 working days, got %s", registered.Tasks[0].Due)

	// The initiator's task is theirs.
	s.Require().Len(returned.Tasks, 1)
	s.Equal(initiator.Name, returned.Tasks[0].Assignee)
	s.Equal(RoleOperator, returned.Tasks[0].Role)
	s.Equal([]string{"resubmit"}, returned.Tasks[0].Events)

	s.Equal(sm.ClaimRejected, v.State)
	s.True(v.Closed)
	s.Empty(v.Tasks)
	s.Require().Len(v.Data.Returns, 2)
	s.Equal("Нет номера договора", v.Data.Returns[0].Comment)
	s.Equal([]string{"contract_number"}, v.Data.Returns[0].CompletedFields)
	s.Equal([]string{"serial_numbers", "documents"}, v.Data.Returns[1].CompletedFields)
	s.Equal("Д-17/2025", v.Data.Form.ContractNumber)
	s.Equal([]string{"SN-001", "SN-002", "SN-003"}, v.Data.Form.SerialNumbers)
	s.Equal("rejected", v.Data.Decision.Outcome)
	var events []string
	for _, h := range v.History {
		events = append(events, h.Event)
	}
	s.Equal([]string{"register", "return_for_data", "resubmit", "return_for_data", "resubmit", "reject"}, events)

	// Letters: the director is asked three times, the initiator twice, the client once.
	s.Len(s.Letters("квалифицируйте претензию"), 3)
	s.Len(s.Letters("нужны дополнительные данные"), 2)
	rejection := s.Letters("решение по претензии")
	s.Require().Len(rejection, 1)
	s.Equal([]string{"claims@romashka.example.com"}, rejection[0].To)
	s.Contains(rejection[0].Body, "признана необоснованной")
	s.Contains(rejection[0].Body, "п. 4.2 договора")
	s.Contains(rejection[0].Body, "номером 1")

	// Records: the card and its task list.
	recs, err := s.Records.ListCaseRecords(nil, claimCaseID)
	s.Require().NoError(err)
	s.Require().Len(recs.Claims, 1)
	s.Equal(sm.ClaimRejected, recs.Claims[0].Stage)
	s.Equal("ООО «Ромашка»", recs.Claims[0].Fields["client"])
	tasks, err := s.Records.ListClaimTasks(nil, 1)
	s.Require().NoError(err)
	s.Len(tasks, 5) // three qualifications, two returns
	for _, t := range tasks {
		s.Equal(TaskStatusDone, t.Status, t.Title)
		s.NotNil(t.CompletedAt)
	}
	for _, d := range v.Deadlines {
		s.True(d.Met && !d.Breached, "deadline %s", d.Name)
	}
}

func (s *ReclamationSuite) refusedField(label, errType string) string {
	var details RefusalDetails
	s.Require().NoError(s.Refused(label, errType).Details(&details))
	return details.Field
}

// An investigation resolved in one cycle, with refused events, a document added by
// the director and an executor who misses a deadline.
func (s *ReclamationSuite) TestInvestigationWithMissedDeadline() {
	env := s.Env
	s.sendAt(env, mskAt(15, 11, 0), "open without monitoring data", "open_investigation", director, func(claimView) any {
		return map[string]any{"hearing_date": "2025-10-24", "executors": allDocuments([]string{"contract", "technical_specification"}, []string{"acceptance_documents"})}
	})
	s.sendAt(env, mskAt(15, 11, 1), "open on a Saturday", "open_investigation", director, func(claimView) any {
		return map[string]any{"hearing_date": "2025-10-25", "executors": allDocuments([]string{"contract", "technical_specification"}, []string{"acceptance_documents", "monitoring_data"})}
	})
	s.sendAt(env, mskAt(15, 11, 2), "open", "open_investigation", director, func(claimView) any {
		return map[string]any{"hearing_date": "2025-10-24", "executors": allDocuments([]string{"contract", "technical_specification"}, []string{"acceptance_documents", "monitoring_data"})}
	})
	var opened claimView
	s.At(env, mskAt(15, 11, 5), func() { opened = s.view(env) })
	s.sendAt(env, mskAt(15, 11, 10), "commission too early", "commission_held", director, func(claimView) any {
		return map[string]any{"protocol": "-", "plan": []any{map[string]any{"task": "x", "assignee": ivanov.Name}}}
	})
	s.sendAt(env, mskAt(15, 11, 20), "someone else's document", "document_ready", petrov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskDocument, ivanov.Name)}
	})
	s.sendAt(env, mskAt(15, 11, 21), "unknown task", "document_ready", petrov, func(v claimView) any {
		return map[string]any{"task_id": claimCaseID + "-t99"}
	})
	s.sendAt(env, mskAt(15, 11, 22), "system event", "documents_collected", director, func(claimView) any { return nil })
	s.sendAt(env, mskAt(15, 11, 30), "request other", "request_document", director, func(claimView) any {
		return ClaimExecutor{Document: "Рекламационный акт клиента", Name: ivanov.Name, Email: "ivanov@example.com"}
	})
	s.sendAt(env, mskAt(15, 11, 31), "request twice", "request_document", director, func(claimView) any {
		return ClaimExecutor{Document: "contract", Name: ivanov.Name, Email: "ivanov@example.com"}
	})
	for i, minute := range []int{0, 1, 2} {
		s.sendAt(env, mskAt(16, 11, minute), fmt.Sprintf("ivanov doc %d", i), "document_ready", ivanov, func(v claimView) any {
			return map[string]any{"task_id": v.openTask(ClaimTaskDocument, ivanov.Name), "note": "готово", "attachments": []string{fmt.Sprintf("doc-%d.pdf", i)}}
		})
	}
	s.sendAt(env, mskAt(16, 12, 0), "petrov acceptance", "document_ready", petrov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskDocument, petrov.Name), "note": "акты приёмки"}
	})
	// Petrov forgets the monitoring data: reminded on Friday 17th, breached on Monday 20th 11:02.
	var beforeDue, afterDue claimView
	var lettersBeforeDue int
	s.At(env, mskAt(20, 11, 1), func() {
		beforeDue = s.view(env)
		lettersBeforeDue = len(s.Letters("просрочена задача"))
	})
	s.At(env, mskAt(20, 11, 3), func() { afterDue = s.view(env) })
	s.sendAt(env, mskAt(20, 14, 0), "petrov monitoring, late", "document_ready", petrov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskDocument, petrov.Name), "note": "данные мониторинга за сентябрь"}
	})
	var convened claimView
	s.At(env, mskAt(20, 14, 5), func() { convened = s.view(env) })
	s.sendAt(env, mskAt(21, 10, 0), "plan without e-mail", "commission_held", director, func(claimView) any {
		return map[string]any{"protocol": "x", "plan": []any{map[string]any{"task": "x", "assignee": "sidorov"}}}
	})
	s.sendAt(env, mskAt(21, 10, 1), "plan with a bad due", "commission_held", director, func(claimView) any {
		return map[string]any{"protocol": "x", "plan": []any{map[string]any{"task": "x", "assignee": ivanov.Name, "due": "soon"}}}
	})
	s.sendAt(env, mskAt(21, 10, 2), "commission", "commission_held", director, func(claimView) any {
		return map[string]any{
			"protocol": "Комиссия установила: недолив вызван износом дозатора №3.",
			"causes":   "Износ дозатора №3 сверх ресурса",
			"members":  []string{"Заместитель технического директора по качеству", "Иванов И. И.", "Петров П. П."},
			"plan": []any{
				map[string]any{"task": "Заменить дозатор №3", "assignee": ivanov.Name, "due": "2 working days"},
				map[string]any{"task": "Провести повторный мониторинг линии", "assignee": petrov.Name, "email": "petrov@example.com", "due": "2025-10-24"},
			},
		}
	})
	var planned claimView
	s.At(env, mskAt(21, 10, 5), func() { planned = s.view(env) })
	s.sendAt(env, mskAt(21, 10, 10), "report someone else's step", "task_reported", ivanov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskAction, petrov.Name), "report": "x"}
	})
	s.sendAt(env, mskAt(22, 10, 0), "ivanov step", "task_reported", ivanov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskAction, ivanov.Name), "report": "Дозатор заменён, акт 45"}
	})
	s.sendAt(env, mskAt(23, 10, 0), "petrov step", "task_reported", petrov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskAction, petrov.Name), "report": "Мониторинг: отклонений нет"}
	})
	s.sendAt(env, mskAt(23, 12, 0), "resolved", "client_confirmation", director, func(claimView) any {
		return map[string]any{"resolved": true, "comment": "Клиент подтвердил устранение"}
	})
	env.ExecuteWorkflow(claimType.Name, claimInput())

	v := s.result(env)
	s.Applied("open", "request other", "ivanov doc 0", "ivanov doc 1", "ivanov doc 2", "petrov acceptance",
		"petrov monitoring, late", "commission", "ivanov step", "petrov step", "resolved")
	s.Equal("executors", s.refusedField("open without monitoring data", ErrTypeInvalidData))
	s.Equal("hearing_date", s.refusedField("open on a Saturday", ErrTypeInvalidData))
	illegal := s.Refused("commission too early", ErrTypeIllegalTransition)
	s.Contains(illegal.Error(), `"collecting_documents"`)
	s.Refused("someone else's document", ErrTypeForbidden)
	s.Equal("task_id", s.refusedField("unknown task", ErrTypeInvalidData))
	s.Refused("system event", ErrTypeUnknownEvent)
	s.Equal("document", s.refusedField("request twice", ErrTypeInvalidData))
	s.Equal("plan[0].email", s.refusedField("plan without e-mail", ErrTypeInvalidData))
	s.Equal("plan[0].due", s.refusedField("plan with a bad due", ErrTypeInvalidData))
	s.Refused("report someone else's step", ErrTypeForbidden)

	// The investigation: the client's notice, four document tasks for their executors.
	s.Equal(sm.ClaimDocuments, opened.State)
	s.Len(opened.Tasks, 4)
	for _, t := range opened.Tasks {
		s.Equal(RoleExecutor, t.Role)
		s.True(t.Due.Equal(mskAt(20, 11, 2)), "documents: 3 working days, got %s", t.Due)
	}
	notice := s.Letters("претензии дан официальный ход")
	s.Require().Len(notice, 1)
	s.Equal([]string{"claims@romashka.example.com"}, notice[0].To)
	s.Contains(notice[0].Body, "Регистрационный номер: 1 от 15.10.2025")
	s.Contains(notice[0].Body, "Дата разбирательства: 24.10.2025")

	// The missed deadline: reminded a working day before, breached when it passed.
	reminders := s.Letters("Напоминание")
	s.Require().Len(reminders, 1, "only petrov's monitoring task was still open a day before its due")
	s.Equal([]string{"petrov@example.com"}, reminders[0].To)
	s.Contains(reminders[0].Body, "20.10.2025 11:02")
	monitoring := beforeDue.openTask(ClaimTaskDocument, petrov.Name)
	name := "document:" + monitoring[strings.LastIndex(monitoring, "-")+1:]
	s.False(beforeDue.deadline(name).Breached)
	s.Zero(lettersBeforeDue)
	s.True(afterDue.deadline(name).Breached)
	s.Equal(TaskStatusOverdue, afterDue.task(monitoring).Status)
	overdue := s.Letters("просрочена задача")
	s.Require().Len(overdue, 1)
	s.Equal([]string{"quality.director@example.com"}, overdue[0].To)
	s.Equal([]string{"petrov@example.com"}, overdue[0].Cc)
	s.Equal(sm.ClaimDocuments, afterDue.State)
	late := v.deadline(name)
	s.True(late.Breached && late.Met, "reported late: breached and met")
	s.True(late.MetAt.Equal(mskAt(20, 14, 0)))

	// Every document in: the commission meets by the close of the hearing day.
	s.Equal(sm.ClaimCommission, convened.State)
	s.Require().Len(convened.Tasks, 1)
	s.Equal(RoleQualityDirector, convened.Tasks[0].Role)
	s.True(convened.Tasks[0].Due.Equal(mskAt(24, 18, 0)), "hearing: close of 24.10, got %s", convened.Tasks[0].Due)

	// The plan: tasks with their own working-time dues, the protocol to the client.
	s.Equal(sm.ClaimRemediation, planned.State)
	s.Require().Len(planned.Tasks, 2)
	s.True(planned.Tasks[0].Due.Equal(mskAt(23, 10, 2)), "2 working days, got %s", planned.Tasks[0].Due)
	s.True(planned.Tasks[1].Due.Equal(mskAt(24, 18, 0)), "close of 24.10, got %s", planned.Tasks[1].Due)
	s.Equal("ivanov@example.com", planned.task(planned.Tasks[0].ID).Email, "a known executor's e-mail is reused")
	protocol := s.Letters("протокол заседания комиссии")
	s.Require().Len(protocol, 1)
	s.Contains(protocol[0].Body, "износом дозатора №3")
	s.Contains(protocol[0].Body, "1. Заменить дозатор №3 — ответственный: ivanov, срок: 23.10.2025 10:02")
	s.Contains(protocol[0].Body, "2. Провести повторный мониторинг линии — ответственный: petrov, срок: 24.10.2025 18:00")

	// Resolved: closing package, archive, apology.
	s.Equal(sm.ClaimClosed, v.State)
	s.True(v.Closed)
	s.Empty(v.Tasks)
	s.Len(v.Data.Works, 2)
	s.Equal([]string{"Цикл 1: Износ дозатора №3 сверх ресурса"}, v.Data.Archive.Causes)
	closing := s.Letters("пакет документов о закрытии")
	s.Require().Len(closing, 1)
	s.Contains(closing[0].Body, "1. Рекламация № 1, план мероприятий, шаг 1: Заменить дозатор №3 — ivanov, выполнено 22.10.2025 10:00: Дозатор заменён, акт 45")
	apology := s.Letters("письмо руководства")
	s.Require().Len(apology, 1)
	s.Equal([]string{"claims@romashka.example.com"}, apology[0].To)
	s.Equal([]string{"management@example.com"}, apology[0].Cc)
	s.Contains(apology[0].Body, "извинения")
	s.Contains(apology[0].Body, "Руководство компании")
	// five documents, two plan steps, and the director's commission and confirmation tasks
	s.Len(s.Letters("вам поручена задача"), 9)

	recs, err := s.Records.ListCaseRecords(nil, claimCaseID)
	s.Require().NoError(err)
	s.Equal(sm.ClaimClosed, recs.Claims[0].Stage)
	tasks, err := s.Records.ListClaimTasks(nil, 1)
	s.Require().NoError(err)
	statuses := map[string]int{}
	for _, t := range tasks {
		statuses[t.Status]++
	}
	// qualification, five documents, commission, two steps, confirmation; the archive record.
	s.Equal(map[string]int{TaskStatusDone: 10, ClaimTaskArchived: 1}, statuses)
	archive := tasks[len(tasks)-1]
	s.Contains(archive.Report, "Износ дозатора")
	s.Contains(archive.Report, "Дозатор заменён")
}

// Two remediation cycles: the first ends unresolved and the run continues as new;
// the second run picks up the state, the counters and the history and closes.
func (s *ReclamationSuite) TestTwoCyclesAcrossContinueAsNew() {
	env := s.Env
	s.sendAt(env, mskAt(15, 11, 0), "open", "open_investigation", director, func(claimView) any {
		return map[string]any{"hearing_date": "2025-10-17", "executors": allDocuments([]string{"contract", "technical_specification", "acceptance_documents", "monitoring_data"}, nil)}
	})
	for i := range 4 {
		s.sendAt(env, mskAt(15, 12, i), fmt.Sprintf("doc %d", i), "document_ready", ivanov, func(v claimView) any {
			return map[string]any{"task_id": v.openTask(ClaimTaskDocument, "")}
		})
	}
	s.sendAt(env, mskAt(16, 10, 0), "commission 1", "commission_held", director, func(claimView) any {
		return map[string]any{"protocol": "Протокол 1", "causes": "Сбой датчика уровня",
			"plan": []any{map[string]any{"task": "Откалибровать датчик уровня", "assignee": ivanov.Name}}}
	})
	s.sendAt(env, mskAt(16, 15, 0), "step 1", "task_reported", ivanov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskAction, ""), "report": "Датчик откалиброван"}
	})
	s.sendAt(env, mskAt(17, 10, 0), "not resolved", "client_confirmation", director, func(claimView) any {
		return map[string]any{"resolved": false, "comment": "Недолив повторился", "hearing_date": "2025-10-21"}
	})
	env.ExecuteWorkflow(claimType.Name, claimInput())

	s.Require().True(env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	s.Require().True(errors.As(env.GetWorkflowError(), &can), "want continue-as-new, got %v", env.GetWorkflowError())
	s.Equal("reclamation", can.WorkflowType.Name)
	var next ClaimInput
	s.Require().NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	s.Applied("open", "doc 0", "doc 1", "doc 2", "doc 3", "commission 1", "step 1", "not resolved")
	s.Require().NotNil(next.Carry)
	s.Require().NotNil(next.Data)
	s.Nil(next.LegacyData, "a new run writes its data under data")
	var carried ClaimData
	s.Require().NoError(json.Unmarshal(next.Data, &carried))
	s.Equal(sm.ClaimCommission, next.Carry.State)
	s.Equal(1, next.Carry.Runs)
	s.EqualValues(1, carried.ClaimNumber)
	s.Equal(1, carried.Cycle)
	s.Require().Len(next.Carry.Tasks, 1, "the next commission meeting is open")
	s.True(next.Carry.Tasks[0].Due.Equal(mskAt(21, 18, 0)))
	s.Equal("continued_as_new", next.Carry.History[len(next.Carry.History)-1].Event)

	// The second run starts where the first ended.
	start2 := env.Now()
	env2 := s.NewEnv(start2)
	var resumed claimView
	s.At(env2, mskAt(17, 10, 30), func() { resumed = s.view(env2) })
	s.sendAt(env2, mskAt(17, 10, 40), "resolved too early", "client_confirmation", director, func(claimView) any {
		return map[string]any{"resolved": true}
	})
	s.sendAt(env2, mskAt(21, 10, 0), "commission 2", "commission_held", director, func(claimView) any {
		return map[string]any{"protocol": "Протокол 2", "causes": "Трещина в корпусе дозатора",
			"plan": []any{
				map[string]any{"task": "Заменить корпус дозатора", "assignee": ivanov.Name},
				map[string]any{"task": "Проверить линию под нагрузкой", "assignee": petrov.Name, "email": "petrov@example.com", "due": "1 working day"},
			}}
	})
	s.sendAt(env2, mskAt(21, 15, 0), "step 2a", "task_reported", ivanov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskAction, ivanov.Name), "report": "Корпус заменён"}
	})
	s.sendAt(env2, mskAt(22, 9, 30), "step 2b", "task_reported", petrov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskAction, petrov.Name), "report": "Линия работает без недолива"}
	})
	s.sendAt(env2, mskAt(22, 12, 0), "resolved", "client_confirmation", director, func(claimView) any {
		return map[string]any{"resolved": true, "comment": "Претензий нет"}
	})
	env2.ExecuteWorkflow(claimType.Name, &next)

	v := s.result(env2)
	s.Applied("commission 2", "step 2a", "step 2b", "resolved")
	s.Refused("resolved too early", ErrTypeIllegalTransition)

	s.Equal(sm.ClaimCommission, resumed.State)
	s.EqualValues(1, resumed.Data.ClaimNumber)
	s.Equal([]string{"commission_held"}, resumed.AllowedEvents)
	s.Require().Len(resumed.Tasks, 1)
	s.True(resumed.OpenedAt.Equal(claimStart), "the case keeps its opening time")

	s.Equal(sm.ClaimClosed, v.State)
	s.Equal(2, v.Data.Cycle)
	s.Len(v.Data.Commissions, 2)
	s.Equal([]bool{false, true}, []bool{v.Data.Confirmations[0].Resolved, v.Data.Confirmations[1].Resolved})
	s.Len(v.Data.Works, 3, "the closing package lists the works of both cycles")
	s.Equal([]string{"Цикл 1: Сбой датчика уровня", "Цикл 2: Трещина в корпусе дозатора"}, v.Data.Archive.Causes)
	s.Contains(v.Data.Archive.Remarks, "Цикл 1: Недолив повторился")
	var events []string
	for _, h := range v.History {
		events = append(events, h.Event)
	}
	s.Equal(2, countOf(events, "commission_held"))
	s.Equal(1, countOf(events, "continued_as_new"))
	s.Equal(1, countOf(events, "confirm_unresolved"))
	s.Equal("confirm_resolved", events[len(events)-1])

	// Task IDs kept counting across the runs; the claim was registered once.
	var ids []string
	for _, t := range v.Data.Tasks {
		s.False(slices.Contains(ids, t.TaskID), "task ID %s repeats", t.TaskID)
		ids = append(ids, t.TaskID)
	}
	recs, err := s.Records.ListCaseRecords(nil, claimCaseID)
	s.Require().NoError(err)
	s.Len(recs.Claims, 1)
	s.Equal(sm.ClaimClosed, recs.Claims[0].Stage)
	s.Len(s.Letters("протокол заседания комиссии"), 2)
	s.Len(s.Letters("пакет документов о закрытии"), 1)
	s.Len(s.Letters("письмо руководства"), 1)
}

// A run that the server asks to continue as new mid-remediation carries its open
// tasks: the next run still reminds and breaches them.
func (s *ReclamationSuite) TestContinueAsNewSuggestedKeepsTaskWatchers() {
	env := s.Env
	s.sendAt(env, mskAt(15, 11, 0), "open", "open_investigation", director, func(claimView) any {
		return map[string]any{"hearing_date": "2025-10-17", "executors": allDocuments([]string{"contract", "technical_specification", "acceptance_documents"}, []string{"monitoring_data"})}
	})
	s.At(env, mskAt(15, 12, 0), func() { env.SetContinueAsNewSuggested(true) })
	s.sendAt(env, mskAt(15, 11, 30), "doc", "document_ready", ivanov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskDocument, ivanov.Name)}
	})
	env.ExecuteWorkflow(claimType.Name, claimInput())
	var can *workflow.ContinueAsNewError
	s.Require().True(errors.As(env.GetWorkflowError(), &can), "want continue-as-new, got %v", env.GetWorkflowError())
	var next ClaimInput
	s.Require().NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	s.Equal(sm.ClaimDocuments, next.Carry.State)
	s.Len(next.Carry.Tasks, 3)
	s.True(env.Now().Equal(mskAt(15, 12, 0)), "continued as new when suggested, at %s", env.Now())

	start2 := env.Now()
	env2 := s.NewEnv(start2)
	var late claimView
	s.At(env2, mskAt(20, 11, 5), func() { late = s.view(env2) })
	for i := range 3 {
		s.sendAt(env2, mskAt(20, 12, i), fmt.Sprintf("late %d", i), "document_ready", director, func(v claimView) any {
			return map[string]any{"task_id": v.openTask(ClaimTaskDocument, ""), "note": "сдано с опозданием"}
		})
	}
	s.sendAt(env2, mskAt(21, 10, 0), "commission", "commission_held", director, func(claimView) any {
		return map[string]any{"protocol": "П", "plan": []any{map[string]any{"task": "Шаг", "assignee": petrov.Name}}}
	})
	s.sendAt(env2, mskAt(21, 11, 0), "step", "task_reported", petrov, func(v claimView) any {
		return map[string]any{"task_id": v.openTask(ClaimTaskAction, ""), "report": "сделано"}
	})
	s.sendAt(env2, mskAt(21, 12, 0), "resolved", "client_confirmation", director, func(claimView) any {
		return map[string]any{"resolved": true}
	})
	env2.ExecuteWorkflow(claimType.Name, &next)
	v := s.result(env2)
	s.Applied("doc", "late 0", "late 1", "late 2", "commission", "step", "resolved")
	s.Equal(sm.ClaimClosed, v.State)

	s.Len(s.Letters("Напоминание"), 3, "every open document task is reminded by the second run")
	// the three documents, and the director's commission task of the first run
	s.Len(s.Letters("просрочена задача"), 4)
	breached := 0
	for _, d := range late.Deadlines {
		if d.Breached {
			breached++
		}
	}
	s.Equal(3, breached)
}

func countOf(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

func TestReclamationIntakeValidation(t *testing.T) {
	ct, ok := Lookup("reclamation")
	if !ok {
		t.Fatal("reclamation is not registered")
	}
	good := claimIntake()
	cases := map[string]struct {
		mutate func(in *ClaimIntake)
		field  string
	}{
		"valid":                  {func(*ClaimIntake) {}, ""},
		"no contract, no serial": {func(in *ClaimIntake) { in.ContractNumber, in.SerialNumbers = "", nil }, ""},
		"customer e-mail serves": {func(in *ClaimIntake) {
			in.ClientEmail, in.Customer.Email = "", "boss@romashka.example.com"
		}, ""},
		"no channel":         {func(in *ClaimIntake) { in.Channel = "" }, "channel"},
		"chat channel":       {func(in *ClaimIntake) { in.Channel = ChannelChat }, "channel"},
		"no receiver":        {func(in *ClaimIntake) { in.ReceivedBy = "" }, "received_by"},
		"bad receiver role":  {func(in *ClaimIntake) { in.ReceivedByRole = "boss" }, "received_by_role"},
		"no client":          {func(in *ClaimIntake) { in.Client = "" }, "client"},
		"no client e-mail":   {func(in *ClaimIntake) { in.ClientEmail = "" }, ""},
		"bad client e-mail":  {func(in *ClaimIntake) { in.ClientEmail = "boss@" }, "client_email"},
		"kind and period":    {func(in *ClaimIntake) { in.Kind, in.Period = ClaimKindBreakdown, ClaimPeriodWarranty }, ""},
		"unknown kind":       {func(in *ClaimIntake) { in.Kind = "damage" }, "kind"},
		"unknown period":     {func(in *ClaimIntake) { in.Period = "after" }, "period"},
		"no project":         {func(in *ClaimIntake) { in.Project = " " }, "project"},
		"bad shipment date":  {func(in *ClaimIntake) { in.ShipmentDate = "01.09.2025" }, "shipment_date"},
		"no shipment person": {func(in *ClaimIntake) { in.ShipmentResponsible = "" }, "shipment_responsible"},
		"empty serial":       {func(in *ClaimIntake) { in.SerialNumbers = []string{"SN-1", ""} }, "serial_numbers[1]"},
		"no documents":       {func(in *ClaimIntake) { in.Documents = nil }, "documents"},
		"no comment":         {func(in *ClaimIntake) { in.Comment = "" }, "comment"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			in := good
			in.SerialNumbers = slices.Clone(good.SerialNumbers)
			c.mutate(&in)
			raw, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ct.DecodeIntake(raw)
			var fe *FieldError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("valid intake refused: %v", err)
			case c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field):
				t.Fatalf("want a problem with %s, got %v", c.field, err)
			}
		})
	}
	if _, err := ct.DecodeIntake(json.RawMessage(`{"type":"reclamation","claim_number":7}`)); err == nil {
		t.Fatal("the claim number is the system's: the intake must not take one")
	}
}

func TestClaimAssigneesAreCallerNames(t *testing.T) {
	long := strings.Repeat("и", MaxAssigneeChars+1)
	plan := ClaimCommissionData{Protocol: "п", Plan: []ClaimPlanItem{{Task: "t", Assignee: long}}}
	err := plan.Validate()
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), "plan[0].assignee")
	}
	exec := ClaimExecutor{Document: "contract", Name: long, Email: "x@example.com"}
	assert.ErrorContains(t, exec.Validate(), "name")
}

// A claim taken by phone without the client's e-mail: the letters to the client
// are tasks for the initiator to deliver, with their text on the card (issue 15).
func (s *ReclamationSuite) TestClientWithoutEmailGetsLettersThroughTheInitiator() {
	env := s.Env
	in := claimInput()
	in.Intake.Channel, in.Intake.ClientEmail = ChannelPhone, ""
	s.sendAt(env, mskAt(15, 11, 0), "open", "open_investigation", director, func(claimView) any {
		return map[string]any{"hearing_date": "2025-10-24", "executors": allDocuments([]string{"contract", "technical_specification"}, []string{"acceptance_documents", "monitoring_data"})}
	})
	var rejected, delivered claimView
	s.At(env, mskAt(15, 11, 5), func() { rejected = s.view(env) })
	s.sendAt(env, mskAt(15, 12, 0), "delivered", "task_done", initiator, func(v claimView) any {
		return map[string]any{"task_id": v.Data.Letters[0].TaskID, "note": "письмо вручено лично"}
	})
	s.At(env, mskAt(15, 12, 5), func() { delivered = s.view(env) })
	s.sendAt(env, mskAt(15, 13, 0), "reject", "reject", director, func(claimView) any { return map[string]any{"reason": "-"} })
	env.ExecuteWorkflow(claimType.Name, in)
	s.Applied("open", "delivered")
	for _, t := range delivered.Tasks {
		s.NotEqual(rejected.Data.Letters[0].TaskID, t.ID, "task_done closed the delivery")
	}
	s.Require().Len(rejected.Data.Letters, 1)
	letter := rejected.Data.Letters[0]
	s.Contains(letter.Subject, "Рекламация № 1")
	s.Contains(letter.Body, "Регистрационный номер: 1")
	var task *Task
	for i := range rejected.Tasks {
		if rejected.Tasks[i].ID == letter.TaskID {
			task = &rejected.Tasks[i]
		}
	}
	s.Require().NotNil(task, "the initiator's task is in the inbox")
	s.Equal(RoleOperator, task.Role)
	s.Equal(initiator.Name, task.Assignee)
	s.Empty(s.Letters("официальный ход"), "nothing is mailed to nowhere")
}

// CreateClaim fails for good: the claim has no number, and no letter goes out
// with «№ 0» (issue 15).
func (s *ReclamationSuite) TestClaimWithoutNumberSendsNoNumberedLetters() {
	env := s.Env
	env.OnActivity("CreateClaim", mock.Anything, mock.Anything).Return(nil,
		temporal.NewNonRetryableApplicationError("claims register unavailable", activities.ErrTypePermanent, nil))
	var registered claimView
	s.At(env, mskAt(15, 11, 0), func() { registered = s.view(env) })
	s.sendAt(env, mskAt(15, 12, 0), "reject", "reject", director, func(claimView) any {
		return map[string]any{"reason": "необоснованна"}
	})
	env.ExecuteWorkflow(claimType.Name, claimInput())
	s.Applied("reject")
	s.Zero(registered.Data.ClaimNumber)
	s.NotEmpty(registered.Tasks, "the failed registration is a supervisor's task")
	for _, m := range s.Mailer.Sent() {
		s.NotContains(m.Subject+m.Body, "№ 0", "letter %s", m.Step)
	}
	s.Empty(s.Letters("квалифицируйте"))
	s.Empty(s.Letters("отказ"))
}

// Every human task with a due date is reminded and alerted, the director's
// qualification included; the director's letters link the card and name the
// claim's kind and period (issue 15).
func (s *ReclamationSuite) TestDirectorsTasksAreRemindedAndAlerted() {
	env := s.Env
	in := claimInput()
	in.Intake.Kind, in.Intake.Period = ClaimKindBreakdown, ClaimPeriodWarranty
	var late claimView
	// Qualification is due Friday 17th 10:00; reminded a working day before.
	s.At(env, mskAt(17, 10, 5), func() { late = s.view(env) })
	s.sendAt(env, mskAt(17, 11, 0), "reject", "reject", director, func(claimView) any { return map[string]any{"reason": "нет оснований"} })
	env.ExecuteWorkflow(claimType.Name, in)
	s.Applied("reject")
	q := late.task(late.openTask(ClaimTaskQualification, ""))
	s.Equal(TaskStatusOverdue, q.Status)
	s.Equal("quality.director@example.com", q.Email)
	reminders := s.Letters("Напоминание")
	s.Require().Len(reminders, 1)
	s.Equal([]string{"quality.director@example.com"}, reminders[0].To)
	s.Contains(reminders[0].Body, "return_for_data | reject | open_investigation")
	overdue := s.Letters("просрочена задача")
	s.Require().Len(overdue, 1)
	s.Equal([]string{"quality.director@example.com"}, overdue[0].To)
	s.Empty(overdue[0].Cc)
	qual := s.Letters("квалифицируйте")
	s.Require().Len(qual, 1)
	s.Contains(qual[0].Body, "Карточка претензии: https://caseflow.example.com/cases/"+claimCaseID)
	s.Contains(qual[0].Body, "Суть претензии: поломка, в гарантийный период")
}

// Document tasks are due before the hearing they serve: a hearing on Friday
// 17th puts them at the close of Thursday 16th, not three working days on
// (issue 15).
func (s *ReclamationSuite) TestDocumentTasksAreDueBeforeTheHearing() {
	env := s.Env
	s.sendAt(env, mskAt(15, 11, 0), "open", "open_investigation", director, func(claimView) any {
		return map[string]any{"hearing_date": "2025-10-17", "executors": allDocuments([]string{"contract", "technical_specification"}, []string{"acceptance_documents", "monitoring_data"})}
	})
	var opened claimView
	s.At(env, mskAt(15, 11, 5), func() { opened = s.view(env) })
	s.sendAt(env, mskAt(15, 11, 10), "reject", "reject", director, func(claimView) any { return map[string]any{"reason": "-"} })
	env.ExecuteWorkflow(claimType.Name, claimInput())
	s.Applied("open")
	docs := 0
	for _, t := range opened.Data.Tasks {
		if t.Kind == ClaimTaskDocument {
			docs++
			s.True(mskAt(16, 18, 0).Equal(t.Due), "task %s due %s", t.TaskID, t.Due)
		}
	}
	s.Equal(4, docs)
}

// The initiator's return-for-data task is reminded at the initiator's address
// and alerted to the director when it runs out (issue 15).
func (s *ReclamationSuite) TestInitiatorsTaskIsRemindedAndAlerted() {
	env := s.Env
	s.sendAt(env, mskAt(15, 11, 0), "return", "return_for_data", director, func(claimView) any {
		return map[string]any{"comment": "Нет номера договора"}
	})
	var late claimView
	s.At(env, mskAt(20, 11, 5), func() { late = s.view(env) })
	s.sendAt(env, mskAt(20, 12, 0), "resubmit", "resubmit", initiator, func(claimView) any {
		return map[string]any{"comment": "Номер договора указан", "contract_number": "Д-1"}
	})
	s.sendAt(env, mskAt(20, 13, 0), "reject", "reject", director, func(claimView) any { return map[string]any{"reason": "-"} })
	env.ExecuteWorkflow(claimType.Name, claimInput())
	s.Applied("return", "resubmit", "reject")
	s.Equal(TaskStatusOverdue, late.task(late.openTask(ClaimTaskInitiatorData, initiator.Name)).Status)
	reminders := s.Letters("Напоминание")
	s.Require().Len(reminders, 1)
	s.Equal([]string{"operator1@example.com"}, reminders[0].To)
	s.Contains(reminders[0].Body, "событие resubmit")
	overdue := s.Letters("просрочена задача")
	s.Require().Len(overdue, 1)
	s.Equal([]string{"quality.director@example.com"}, overdue[0].To)
	s.Equal([]string{"operator1@example.com"}, overdue[0].Cc)
}
