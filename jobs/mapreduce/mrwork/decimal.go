package mrwork

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// DecimalScale is the number of fraction digits of the exact decimals of the BDB jobs: values
// are int64 counts of 1e-8 units (AMPLab's adRevenue has up to 8 decimals), so sums are exact
// and do not depend on the order of additions; ±92,233,720,368 is the range.
const DecimalScale = 8

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

// ErrOverflow reports an exact sum or decimal outside int64 units.
var ErrOverflow = errors.New("decimal out of range (int64 units of 1e-8)")

// ParseDecimal parses a decimal "[-+]digits[.digits]" with at most DecimalScale fraction digits
// into units of 10^-DecimalScale, exactly, without allocating. Anything else (exponents, more
// fraction digits, no digits, overflow) is an error naming the text.
func ParseDecimal(b []byte) (int64, error) {
	i, neg := 0, false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var v uint64
	digits, frac, dot := 0, 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if dot {
				if frac == DecimalScale {
					return 0, fmt.Errorf("decimal %q: more than %d fraction digits", b, DecimalScale)
				}
				frac++
			}
			hi, lo := bits.Mul64(v, 10)
			if hi != 0 || lo+uint64(c-'0') < lo {
				return 0, fmt.Errorf("decimal %q: %w", b, ErrOverflow)
			}
			v = lo + uint64(c-'0')
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return 0, fmt.Errorf("decimal %q: want [-]digits[.digits]", b)
		}
	}
	if digits == 0 {
		return 0, fmt.Errorf("decimal %q: no digits", b)
	}
	scale := uint64(pow10[DecimalScale-frac])
	hi, lo := bits.Mul64(v, scale)
	if hi != 0 || lo > math.MaxInt64 {
		return 0, fmt.Errorf("decimal %q: %w", b, ErrOverflow)
	}
	if neg {
		return -int64(lo), nil
	}
	return int64(lo), nil
}

// AppendDecimal appends units (of 10^-DecimalScale) as a decimal with the trailing zeros of the
// fraction removed but at least two fraction digits ("12.50", "0.12345678", "-3.00").
func AppendDecimal(dst []byte, units int64) []byte {
	u := uint64(units)
	if units < 0 {
		dst = append(dst, '-')
		u = -u
	}
	ip, fp := u/uint64(pow10[DecimalScale]), u%uint64(pow10[DecimalScale])
	dst = fmt.Appendf(dst, "%d", ip)
	var f [DecimalScale]byte
	for i := DecimalScale - 1; i >= 0; i-- {
		f[i] = byte('0' + fp%10)
		fp /= 10
	}
	n := DecimalScale
	for n > 2 && f[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, f[:n]...)
}

// AddExact adds two unit counts, failing on overflow.
func AddExact(a, b int64) (int64, error) {
	s := a + b
	if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) {
		return 0, ErrOverflow
	}
	return s, nil
}
