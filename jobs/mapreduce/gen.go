package mapreduce

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/hsfan/hsfan/hsds/store"
)

// GenOptions configure the synthetic BDB tables: Rows in total over Parts parts (part files
// part-00000.csv ...), from Seed. The same options give the same bytes on every machine: values
// come from PCG (math/rand/v2's fixed algorithm) through Uint64 only.
type GenOptions struct {
	Rows  int64
	Parts int
	Seed  uint64
}

// PartRows is the number of rows of part p (the rows are spread evenly, the first parts taking
// the remainder).
func (o GenOptions) PartRows(p int) int64 {
	n := o.Rows / int64(o.Parts)
	if int64(p) < o.Rows%int64(o.Parts) {
		n++
	}
	return n
}

// PartName is the object name of part p.
func PartName(p int) string { return fmt.Sprintf("part-%05d.csv", p) }

type gen struct{ r *rand.Rand }

func newGen(seed uint64, table string, part int) gen {
	t := uint64(1)
	if table == "rankings" {
		t = 2
	}
	return gen{rand.New(rand.NewPCG(seed, t<<32|uint64(part)))}
}

func (g gen) n(k uint64) uint64 { return g.r.Uint64() % k }

const letters = "abcdefghijklmnopqrstuvwxyz"

func (g gen) word(dst []byte, lo, hi uint64) []byte {
	n := lo + g.n(hi-lo+1)
	for range n {
		dst = append(dst, letters[g.n(26)])
	}
	return dst
}

// url is a page URL from a pool of 2^20 pages (so rankings and uservisits share pages).
func (g gen) url(dst []byte, id uint64) []byte {
	h := rand.New(rand.NewPCG(id, 0x75726c))
	dst = append(dst, "http://"...)
	n := 16 + h.Uint64()%16
	for range n {
		dst = append(dst, letters[h.Uint64()%26])
	}
	dst = append(dst, '/')
	return strconv.AppendUint(dst, id, 10)
}

// URLPool is the number of distinct page URLs.
const URLPool = 1 << 20

var (
	agents    = []string{"Mozilla/5.0 (Windows NT 6.1)", "Mozilla/4.0 (compatible; MSIE 8.0)", "Opera/9.80 (X11; Linux)", "Safari/419.3", "Googlebot/2.1"}
	countries = []string{"USA", "DEU", "FRA", "GBR", "CHN", "JPN", "BRA", "IND", "KHM", "ZAF"}
	words     = []string{"snowboard", "camera", "flights", "weather", "recipes", "news", "shoes", "guitar", "hotels", "maps"}
)

// GenUservisits writes part p of the uservisits table as CSV (AMPLab's schema, no header):
// sourceIP,destURL,visitDate,adRevenue,userAgent,countryCode,languageCode,searchWord,duration.
// IPs are uniform over the IPv4 space, dates in 1970..2009, adRevenue in [0, 1000) with 1 to 8
// decimals.
func GenUservisits(w io.Writer, o GenOptions, p int) error {
	g := newGen(o.Seed, "uservisits", p)
	bw := bufio.NewWriterSize(w, 1<<20)
	var line []byte
	for range o.PartRows(p) {
		line = line[:0]
		for i := range 4 {
			if i > 0 {
				line = append(line, '.')
			}
			line = strconv.AppendUint(line, g.n(256), 10)
		}
		line = append(line, ',')
		line = g.url(line, g.n(URLPool))
		line = append(line, ',')
		line = strconv.AppendUint(line, 1970+g.n(40), 10)
		line = append(line, '-')
		line = appendPad2(line, 1+g.n(12))
		line = append(line, '-')
		line = appendPad2(line, 1+g.n(28))
		line = append(line, ',')
		line = strconv.AppendUint(line, g.n(1000), 10)
		line = append(line, '.')
		dec := 1 + g.n(8)
		frac := g.n(100000000)
		var f [8]byte
		for i := 7; i >= 0; i-- {
			f[i] = byte('0' + frac%10)
			frac /= 10
		}
		line = append(line, f[:dec]...)
		line = append(line, ',')
		line = append(line, agents[g.n(uint64(len(agents)))]...)
		c := countries[g.n(uint64(len(countries)))]
		line = append(line, ',')
		line = append(line, c...)
		line = append(line, ',')
		line = append(line, c...)
		line = append(line, "-EN,"...)
		line = append(line, words[g.n(uint64(len(words)))]...)
		line = append(line, ',')
		line = strconv.AppendUint(line, 1+g.n(10), 10)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func appendPad2(dst []byte, v uint64) []byte {
	if v < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendUint(dst, v, 10)
}

// GenRankings writes part p of the rankings table as CSV (pageURL,pageRank,avgDuration, no
// header): the pages of part p are ids p, p+Parts, ... (each page once over all parts, while
// Rows <= URLPool), pageRank in [1, 10000] skewed to small values, avgDuration in [1, 100].
func GenRankings(w io.Writer, o GenOptions, p int) error {
	g := newGen(o.Seed, "rankings", p)
	bw := bufio.NewWriterSize(w, 1<<20)
	var line []byte
	for i := range o.PartRows(p) {
		line = g.url(line[:0], (uint64(i)*uint64(o.Parts)+uint64(p))%URLPool)
		line = append(line, ',')
		r := 1 + g.n(100)*g.n(100)
		line = strconv.AppendUint(line, r, 10)
		line = append(line, ',')
		line = strconv.AppendUint(line, 1+g.n(100), 10)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// GenTable writes every part of table ("uservisits" or "rankings") to bucket/prefix of st, one
// object per part (PartName), and returns the bytes written.
func GenTable(ctx context.Context, st store.Store, bucket, prefix, table string, o GenOptions) (int64, error) {
	var fn func(io.Writer, GenOptions, int) error
	switch table {
	case "uservisits":
		fn = GenUservisits
	case "rankings":
		fn = GenRankings
	default:
		return 0, fmt.Errorf("gen: table %q: want uservisits or rankings", table)
	}
	if o.Parts < 1 || o.Rows < 0 {
		return 0, fmt.Errorf("gen: %d rows in %d parts: want rows >= 0 and parts >= 1", o.Rows, o.Parts)
	}
	var total int64
	for p := range o.Parts {
		var buf bytesBuffer
		if err := fn(&buf, o, p); err != nil {
			return total, err
		}
		key := PartName(p)
		if prefix != "" {
			key = prefix + "/" + key
		}
		if _, err := st.Put(ctx, bucket, key, buf.b, store.PutOptions{}); err != nil {
			return total, fmt.Errorf("gen %s: write %s: %w", table, key, err)
		}
		total += int64(len(buf.b))
	}
	return total, nil
}

type bytesBuffer struct{ b []byte }

func (b *bytesBuffer) Write(p []byte) (int, error) { b.b = append(b.b, p...); return len(p), nil }
