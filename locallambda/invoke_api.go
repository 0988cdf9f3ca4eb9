package locallambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
)

// Invoke API header names.
const (
	hdrInvocationType  = "X-Amz-Invocation-Type"
	hdrLogType         = "X-Amz-Log-Type"
	hdrLogResult       = "X-Amz-Log-Result"
	hdrExecutedVersion = "X-Amz-Executed-Version"
	hdrFunctionError   = "X-Amz-Function-Error"
	hdrClientCtx       = "X-Amz-Client-Context"
	hdrAmznRequestID   = "X-Amzn-Requestid"
	hdrAmznErrorType   = "X-Amzn-Errortype"
)

// apiError is a Lambda service error: the status, the X-Amzn-ErrorType
// code and the JSON body fields the SDK decodes.
type apiError struct {
	status  int
	code    string
	message string
	reason  string // TooManyRequestsException only
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// write sends e as Lambda does: the code in X-Amzn-ErrorType and a body
// {"Type":"User","message":...} (plus "Reason" for throttles).
func (e *apiError) write(w http.ResponseWriter) {
	body := map[string]string{"Type": "User", "message": e.message}
	if e.status >= 500 {
		body["Type"] = "Service"
	}
	if e.reason != "" {
		body["Reason"] = e.reason
	}
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Set(hdrAmznErrorType, e.code)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

func tooLarge(limit int) *apiError {
	return &apiError{
		status:  http.StatusRequestEntityTooLarge,
		code:    "RequestEntityTooLargeException",
		message: fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", limit),
	}
}

func throttled() *apiError {
	return &apiError{
		status:  http.StatusTooManyRequests,
		code:    "TooManyRequestsException",
		message: "Rate Exceeded.",
		reason:  "ReservedFunctionConcurrentInvocationLimitExceeded",
	}
}

func invalidParameter(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidParameterValueException", message: msg}
}

func serviceError(msg string) *apiError {
	return &apiError{status: http.StatusInternalServerError, code: "ServiceException", message: msg}
}

// serveUnknown answers requests outside the supported API.
func (s *Service) serveUnknown(w http.ResponseWriter, r *http.Request) {
	(&apiError{status: http.StatusNotFound, code: "UnknownOperationException",
		message: fmt.Sprintf("unsupported operation %s %s", r.Method, r.URL.Path)}).write(w)
}

// serveInvoke is the Invoke API.
func (s *Service) serveInvoke(w http.ResponseWriter, r *http.Request) {
	id := newRequestID()
	w.Header().Set(hdrAmznRequestID, id)
	if err := s.invokeHTTP(w, r, id); err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = serviceError(err.Error())
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "invoke rejected",
			slog.String(keyRequestID, id), slog.Int(keyStatus, ae.status), slog.String(keyErrorType, ae.code))
		ae.write(w)
	}
}

// invokeHTTP runs one Invoke request; an error is answered as a service
// error by the caller.
func (s *Service) invokeHTTP(w http.ResponseWriter, r *http.Request, id string) error {
	ref := r.PathValue("name")
	name, qual, err := parseFunctionRef(ref)
	if err != nil {
		return invalidParameter(err.Error())
	}
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		if err := validateQualifier(q); err != nil {
			return invalidParameter(err.Error())
		}
		if qual != "" && q != qual {
			return invalidParameter(fmt.Sprintf("qualifier %q in the function name differs from Qualifier %q", qual, q))
		}
	}
	f := s.funcs[name]
	if f == nil {
		return &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException",
			message: fmt.Sprintf("Function not found: arn:aws:lambda:%s:%s:function:%s", s.cfg.Region, s.cfg.AccountID, name)}
	}
	invType := r.Header.Get(hdrInvocationType)
	limit := MaxSyncPayload
	switch invType {
	case "", "RequestResponse":
		invType = "RequestResponse"
	case "Event":
		limit = MaxEventPayload
	case "DryRun":
	default:
		return invalidParameter(fmt.Sprintf("invalid invocation type %q", invType))
	}
	tail := false
	switch lt := r.Header.Get(hdrLogType); lt {
	case "", "None":
	case "Tail":
		tail = invType == "RequestResponse"
	default:
		return invalidParameter(fmt.Sprintf("invalid log type %q", lt))
	}
	if r.ContentLength > int64(limit) {
		return tooLarge(limit)
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return invalidParameter(fmt.Sprintf("read request body: %v", err))
	}
	if len(payload) > limit {
		return tooLarge(limit)
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	clientContext := ""
	if cc := r.Header.Get(hdrClientCtx); cc != "" {
		b, err := base64.StdEncoding.DecodeString(cc)
		if err != nil || len(b) > 3583 || !json.Valid(b) {
			return invalidParameter("Client context must be a valid Base64-encoded JSON object.")
		}
		clientContext = string(b)
	}
	if invType == "DryRun" {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	draw := s.faults.draw()
	if draw.throttle {
		f.stats.throttled()
		return throttled()
	}
	arn := f.arn
	if qual != "" {
		arn += ":" + qual
	}
	inv := newInvocation(id, payload, arn, clientContext)

	if invType == "Event" {
		if !s.goBackground(func() { s.runEvent(f, inv, draw) }) {
			return serviceError("service closed")
		}
		f.stats.event()
		w.WriteHeader(http.StatusAccepted)
		return nil
	}

	sb, err := s.acquire(r.Context(), f, false)
	switch {
	case errors.Is(err, errNoCapacity):
		f.stats.throttled()
		return throttled()
	case errors.Is(err, errClosed):
		return serviceError("service closed")
	case err != nil:
		o := outcome{kind: kindInit, errBody: errorJSON("Runtime.InvalidEntrypoint", err.Error()), errType: "Runtime.InvalidEntrypoint"}
		f.stats.record(&o)
		writeOutcome(w, &o, false)
		return nil
	}
	o, sb, err := s.runOn(f, sb, inv, draw)
	s.release(f, sb, o.healthy)
	if err != nil {
		return serviceError(err.Error())
	}
	if o.kind == kindClosed {
		return serviceError("service closed")
	}
	writeOutcome(w, &o, tail)
	return nil
}

// writeOutcome answers a RequestResponse invocation.
func writeOutcome(w http.ResponseWriter, o *outcome, tail bool) {
	h := w.Header()
	h.Set(hdrExecutedVersion, "$LATEST")
	if tail && len(o.log) > 0 {
		h.Set(hdrLogResult, base64.StdEncoding.EncodeToString(o.log))
	}
	body := o.payload
	if o.functionError() {
		h.Set(hdrFunctionError, "Unhandled")
		body = o.errBody
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// runEvent runs an Event invocation in the background: it waits for a
// free sandbox (Lambda queues asynchronous events) and logs the outcome.
func (s *Service) runEvent(f *function, inv *invocation, draw faultDraw) {
	sb, err := s.acquire(s.ctx, f, true)
	if err != nil {
		if !errors.Is(err, context.Canceled) && !errors.Is(err, errClosed) {
			s.log.LogAttrs(s.ctx, slog.LevelWarn, "event invocation not run",
				slog.String(keyRequestID, inv.id), slog.String("error", err.Error()))
		}
		return
	}
	o, sb, err := s.runOn(f, sb, inv, draw)
	s.release(f, sb, o.healthy)
	if err != nil && !errors.Is(err, errClosed) {
		s.log.LogAttrs(s.ctx, slog.LevelWarn, "event invocation not run",
			slog.String(keyRequestID, inv.id), slog.String("error", err.Error()))
	}
}

// errorTypeOf returns the errorType of a function error document.
func errorTypeOf(body []byte) string {
	var e struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(body, &e) != nil || e.ErrorType == "" {
		return "Unhandled"
	}
	return e.ErrorType
}
