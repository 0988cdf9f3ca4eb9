package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Object kinds, the first character of an id.
const (
	KindGroup    byte = 'g'
	KindDataset  byte = 'd'
	KindDatatype byte = 't'
	KindChunk    byte = 'c'
)

// IDLen is the length of a schema v2 object id ("g-" + 36 characters).
const IDLen = 38

// ErrInvalidID is matched (errors.Is) by every id validation error.
var ErrInvalidID = errors.New("invalid id")

func idErr(id, format string, args ...any) error {
	return fmt.Errorf("%w %q: %s", ErrInvalidID, truncate(id, 80), fmt.Sprintf(format, args...))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// hexRot rotates one lower-case hex digit by 8, as HSDS's hexRot does.
func hexRot(c byte) byte {
	const digits = "0123456789abcdef"
	v := hexVal(c)
	if v < 0 {
		return c
	}
	return digits[(v+8)%16]
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// formatID lays out 32 hex characters as <kind>-8-8-4-6-6.
func formatID(kind string, token []byte) string {
	var b strings.Builder
	b.Grow(len(kind) + 37)
	b.WriteString(kind)
	b.WriteByte('-')
	b.Write(token[0:8])
	b.WriteByte('-')
	b.Write(token[8:16])
	b.WriteByte('-')
	b.Write(token[16:20])
	b.WriteByte('-')
	b.Write(token[20:26])
	b.WriteByte('-')
	b.Write(token[26:32])
	return b.String()
}

// randomToken mimics HSDS: sha256(uuid4().hex) as 64 lower-case hex chars.
func randomToken(r io.Reader) ([]byte, error) {
	var u [16]byte
	if _, err := io.ReadFull(r, u[:]); err != nil {
		return nil, fmt.Errorf("read random bytes for id: %w", err)
	}
	u[6] = (u[6] & 0x0f) | 0x40 // uuid version 4
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 4122 variant
	sum := sha256.Sum256([]byte(hex.EncodeToString(u[:])))
	tok := make([]byte, 64)
	hex.Encode(tok, sum[:])
	return tok, nil
}

func validKind(kind byte) bool {
	return kind == KindGroup || kind == KindDataset || kind == KindDatatype
}

// NewRootID returns a new root group id: 16 random hex characters followed by
// the same 16 characters each rotated by 8 (HSDS createObjId("roots")).
// kind is normally 'g'. r supplies randomness (crypto/rand.Reader in
// production).
func NewRootID(kind byte, r io.Reader) (string, error) {
	if !validKind(kind) {
		return "", fmt.Errorf("new root id: unexpected kind %q", kind)
	}
	tok, err := randomToken(r)
	if err != nil {
		return "", fmt.Errorf("new root id: %w", err)
	}
	for i := 0; i < 16; i++ {
		tok[16+i] = hexRot(tok[i])
	}
	return formatID(string(kind), tok), nil
}

// NewObjID returns a new id of the given kind ('g', 'd' or 't') inside the
// domain whose root group is rootID: the first 16 hex characters are the
// root's, the last 16 are characters 16..32 of sha256(uuid4 hex).
func NewObjID(rootID string, kind byte, r io.Reader) (string, error) {
	if !validKind(kind) {
		return "", fmt.Errorf("new object id: unexpected kind %q", kind)
	}
	rootHex, err := idHex(rootID)
	if err != nil {
		return "", fmt.Errorf("new object id: root: %w", err)
	}
	tok, err := randomToken(r)
	if err != nil {
		return "", fmt.Errorf("new object id: %w", err)
	}
	copy(tok[0:16], rootHex[0:16])
	return formatID(string(kind), tok), nil
}

// splitChunkSuffix splits "c<P>-<uuid>_i_j" into the uuid part with a "c-"
// prefix, the partition text and the index text.
func splitChunkSuffix(id string) (base, partition, index string, ok bool) {
	n := strings.IndexByte(id, '-')
	m := strings.IndexByte(id, '_')
	if n < 1 || m < 0 || m < n {
		return "", "", "", false
	}
	return "c-" + id[n+1:m], id[1:n], id[m+1:], true
}

// ValidateID checks an object or chunk id the way HSDS validateUuid does:
// 38 characters after stripping a chunk's partition and index suffix, a
// kind of g, d, t or c, and only alphanumerics or '-'. It additionally
// checks the 8-8-4-6-6 hex layout of schema v2 ids.
func ValidateID(id string) error {
	if len(id) < IDLen {
		return idErr(id, "unexpected id length %d", len(id))
	}
	switch id[0] {
	case KindGroup, KindDataset, KindDatatype, KindChunk:
	default:
		return idErr(id, "unexpected prefix %q", id[0])
	}
	base := id
	if id[0] == KindChunk {
		b, part, idx, ok := splitChunkSuffix(id)
		if !ok {
			return idErr(id, "chunk id needs a '-' and an '_<index>' suffix")
		}
		if part != "" {
			if _, err := parseNonNeg(part); err != nil {
				return idErr(id, "bad partition %q", part)
			}
		}
		if _, err := parseIndex(idx); err != nil {
			return idErr(id, "bad chunk index: %v", err)
		}
		base = b
	} else if id[1] != '-' {
		return idErr(id, "unexpected prefix")
	}
	if len(base) != IDLen {
		return idErr(id, "unexpected id length %d", len(base))
	}
	for i := 0; i < len(base); i++ {
		c := base[i]
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return idErr(id, "unexpected character %q", c)
		}
	}
	if !IsSchema2ID(base) {
		return nil // schema v1 uuid layout: accepted as HSDS does
	}
	if _, err := idHex(base); err != nil {
		return err
	}
	return nil
}

// IsSchema2ID reports whether id has the schema v2 layout 8-8-4-6-6 (HSDS
// isSchema2Id: the third hyphen-separated field has 8 characters). A chunk
// index suffix is ignored.
func IsSchema2ID(id string) bool {
	if i := strings.IndexByte(id, '_'); i >= 0 {
		id = id[:i]
	}
	parts := strings.Split(id, "-")
	return len(parts) == 6 && len(parts[2]) == 8
}

// idHex returns the 32 hex characters of a schema v2 id (chunk suffix
// stripped).
func idHex(id string) ([]byte, error) {
	if i := strings.IndexByte(id, '_'); i >= 0 && len(id) > 0 && id[0] == KindChunk {
		id = id[:i]
	}
	parts := strings.Split(id, "-")
	if len(parts) != 6 {
		return nil, idErr(id, "expected 6 '-' separated fields")
	}
	want := [5]int{8, 8, 4, 6, 6}
	out := make([]byte, 0, 32)
	for i, p := range parts[1:] {
		if len(p) != want[i] {
			return nil, idErr(id, "field %d has %d characters, want %d", i+1, len(p), want[i])
		}
		for j := 0; j < len(p); j++ {
			if hexVal(p[j]) < 0 {
				return nil, idErr(id, "non-hex character %q", p[j])
			}
		}
		out = append(out, p...)
	}
	return out, nil
}

// Kind returns the kind character of id ('g', 'd', 't', 'c'), or 0 for an
// empty string.
func Kind(id string) byte {
	if id == "" {
		return 0
	}
	return id[0]
}

// IsRootID reports whether id is a root group id: a 'g' id whose last 16
// hex characters are the rotation of its first 16.
func IsRootID(id string) bool {
	if Kind(id) != KindGroup {
		return false
	}
	h, err := idHex(id)
	if err != nil {
		return false
	}
	for i := 0; i < 16; i++ {
		if h[i] != hexRot(h[16+i]) {
			return false
		}
	}
	return true
}

// RootOf returns the root group id of the domain that id belongs to, built
// from id's first 16 hex characters (HSDS getRootObjId). It returns "" when
// id is not a schema v2 id.
func RootOf(id string) string {
	h, err := idHex(id)
	if err != nil {
		return ""
	}
	for i := 0; i < 16; i++ {
		h[16+i] = hexRot(h[i])
	}
	return formatID("g", h)
}

// ChunkID returns the chunk id "c-<dataset uuid>_i_j..." of the chunk with
// the given chunk index (chunk coordinates, not element offsets).
func ChunkID(dsetID string, index []int) string {
	var b strings.Builder
	b.WriteString("c-")
	if len(dsetID) > 2 {
		b.WriteString(dsetID[2:])
	}
	for _, v := range index {
		b.WriteByte('_')
		b.WriteString(strconv.Itoa(v))
	}
	return b.String()
}

// ParseChunkID splits a chunk id, "c-<uuid>_i_j" or the partitioned
// "c<P>-<uuid>_i_j", into its dataset id, chunk index and partition
// (-1 when the id carries none).
func ParseChunkID(id string) (dsetID string, index []int, partition int, err error) {
	if err := ValidateID(id); err != nil {
		return "", nil, -1, err
	}
	if id[0] != KindChunk {
		return "", nil, -1, idErr(id, "not a chunk id")
	}
	base, part, idx, _ := splitChunkSuffix(id)
	partition = -1
	if part != "" {
		partition, _ = parseNonNeg(part) // checked by ValidateID
	}
	index, _ = parseIndex(idx)
	return "d" + base[1:], index, partition, nil
}

// maxIndexValue bounds chunk coordinates read from untrusted text.
const maxIndexValue = 1 << 53

func parseNonNeg(s string) (int, error) {
	if s == "" || len(s) > 16 {
		return 0, fmt.Errorf("bad number %q", truncate(s, 20))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("bad number %q", truncate(s, 20))
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v > maxIndexValue {
		return 0, fmt.Errorf("bad number %q", truncate(s, 20))
	}
	return v, nil
}

// parseIndex parses "i_j_k" into chunk coordinates.
func parseIndex(s string) ([]int, error) {
	if s == "" {
		return nil, errors.New("empty chunk index")
	}
	parts := strings.Split(s, "_")
	if len(parts) > 64 {
		return nil, fmt.Errorf("chunk index has %d dimensions", len(parts))
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		v, err := parseNonNeg(p)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
