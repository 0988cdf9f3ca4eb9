package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hsfan/hsfan/jobs/mapreduce"
	"github.com/hsfan/hsfan/jobs/mapreduce/mrwork"
)

// mapreduceCase is issue 14's map-reduce benchmark: AMPLab BDB Q2 (SELECT SUBSTR(sourceIP, 1, 8),
// SUM(adRevenue) FROM uservisits GROUP BY 1) on 8 x 1M uservisits rows (jobs/mapreduce
// GenUservisits, seed 1: the CSV `hsfan gen uservisits --rows 8000000 --parts 8` writes, about
// 930 MB), by `hsfan mapreduce bdb-q2` as a subprocess (whole process: splits, map and reduce
// fan-outs in process, the Arrow, JSON and TSV outputs; its peak RSS as it reports it, selfRSS) against
// the floor, mapreduce.PlainScanQ2 in this process (2 goroutines, bufio lines, a map per
// goroutine: only the essential work). The answers are the grouped sums in exact 1e-8 units
// (mrwork.ParseDecimal) and must be equal, group for group. corral, the Go map-reduce framework
// users compare hsfan with, is reported as missing (it is a library a job is compiled against,
// not installed here).
type mapreduceCase struct{}

const (
	mapreduceParts   = 8
	mapreduceSeed    = 1
	mapreduceX       = 8 // AMPLab's 2a: SUBSTR(sourceIP, 1, 8)
	mapreduceWorkers = 2 // the floor's goroutines, and hsfan's --concurrency
	mapreduceJob     = "bdb-q2"
)

// corralMissing says why corral does not run here.
const corralMissing = "corral (github.com/bcongdon/corral) cannot be installed here: the Go module proxy refuses it (403 Forbidden), and it is a library a job is compiled against"

func (mapreduceCase) Name() string { return "mapreduce" }

func mapreduceGen(env *Env) mapreduce.GenOptions {
	perPart := int64(1_000_000)
	if env.Quick {
		perPart = 20_000
	}
	return mapreduce.GenOptions{Rows: perPart * mapreduceParts, Parts: mapreduceParts, Seed: mapreduceSeed}
}

func (mapreduceCase) About(env *Env) string {
	o := mapreduceGen(env)
	return fmt.Sprintf("BDB Q2 (SUM(adRevenue) GROUP BY SUBSTR(sourceIP, 1, %d), exact) on %d x %d uservisits rows; MB/s of CSV input; ratios vs a plain %d-goroutine scan", mapreduceX, o.Parts, o.Rows/int64(o.Parts), mapreduceWorkers)
}

func mapreduceDir(env *Env) string {
	o := mapreduceGen(env)
	return filepath.Join(env.DataDir, fmt.Sprintf("uservisits-%dx%d", o.Parts, o.Rows/int64(o.Parts)))
}

// mapreducePaths are the part files of the cached table, in part order.
func mapreducePaths(env *Env) []string {
	var paths []string
	for p := range mapreduceGen(env).Parts {
		paths = append(paths, filepath.Join(mapreduceDir(env), "uservisits", mapreduce.PartName(p)))
	}
	return paths
}

// Prepare writes the uservisits parts (the bytes `hsfan gen uservisits` writes for the same rows,
// parts and seed) into the cache, once.
func (mapreduceCase) Prepare(ctx context.Context, env *Env) error {
	o := mapreduceGen(env)
	key := fmt.Sprintf("uservisits rows=%d parts=%d seed=%d (jobs/mapreduce GenUservisits) v1", o.Rows, o.Parts, o.Seed)
	_, err := cached(ctx, env, filepath.Base(mapreduceDir(env)), key, func(ctx context.Context, tmp string) error {
		dir := filepath.Join(tmp, "uservisits")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("uservisits: %w", err)
		}
		for p := range o.Parts {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("uservisits: %w", err)
			}
			if err := writePart(filepath.Join(dir, mapreduce.PartName(p)), o, p); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

func writePart(path string, o mapreduce.GenOptions, p int) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("uservisits part %d: %w", p, err)
	}
	if err := mapreduce.GenUservisits(f, o, p); err != nil {
		_ = f.Close()
		return fmt.Errorf("uservisits part %d: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("uservisits part %d: %w", p, err)
	}
	return nil
}

// q2Answer is BDB Q2's result: the sum of adRevenue in 1e-8 units by sourceIP prefix.
type q2Answer map[string]int64

func (mapreduceCase) Systems(env *Env) []System {
	paths := mapreducePaths(env)
	input := "file://" + filepath.Join(mapreduceDir(env), "uservisits") + "/"
	part := fmt.Sprintf("Q2 x=%d", mapreduceX)
	return []System{
		{Name: "hsfan", Role: RoleHsfan, Run: func(ctx context.Context) (Outcome, error) {
			size, err := filesSize(paths)
			if err != nil {
				return Outcome{}, err
			}
			out := filepath.Join(env.OutDir, "mapreduce", "hsfan")
			args := []string{"mapreduce", mapreduceJob, "--x", strconv.Itoa(mapreduceX), "--input", input, "--out", out,
				"--concurrency", strconv.Itoa(mapreduceWorkers)}
			p, err := env.run(ctx, nil, env.HsfanBin, args...)
			if err != nil {
				return Outcome{}, err
			}
			a, err := readQ2TSV(filepath.Join(out, mapreduceJob+".tsv"))
			if err != nil {
				return Outcome{}, err
			}
			fig := map[string]float64{"groups": float64(len(a))}
			if p.MaxRSS > 0 {
				fig["max_rss_mb"] = float64(p.MaxRSS) / 1e6
			}
			if mb, ok := selfRSS(p.Stderr); ok {
				// The child's own figure: wait4's also holds this process's peak (selfRSS).
				fig["wait4_max_rss_mb"], fig["max_rss_mb"] = fig["max_rss_mb"], mb
			}
			if s, ok := jobSeconds(p.Stderr); ok {
				fig["job_seconds"] = s
			}
			return Outcome{Parts: []Part{{Name: part, Seconds: p.Seconds, Bytes: size}}, Answer: a, Figures: fig,
				Notes: []string{"whole process (the outputs .arrow, .json, .tsv and manifest.json included; max_rss_mb: the child's peak RSS, its own VmHWM where it reports it, else wait4's rusage (wait4_max_rss_mb); job_seconds: its own report's): hsfan " + strings.Join(args, " ")}}, nil
		}},
		{Name: "corral", Role: RolePeer, Missing: corralMissing},
		{Name: "plain scan", Role: RoleFloor, Reference: true, Run: func(context.Context) (Outcome, error) {
			size, err := filesSize(paths)
			if err != nil {
				return Outcome{}, err
			}
			runtime.GC()
			t0 := time.Now()
			m, n, err := mapreduce.PlainScanQ2(paths, mapreduceX)
			s := time.Since(t0).Seconds()
			if err != nil {
				return Outcome{}, fmt.Errorf("plain scan: %w", err)
			}
			if n != size {
				return Outcome{}, fmt.Errorf("plain scan: read %d bytes of %d", n, size)
			}
			return Outcome{Parts: []Part{{Name: part, Seconds: s, Bytes: size}}, Answer: q2Answer(m),
				Figures: map[string]float64{"groups": float64(len(m))},
				Notes:   []string{fmt.Sprintf("in this process: mapreduce.PlainScanQ2 (%d goroutines, files round-robin, bufio lines, mrwork.ParseDecimal, a map per goroutine merged at the end); no outputs written", mapreduceWorkers)}}, nil
		}},
	}
}

// filesSize is the total size of paths.
func filesSize(paths []string) (int64, error) {
	var n int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return 0, fmt.Errorf("input: %w", err)
		}
		n += fi.Size()
	}
	return n, nil
}

// jobReport matches the end of hsfan mapreduce's summary line ("... MB/s of input over 4.12s").
var jobReport = regexp.MustCompile(`MB/s of input over ([0-9.]+)s`)

func jobSeconds(stderr []byte) (float64, bool) {
	m := jobReport.FindSubmatch(stderr)
	if m == nil {
		return 0, false
	}
	s, err := strconv.ParseFloat(string(m[1]), 64)
	return s, err == nil
}

// selfReport matches hsfan mapreduce's own peak RSS line ("peak RSS 203.4 MB (VmHWM of this
// process)", cmd/hsfan peakRSSLine).
var selfReport = regexp.MustCompile(`peak RSS ([0-9]+(?:\.[0-9]+)?) MB \(VmHWM`)

// selfRSS is the peak RSS in MB (1e6 bytes) that hsfan mapreduce reports of itself (its VmHWM).
// wait4's ru_maxrss of the child is not its own: at exec Linux folds in the high-water mark
// of the memory the child had before, and a child started by os/exec (vfork) shares this
// process's until then, so after the in-process plain scan it reports at least that scan's peak.
func selfRSS(stderr []byte) (float64, bool) {
	m := selfReport.FindSubmatch(stderr)
	if m == nil {
		return 0, false
	}
	mb, err := strconv.ParseFloat(string(m[1]), 64)
	return mb, err == nil
}

// q2Header is the header line of bdb-q2.tsv (mrwork.BDBQ2's columns, output.WriteTSV).
const q2Header = "sourceIP_prefix\tadRevenue\tadRevenue_units"

// readQ2TSV reads the grouped sums of hsfan's bdb-q2.tsv: each adRevenue decimal parsed exactly
// (mrwork.ParseDecimal) and checked against the row's adRevenue_units; a malformed row, a
// duplicate group or a decimal that is not its units is an error naming the row.
func readQ2TSV(path string) (q2Answer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hsfan output: %w", err)
	}
	defer f.Close()
	a, err := parseQ2TSV(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("hsfan output %s: %w", path, err)
	}
	return a, nil
}

func parseQ2TSV(r *bufio.Reader) (q2Answer, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("empty, want the header %q", q2Header)
	}
	if h := sc.Text(); h != q2Header {
		return nil, fmt.Errorf("header %q, want %q", h, q2Header)
	}
	a := q2Answer{}
	for line := 2; sc.Scan(); line++ {
		f := bytes.Split(sc.Bytes(), []byte{'\t'})
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: %d fields, want 3", line, len(f))
		}
		key, err := tsvUnescape(f[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		dec, err := mrwork.ParseDecimal(f[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: adRevenue: %w", line, err)
		}
		units, err := strconv.ParseInt(string(f[2]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: adRevenue_units: %w", line, err)
		}
		if dec != units {
			return nil, fmt.Errorf("line %d: adRevenue %s is %d units, adRevenue_units says %d", line, f[1], dec, units)
		}
		if _, dup := a[key]; dup {
			return nil, fmt.Errorf("line %d: group %q a second time", line, key)
		}
		a[key] = units
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return a, nil
}

// tsvUnescape undoes output.WriteTSV's escapes (\\, \t, \n, \r).
func tsvUnescape(b []byte) (string, error) {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b), nil
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			out = append(out, b[i])
			continue
		}
		i++
		if i == len(b) {
			return "", fmt.Errorf("field %q ends with a lone backslash", b)
		}
		switch b[i] {
		case '\\':
			out = append(out, '\\')
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		default:
			return "", fmt.Errorf("field %q: unknown escape \\%c", b, b[i])
		}
	}
	return string(out), nil
}

// Agree compares the grouped sums exactly: the same groups, each with the same units.
func (mapreduceCase) Agree(ref, got any) error {
	r, ok1 := ref.(q2Answer)
	g, ok2 := got.(q2Answer)
	if !ok1 || !ok2 {
		return fmt.Errorf("answers of types %T and %T", ref, got)
	}
	var missing, extra, differ []string
	for k, v := range r {
		w, ok := g[k]
		switch {
		case !ok:
			missing = append(missing, k)
		case w != v:
			differ = append(differ, k)
		}
	}
	for k := range g {
		if _, ok := r[k]; !ok {
			extra = append(extra, k)
		}
	}
	if len(missing)+len(extra)+len(differ) == 0 {
		return nil
	}
	dec := func(u int64) string { return string(mrwork.AppendDecimal(nil, u)) }
	var msgs []string
	// list names the first three keys of a kind (sorted) with what each one shows.
	list := func(keys []string, what string, sep string, show func(k string) string) {
		if len(keys) == 0 {
			return
		}
		slices.Sort(keys)
		var s []string
		for _, k := range keys[:min(3, len(keys))] {
			s = append(s, show(k))
		}
		msgs = append(msgs, fmt.Sprintf("%d %s: %s", len(keys), what, strings.Join(s, sep)))
	}
	list(missing, "groups missing", ", ", func(k string) string { return fmt.Sprintf("%q (%s)", k, dec(r[k])) })
	list(extra, "groups too many", ", ", func(k string) string { return fmt.Sprintf("%q (%s)", k, dec(g[k])) })
	list(differ, "sums differ", "; ", func(k string) string { return fmt.Sprintf("%q: %s, want %s", k, dec(g[k]), dec(r[k])) })
	return fmt.Errorf("%d groups, want %d: %s", len(g), len(r), strings.Join(msgs, "; "))
}
