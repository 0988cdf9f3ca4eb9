package mrwork

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"
)

func init() {
	for _, d := range []Definition{WordCount(), BDBQ1(), BDBQ2(), BDBQ3(), BDBQ3Agg()} {
		if err := Register(d); err != nil {
			panic(err)
		}
	}
}

// sumInt64 is the combiner of int64 sums: 8-byte little-endian values, overflow checked.
func sumInt64(dst, a, b []byte) ([]byte, error) {
	if len(a) != 8 || len(b) != 8 {
		return nil, fmt.Errorf("sum: values of %d and %d bytes, want 8", len(a), len(b))
	}
	s, err := AddExact(int64(binary.LittleEndian.Uint64(a)), int64(binary.LittleEndian.Uint64(b)))
	if err != nil {
		return nil, err
	}
	return binary.LittleEndian.AppendUint64(dst, uint64(s)), nil
}

// sumValues sums 8-byte values exactly.
func sumValues(values [][]byte) (int64, error) {
	var s int64
	for _, v := range values {
		if len(v) != 8 {
			return 0, fmt.Errorf("sum: a value of %d bytes, want 8", len(v))
		}
		var err error
		if s, err = AddExact(s, int64(binary.LittleEndian.Uint64(v))); err != nil {
			return 0, err
		}
	}
	return s, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// WordCount counts words: maximal runs of bytes other than ASCII white space (bytes.Fields on
// ASCII; bytes >= 0x80 are part of words), case-sensitive. Columns: word, count.
func WordCount() Definition {
	return Definition{Name: "wordcount", Doc: "count words (runs of non-white-space bytes); columns word, count", Params: map[string]string{},
		New: func(map[string]string) (*Funcs, error) {
			one := binary.LittleEndian.AppendUint64(nil, 1)
			return &Funcs{
				Map: func(rec []byte, out *Emitter) error {
					i := 0
					for i < len(rec) {
						for i < len(rec) && isSpace(rec[i]) {
							i++
						}
						j := i
						for j < len(rec) && !isSpace(rec[j]) {
							j++
						}
						if j > i {
							out.Emit(rec[i:j], one)
						}
						i = j
					}
					return nil
				},
				Combine: sumInt64,
				Reduce: func(key []byte, values [][]byte, out *RowWriter) error {
					n, err := sumValues(values)
					if err != nil {
						return err
					}
					out.String(key)
					out.Int64(n)
					return out.EndRow()
				},
				Columns: []ColumnSpec{{"word", String}, {"count", Int64}},
			}, nil
		}}
}

// field returns the n-th (0-based) comma-separated field of rec (AMPLab's CSV has no quoting).
func field(rec []byte, n int) ([]byte, bool) {
	for ; n > 0; n-- {
		i := bytes.IndexByte(rec, ',')
		if i < 0 {
			return nil, false
		}
		rec = rec[i+1:]
	}
	if i := bytes.IndexByte(rec, ','); i >= 0 {
		rec = rec[:i]
	}
	return rec, true
}

// parseInt parses a decimal integer without allocating.
func parseInt(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 18 {
		return 0, fmt.Errorf("integer %q: want 1 to 18 digits", b)
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, errors.New("integer \"-\": no digits")
		}
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("integer %q: not a decimal integer", b)
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, nil
}

// BDBQ1 is AMPLab Big Data Benchmark query 1 (scan) over rankings
// (pageURL,pageRank,avgDuration): SELECT pageURL, pageRank FROM rankings WHERE pageRank > X.
// Parameter x, an integer >= 0 (default 1000, AMPLab's 1a; 100 and 10 are 1b and 1c; pageRank
// is a count of links, never negative). Columns pageURL, pageRank.
func BDBQ1() Definition {
	return Definition{Name: "bdb-q1", Doc: "AMPLab BDB Q1 on rankings: pageURL, pageRank WHERE pageRank > x (default 1000)",
		Params: map[string]string{"x": "1000"},
		New: func(p map[string]string) (*Funcs, error) {
			x, err := strconv.ParseInt(p["x"], 10, 64)
			if err != nil || x < 0 {
				return nil, fmt.Errorf("parameter x %q: want an integer >= 0 (pageRank > x; AMPLab's 1a, 1b, 1c: 1000, 100, 10)", p["x"])
			}
			return &Funcs{
				Map: func(rec []byte, out *Emitter) error {
					url, ok := field(rec, 0)
					rank, ok2 := field(rec, 1)
					if !ok || !ok2 {
						return errors.New("rankings record: want pageURL,pageRank,avgDuration")
					}
					r, err := parseInt(rank)
					if err != nil {
						return fmt.Errorf("pageRank: %w", err)
					}
					if r > x {
						var v [binary.MaxVarintLen64]byte
						out.Emit(url, v[:binary.PutVarint(v[:], r)])
					}
					return nil
				},
				Reduce: func(key []byte, values [][]byte, out *RowWriter) error {
					for _, v := range values {
						r, n := binary.Varint(v)
						if n <= 0 {
							return errors.New("bad pageRank value")
						}
						out.String(key)
						out.Int64(r)
						if err := out.EndRow(); err != nil {
							return err
						}
					}
					return nil
				},
				Columns: []ColumnSpec{{"pageURL", String}, {"pageRank", Int64}},
			}, nil
		}}
}

// BDBQ2 is AMPLab Big Data Benchmark query 2 (aggregation) over uservisits
// (sourceIP,destURL,visitDate,adRevenue,...): SELECT SUBSTR(sourceIP, 1, X), SUM(adRevenue)
// FROM uservisits GROUP BY SUBSTR(sourceIP, 1, X). Parameter x (default 8, AMPLab's 2a; 10 and
// 12 are 2b and 2c). Sums are exact (ParseDecimal's units). Columns sourceIP_prefix,
// adRevenue (the exact sum as a decimal string) and adRevenue_units (the sum in 1e-8 units).
func BDBQ2() Definition {
	return Definition{Name: "bdb-q2", Doc: "AMPLab BDB Q2 on uservisits: SUM(adRevenue) GROUP BY SUBSTR(sourceIP, 1, x) (default 8), exact",
		Params: map[string]string{"x": "8"},
		New: func(p map[string]string) (*Funcs, error) {
			x, err := strconv.Atoi(p["x"])
			if err != nil || x < 1 || x > 64 {
				return nil, fmt.Errorf("parameter x %q: want an integer in [1, 64]", p["x"])
			}
			return &Funcs{
				Map:     q2Map(x),
				Combine: sumInt64,
				Reduce: func(key []byte, values [][]byte, out *RowWriter) error {
					s, err := sumValues(values)
					if err != nil {
						return err
					}
					var buf [32]byte
					out.String(key)
					out.String(AppendDecimal(buf[:0], s))
					out.Int64(s)
					return out.EndRow()
				},
				Columns: []ColumnSpec{{"sourceIP_prefix", String}, {"adRevenue", String}, {"adRevenue_units", Int64}},
			}, nil
		}}
}

// q2Map is Q2's map: the key is the first x bytes of sourceIP (SUBSTR is 1-based and clips).
func q2Map(x int) func(rec []byte, out *Emitter) error {
	return func(rec []byte, out *Emitter) error {
		i := bytes.IndexByte(rec, ',')
		if i < 0 {
			return errors.New("uservisits record: no comma after sourceIP")
		}
		rev, ok := field(rec[i+1:], 2)
		if !ok {
			return errors.New("uservisits record: fewer than 4 fields")
		}
		u, err := ParseDecimal(rev)
		if err != nil {
			return fmt.Errorf("adRevenue: %w", err)
		}
		var v [8]byte
		binary.LittleEndian.PutUint64(v[:], uint64(u))
		out.Emit(rec[:min(i, x)], v[:])
		return nil
	}
}

// q3Params are the parameters of both stages of BDB Q3: the visitDate range [from, to]
// (AMPLab's 3a, 3b, 3c end on 1980-04-01, 1983-01-01, 2010-01-01) and the number of rows kept
// (1: AMPLab's LIMIT 1; 0: every sourceIP).
func q3Params() map[string]string {
	return map[string]string{"from": "1980-01-01", "to": "1980-04-01", "limit": "1"}
}

// q3Range checks Q3's parameters: from and to are real calendar dates YYYY-MM-DD with from <=
// to, limit an integer >= 0. It returns the range as the bytes visitDate compares with (the
// dates are fixed-width, so byte order is date order).
func q3Range(p map[string]string) ([]byte, []byte, error) {
	for _, k := range []string{"from", "to"} {
		v := p[k]
		if _, err := time.Parse(time.DateOnly, v); err != nil || len(v) != len(time.DateOnly) {
			return nil, nil, fmt.Errorf("parameter %s %q: want a calendar date YYYY-MM-DD (e.g. 1980-04-01)", k, v)
		}
	}
	if p["from"] > p["to"] {
		return nil, nil, fmt.Errorf("parameters from %s and to %s: want from <= to (the range is from <= visitDate <= to)", p["from"], p["to"])
	}
	if n, err := strconv.Atoi(p["limit"]); err != nil || n < 0 {
		return nil, nil, fmt.Errorf("parameter limit %q: want an integer >= 0 (the rows of largest totalRevenue kept; 0: every sourceIP)", p["limit"])
	}
	return []byte(p["from"]), []byte(p["to"]), nil
}

// BDBQ3 is AMPLab Big Data Benchmark query 3 (join), the first of its two shuffles:
//
//	SELECT sourceIP, totalRevenue, avgPageRank FROM (SELECT sourceIP, AVG(pageRank) AS
//	avgPageRank, SUM(adRevenue) AS totalRevenue FROM Rankings AS R, UserVisits AS UV WHERE
//	R.pageURL = UV.destURL AND UV.visitDate BETWEEN Date(from) AND Date(to) GROUP BY
//	UV.sourceIP) ORDER BY totalRevenue DESC LIMIT 1
//
// Its inputs are both tables; a record is tagged by its schema (3 fields: rankings, 9:
// uservisits). The map emits (pageURL, R pageRank) and (destURL, V adRevenue sourceIP) for
// visits in the date range; the reduce joins them per URL (an inner join: a URL without a
// ranking has no row) and writes (sourceIP, adRevenue units, pageRank) rows, which
// bdb-q3-agg groups by sourceIP.
func BDBQ3() Definition {
	return Definition{Name: "bdb-q3", Doc: "AMPLab BDB Q3 on rankings and uservisits: the join, then bdb-q3-agg (params from, to, limit)",
		Params: q3Params(), Next: "bdb-q3-agg",
		New: func(p map[string]string) (*Funcs, error) {
			from, to, err := q3Range(p)
			if err != nil {
				return nil, err
			}
			return &Funcs{
				Map: func(rec []byte, out *Emitter) error {
					switch n := bytes.Count(rec, []byte{','}) + 1; n {
					case 3: // rankings: pageURL,pageRank,avgDuration
						url, _ := field(rec, 0)
						rank, _ := field(rec, 1)
						r, err := parseInt(rank)
						if err != nil {
							return fmt.Errorf("pageRank: %w", err)
						}
						var v [1 + binary.MaxVarintLen64]byte
						v[0] = 'R'
						out.Emit(url, v[:1+binary.PutVarint(v[1:], r)])
					case 9: // uservisits: sourceIP,destURL,visitDate,adRevenue,...
						date, _ := field(rec, 2)
						if bytes.Compare(date, from) < 0 || bytes.Compare(date, to) > 0 {
							return nil
						}
						ip, _ := field(rec, 0)
						url, _ := field(rec, 1)
						rev, _ := field(rec, 3)
						u, err := ParseDecimal(rev)
						if err != nil {
							return fmt.Errorf("adRevenue: %w", err)
						}
						var v [1 + 8 + 64]byte
						v[0] = 'V'
						binary.LittleEndian.PutUint64(v[1:], uint64(u))
						if len(ip) > 64 {
							return fmt.Errorf("sourceIP %q: longer than 64 bytes", ip)
						}
						out.Emit(url, v[:9+copy(v[9:], ip)])
					default:
						return fmt.Errorf("%d fields: neither rankings (3) nor uservisits (9)", n)
					}
					return nil
				},
				Reduce: func(key []byte, values [][]byte, out *RowWriter) error {
					rank, ranked := int64(0), false
					for _, v := range values {
						if len(v) > 0 && v[0] == 'R' {
							r, n := binary.Varint(v[1:])
							if n <= 0 {
								return errors.New("bad pageRank value")
							}
							if ranked && r != rank {
								return fmt.Errorf("page %q has two rankings (%d, %d)", key, rank, r)
							}
							rank, ranked = r, true
						}
					}
					if !ranked {
						return nil
					}
					for _, v := range values {
						if len(v) >= 9 && v[0] == 'V' {
							out.String(v[9:])
							out.Int64(int64(binary.LittleEndian.Uint64(v[1:9])))
							out.Int64(rank)
							if err := out.EndRow(); err != nil {
								return err
							}
						}
					}
					return nil
				},
				Columns: []ColumnSpec{{"sourceIP", String}, {"adRevenue_units", Int64}, {"pageRank", Int64}},
			}, nil
		}}
}

// BDBQ3Agg is the second stage of BDB Q3: it reads bdb-q3's joined rows (sourceIP, adRevenue
// units, pageRank as tab-separated lines), groups them by sourceIP (exact sums; the combiner
// sums revenue, pageRank and count) and orders the groups as Q3's ORDER BY totalRevenue DESC
// (ties by sourceIP, ascending) and keeps the first limit rows (limit 0: every group, in that
// order). Columns
// sourceIP, totalRevenue (exact decimal), totalRevenue_units, avgPageRank (the pageRank sum
// divided by the count, in float64).
func BDBQ3Agg() Definition {
	return Definition{Name: "bdb-q3-agg", Doc: "the second stage of bdb-q3: SUM(adRevenue), AVG(pageRank) GROUP BY sourceIP, top by totalRevenue",
		Params: q3Params(),
		Top: func(p map[string]string) (string, int) {
			n, _ := strconv.Atoi(p["limit"])
			return "totalRevenue_units", n
		},
		New: func(p map[string]string) (*Funcs, error) {
			if _, _, err := q3Range(p); err != nil {
				return nil, err
			}
			return &Funcs{
				Map: func(rec []byte, out *Emitter) error {
					i := bytes.IndexByte(rec, '\t')
					j := bytes.LastIndexByte(rec, '\t')
					if i < 0 || j <= i {
						return errors.New("joined row: want sourceIP<TAB>units<TAB>pageRank")
					}
					u, err := strconv.ParseInt(string(rec[i+1:j]), 10, 64)
					if err != nil {
						return err
					}
					r, err := parseInt(rec[j+1:])
					if err != nil {
						return err
					}
					var v [24]byte
					binary.LittleEndian.PutUint64(v[0:], uint64(u))
					binary.LittleEndian.PutUint64(v[8:], uint64(r))
					binary.LittleEndian.PutUint64(v[16:], 1)
					out.Emit(rec[:i], v[:])
					return nil
				},
				Combine: func(dst, a, b []byte) ([]byte, error) {
					if len(a) != 24 || len(b) != 24 {
						return nil, errors.New("q3 aggregate: values of 24 bytes expected")
					}
					for k := 0; k < 24; k += 8 {
						s, err := AddExact(int64(binary.LittleEndian.Uint64(a[k:])), int64(binary.LittleEndian.Uint64(b[k:])))
						if err != nil {
							return nil, err
						}
						dst = binary.LittleEndian.AppendUint64(dst, uint64(s))
					}
					return dst, nil
				},
				Reduce: func(key []byte, values [][]byte, out *RowWriter) error {
					v := values[0]
					units, ranks, n := int64(binary.LittleEndian.Uint64(v)), int64(binary.LittleEndian.Uint64(v[8:])), int64(binary.LittleEndian.Uint64(v[16:]))
					var buf [32]byte
					out.String(key)
					out.String(AppendDecimal(buf[:0], units))
					out.Int64(units)
					out.Float64(float64(ranks) / float64(n))
					return out.EndRow()
				},
				Columns: []ColumnSpec{{"sourceIP", String}, {"totalRevenue", String}, {"totalRevenue_units", Int64}, {"avgPageRank", Float64}},
			}, nil
		}}
}
