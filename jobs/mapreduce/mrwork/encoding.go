package mrwork

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Partition returns the reduce partition of key among r: FNV-1a 64 over the key bytes, modulo
// r. It depends on nothing but the bytes (not on the machine, the Go version or a seed), so the
// same key goes to the same reducer everywhere.
func Partition(key []byte, r int) int {
	return int(Hash(key) % uint64(r))
}

// FNV-1a 64 constants (http://www.isthe.com/chongo/tech/comp/fnv/).
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Hash is FNV-1a 64 of b (hash/fnv's New64a, without its allocation).
func Hash(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// runMagic starts every intermediate object (runs and row sets).
const runMagic = "HSFMR01\n"

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func appendVarint(dst []byte, v int64) []byte { return binary.AppendVarint(dst, v) }

func appendUint64(dst []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(dst, v) }

var errShort = errors.New("truncated record")

// readBytes reads a length-prefixed byte string from b.
func readBytes(b []byte) (v, rest []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, b, errShort
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}

// DecodeRowFunc splits an encoded row into its values, by column kind, calling fn per column.
func DecodeRowFunc(row []byte, cols []ColumnSpec, fn func(i int, s []byte, n int64, f float64)) error {
	for i, c := range cols {
		switch c.Kind {
		case String:
			v, rest, err := readBytes(row)
			if err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
			fn(i, v, 0, 0)
			row = rest
		case Int64:
			n, k := binary.Varint(row)
			if k <= 0 {
				return fmt.Errorf("column %s: %w", c.Name, errShort)
			}
			fn(i, nil, n, 0)
			row = row[k:]
		case Float64:
			if len(row) < 8 {
				return fmt.Errorf("column %s: %w", c.Name, errShort)
			}
			fn(i, nil, 0, math.Float64frombits(binary.LittleEndian.Uint64(row)))
			row = row[8:]
		default:
			return fmt.Errorf("column %s: invalid kind %d", c.Name, c.Kind)
		}
	}
	if len(row) != 0 {
		return fmt.Errorf("row: %d bytes after the last column", len(row))
	}
	return nil
}

// DecodeRow decodes one row of a job's row set into Go values (string, int64, float64), for
// tests and tools.
func DecodeRow(row []byte, cols []ColumnSpec) ([]any, error) {
	out := make([]any, len(cols))
	err := DecodeRowFunc(row, cols, func(i int, s []byte, n int64, f float64) {
		switch cols[i].Kind {
		case String:
			out[i] = string(s)
		case Int64:
			out[i] = n
		case Float64:
			out[i] = f
		}
	})
	return out, err
}
