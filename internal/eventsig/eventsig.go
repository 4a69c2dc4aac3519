// Package eventsig signs the events the API sends to cases and checks them in
// the worker, so that an update written straight into the Temporal namespace —
// by anyone who can reach it, the Temporal UI or CLI included — cannot pass for
// a person's event with a role the API never granted.
//
// The API signs each event request with HMAC-SHA256 under the active key of a
// key ring: the actor's name and role, the event, its data, the case's workflow
// ID, the update's ID and the time of signing. The worker checks the signature
// in an interceptor of the update's validation (WorkerInterceptor) with the key
// ring it holds in its own process: keys never travel in a workflow's input or
// in history, and since Temporal does not run validators when it replays a
// history, rotating or dropping a key changes no replay. A request without a
// valid signature, signed with a key the worker lacks, or signed more than
// MaxAge ago is rejected before the case sees it: nothing is written to the
// case's history, and the caller gets the rejection.
package eventsig

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/workflows"
)

// KeySize is the size of a signing key in bytes.
const KeySize = 32

// MaxAge is how long a signature stays good: a request the worker has not
// validated by then is rejected (the API's caller has long timed out, and its
// retry is signed anew). MaxSkew is how far ahead of the worker's clock the
// API's may run.
const (
	MaxAge  = 10 * time.Minute
	MaxSkew = time.Minute
)

// ErrTypeUnsigned is the Temporal application error type of a rejected event.
const ErrTypeUnsigned = "EventNotSigned"

// Ring is a key ring: every key a running API may sign with, by ID, and the ID
// of the one it signs with now. Rotate by adding a key to every worker first,
// then making it Active at the APIs; drop the old key after MaxAge.
type Ring struct {
	active string
	keys   map[string][]byte
}

// New checks keys (each KeySize bytes, non-empty IDs) and returns their ring;
// active names the signing key. A worker that only checks may leave active
// empty.
func New(active string, keys map[string][]byte) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("eventsig: no event signing key")
	}
	r := &Ring{active: active, keys: map[string][]byte{}}
	for id, k := range keys {
		if id == "" {
			return nil, errors.New("eventsig: a key has an empty ID")
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("eventsig: key ID %q is %d bytes, want %d", id, len(k), KeySize)
		}
		r.keys[id] = bytes.Clone(k)
	}
	if _, ok := r.keys[active]; active != "" && !ok {
		return nil, fmt.Errorf("eventsig: active key ID %q names no key", active)
	}
	return r, nil
}

// KeyID is the ID of a key given without one (codec.KeyID: a fingerprint).
func KeyID(key []byte) string { return codec.KeyID(key) }

// Sign sets req.Sig: a signature of req for the case workflowID, carried by the
// update updateID, made at now.
func (r *Ring) Sign(req *workflows.EventRequest, workflowID, updateID string, now time.Time) error {
	key, ok := r.keys[r.active]
	if r.active == "" || !ok {
		return errors.New("eventsig: no active signing key")
	}
	sig := &workflows.EventSig{KeyID: r.active, IssuedAt: now.UTC().Truncate(time.Millisecond)}
	msg, err := message(req, sig, workflowID, updateID)
	if err != nil {
		return err
	}
	sig.MAC = mac(key, msg)
	req.Sig = sig
	return nil
}

// Verify checks req's signature for the case workflowID and the update
// updateID at now; the error says what is wrong.
func (r *Ring) Verify(req workflows.EventRequest, workflowID, updateID string, now time.Time) error {
	sig := req.Sig
	if sig == nil {
		return errors.New("the event is not signed: events enter a case only through the caseflow API")
	}
	key, ok := r.keys[sig.KeyID]
	if !ok {
		return fmt.Errorf("the event is signed with key ID %q, which this worker does not hold", sig.KeyID)
	}
	msg, err := message(&req, sig, workflowID, updateID)
	if err != nil {
		return err
	}
	if !hmac.Equal(mac(key, msg), sig.MAC) {
		return errors.New("the event's signature does not match its actor, event, data, case or update")
	}
	switch age := now.Sub(sig.IssuedAt); {
	case age > MaxAge:
		return fmt.Errorf("the event was signed %s ago, more than %s: send it again", age.Round(time.Second), MaxAge)
	case age < -MaxSkew:
		return fmt.Errorf("the event is signed %s in the future: the API's and the worker's clocks disagree", (-age).Round(time.Second))
	}
	return nil
}

// message is what a signature covers, unambiguously framed (a JSON array of
// strings). The data is normalised the way the SDK's JSON converter
// re-encodes a json.RawMessage (compacted, HTML-escaped), so the bytes the
// worker decodes sign the same as those the API sent.
func message(req *workflows.EventRequest, sig *workflows.EventSig, workflowID, updateID string) ([]byte, error) {
	data, err := json.Marshal(req.Data)
	if err != nil {
		return nil, fmt.Errorf("eventsig: the event's data is not JSON: %w", err)
	}
	return json.Marshal([]string{
		"caseflow-event-v1", sig.KeyID, sig.IssuedAt.UTC().Format(time.RFC3339Nano),
		workflowID, updateID, req.Event, req.Actor.Name, req.Actor.Role, string(data),
	})
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

// WorkerInterceptor checks the signature of every update that carries a
// workflows.EventRequest, in the update's validation, with ring and the
// worker's clock now; a request that fails is rejected. Give it in
// worker.Options.Interceptors.
func WorkerInterceptor(ring *Ring, now func() time.Time) interceptor.WorkerInterceptor {
	return &workerInterceptor{ring: ring, now: now}
}

type workerInterceptor struct {
	interceptor.WorkerInterceptorBase
	ring *Ring
	now  func() time.Time
}

func (w *workerInterceptor) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	in := &inbound{w: w}
	in.Next = next
	return in
}

type inbound struct {
	interceptor.WorkflowInboundInterceptorBase
	w *workerInterceptor
}

// ValidateUpdate runs only for an update not yet in the history (the SDK never
// validates during replay), so reading the clock and the key ring here changes
// nothing a replay sees.
func (in *inbound) ValidateUpdate(ctx workflow.Context, input *interceptor.UpdateInput) error {
	for _, arg := range input.Args {
		var req workflows.EventRequest
		switch v := arg.(type) {
		case workflows.EventRequest:
			req = v
		case *workflows.EventRequest:
			if v == nil {
				continue
			}
			req = *v
		default:
			continue
		}
		info := workflow.GetInfo(ctx)
		upd := workflow.GetCurrentUpdateInfo(ctx)
		updateID := ""
		if upd != nil {
			updateID = upd.ID
		}
		if err := in.w.ring.Verify(req, info.WorkflowExecution.ID, updateID, in.w.now()); err != nil {
			return temporal.NewNonRetryableApplicationError("update refused: "+err.Error(), ErrTypeUnsigned, nil)
		}
	}
	return in.Next.ValidateUpdate(ctx, input)
}

// IDs lists the ring's key IDs, sorted (for logs).
func (r *Ring) IDs() []string {
	ids := make([]string, 0, len(r.keys))
	for id := range r.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// ActiveKeyID is the ID of the key Sign uses ("" for a ring that only checks).
func (r *Ring) ActiveKeyID() string { return r.active }
