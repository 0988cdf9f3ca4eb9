package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// apiError is an error with an HTTP status; its message is the reason in the body.
type apiError struct {
	code int
	msg  string
	err  error
	// retryAfter, when positive, is sent as the Retry-After header (seconds).
	retryAfter int
}

func (e *apiError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%d: %s: %v", e.code, e.msg, e.err)
	}
	return fmt.Sprintf("%d: %s", e.code, e.msg)
}

func (e *apiError) Unwrap() error { return e.err }

// httpErr returns an apiError with a formatted message.
func httpErr(code int, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// badRequest wraps err as a 400 whose reason is err's text.
func badRequest(err error) *apiError {
	return &apiError{code: http.StatusBadRequest, msg: err.Error()}
}

// toAPIError maps engine errors to HSDS status codes.
func (s *Server) toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, hdf.ErrNotFound), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrBucketNotFound):
		code = http.StatusNotFound
	case errors.Is(err, hdf.ErrExists), errors.Is(err, hdf.ErrShape):
		code = http.StatusConflict
	case errors.Is(err, hdf.ErrRootGroup), errors.Is(err, hdf.ErrRefNotAllowed):
		code = http.StatusForbidden
	case errors.Is(err, hdf.ErrTooLarge):
		code = http.StatusRequestEntityTooLarge
	case errors.Is(err, hdf.ErrIsFolder), errors.Is(err, hdf.ErrUnsupported),
		errors.Is(err, schema.ErrInvalidID), errors.Is(err, schema.ErrInvalidDomain),
		errors.Is(err, schema.ErrInvalidKey), errors.Is(err, store.ErrInvalidKey),
		errors.Is(err, store.ErrInvalidBucket), errors.Is(err, store.ErrInvalidRange),
		errors.Is(err, selection.ErrInvalid), errors.Is(err, h5type.ErrInvalidType),
		errors.Is(err, h5type.ErrCommittedType):
		code = http.StatusBadRequest
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, store.ErrContended), errors.Is(err, hdf.ErrResized),
		errors.Is(err, hdf.ErrRewriting), errors.Is(err, store.ErrChanged):
		// Transient: writers kept racing for one object, the dataset was resized under a
		// write, or a chunk kept changing while it was read (rewritten in place by HSDS on a
		// shared store; the message names it). writeError adds Retry-After.
		code = http.StatusServiceUnavailable
	}
	return &apiError{code: code, msg: err.Error()}
}

// writeError writes HSDS's plain-text error body "<code>: <reason>".
func writeError(w http.ResponseWriter, e *apiError) {
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case e.retryAfter > 0:
		h.Set("Retry-After", strconv.Itoa(e.retryAfter))
	case e.code == http.StatusServiceUnavailable && h.Get("Retry-After") == "":
		h.Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	w.WriteHeader(e.code)
	fmt.Fprintf(w, "%d: %s", e.code, e.msg)
}
