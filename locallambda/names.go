package locallambda

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// validateFunctionName checks a bare function name the way Lambda does:
// 1 to 64 letters, digits, hyphens or underscores.
func validateFunctionName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("locallambda: function name %q must be 1 to 64 characters", name)
	}
	for i := 0; i < len(name); i++ {
		if !isNameByte(name[i]) {
			return fmt.Errorf("locallambda: function name %q has invalid character %q", name, name[i])
		}
	}
	return nil
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// validateQualifier checks a version or alias: $LATEST or 1 to 128 of
// letters, digits, hyphens and underscores.
func validateQualifier(q string) error {
	if q == "$LATEST" {
		return nil
	}
	if q == "" || len(q) > 128 {
		return fmt.Errorf("qualifier %q must be $LATEST or 1 to 128 characters", q)
	}
	for i := 0; i < len(q); i++ {
		if !isNameByte(q[i]) {
			return fmt.Errorf("qualifier %q has invalid character %q", q, q[i])
		}
	}
	return nil
}

// parseFunctionRef splits the FunctionName path parameter of Invoke into
// the function name and an optional qualifier. It accepts "name",
// "name:qualifier", "ACCOUNT:function:name[:qualifier]" and
// "arn:PARTITION:lambda:REGION:ACCOUNT:function:name[:qualifier]".
func parseFunctionRef(ref string) (name, qualifier string, err error) {
	if len(ref) > 170 {
		return "", "", fmt.Errorf("function name of %d characters is too long", len(ref))
	}
	parts := strings.Split(ref, ":")
	switch {
	case len(parts) >= 6 && parts[0] == "arn":
		if len(parts) < 7 || len(parts) > 8 || parts[2] != "lambda" || parts[5] != "function" {
			return "", "", fmt.Errorf("invalid function ARN %q", ref)
		}
		parts = parts[6:]
	case len(parts) >= 3 && parts[1] == "function":
		if len(parts) > 4 {
			return "", "", fmt.Errorf("invalid partial function ARN %q", ref)
		}
		parts = parts[2:]
	case len(parts) > 2:
		return "", "", fmt.Errorf("invalid function name %q", ref)
	}
	name = parts[0]
	if err := validateFunctionName(name); err != nil {
		return "", "", fmt.Errorf("invalid function name %q", ref)
	}
	if len(parts) == 2 {
		qualifier = parts[1]
		if err := validateQualifier(qualifier); err != nil {
			return "", "", err
		}
	}
	return name, qualifier, nil
}

// newRequestID returns a random UUID (version 4), the form of Lambda
// request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// newTraceID returns an X-Ray trace header value.
func newTraceID(epoch int64) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	var p [8]byte
	_, _ = rand.Read(p[:])
	return fmt.Sprintf("Root=1-%08x-%x;Parent=%x;Sampled=0", epoch, b, p)
}
