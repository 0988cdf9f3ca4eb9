package ops

import (
	"fmt"
	"strings"
)

// Kind is a reduction operation.
type Kind uint8

// The reductions. Their String value is also the output column name.
const (
	// Count is the number of valid (non-NaN) values per cell; with weights,
	// those of non-zero weight (weights mask every kind, see the package doc).
	Count Kind = iota + 1
	// Sum is Σx, or Σwx with weights.
	Sum
	// Mean is Σx/N, or the weighted mean Σwx/Σw with weights.
	Mean
	// Min is the smallest valid value (of non-zero weight, with weights).
	Min
	// Max is the largest valid value (of non-zero weight, with weights).
	Max
	// Var is the variance (population, see Options.DDOF).
	Var
	// Std is the standard deviation, the square root of Var.
	Std
	// Histogram counts values in Options.Bins equal bins over [Min, Max].
	Histogram
)

var kindNames = [...]string{
	Count:     "count",
	Sum:       "sum",
	Mean:      "mean",
	Min:       "min",
	Max:       "max",
	Var:       "var",
	Std:       "std",
	Histogram: "histogram",
}

// String returns the kind's name, which is also its output column name.
func (k Kind) String() string {
	if k.Valid() {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool { return k >= Count && k <= Histogram }

// Kinds returns every defined kind in order.
func Kinds() []Kind {
	return []Kind{Count, Sum, Mean, Min, Max, Var, Std, Histogram}
}

// ParseKind parses a reduction name, case-insensitively. Besides the kind
// names it accepts the aliases "wmean", "average", "avg" (mean), "stddev"
// (std), "variance" (var), "hist" (histogram), "minimum" and "maximum".
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "count":
		return Count, nil
	case "sum":
		return Sum, nil
	case "mean", "wmean", "average", "avg":
		return Mean, nil
	case "min", "minimum":
		return Min, nil
	case "max", "maximum":
		return Max, nil
	case "var", "variance":
		return Var, nil
	case "std", "stddev":
		return Std, nil
	case "histogram", "hist":
		return Histogram, nil
	}
	return 0, fmt.Errorf("unknown reduction %q (want one of count, sum, mean, min, max, var, std, histogram)", s)
}

// weighted reports whether weights apply to this kind.
func (k Kind) weighted() bool { return k == Sum || k == Mean || k == Var || k == Std }

// needsSum reports whether the kind keeps an exact Σwx.
func (k Kind) needsSum() bool { return k == Sum || k == Mean || k == Var || k == Std }

// needsMoments reports whether the kind keeps second-moment state.
func (k Kind) needsMoments() bool { return k == Var || k == Std }

// MarshalText encodes the kind as its name (for JSON task payloads).
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("marshal kind: invalid kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText parses a kind name, see ParseKind.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
