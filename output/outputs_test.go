package output

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

func sampleTable() Table {
	return Table{
		Columns: []Column{
			{Name: "time", String: []string{"2022-01-01", "2022-01-02", "2022-01-03", "2022-01-04"}},
			{Name: "mean", Float64: []float64{20.52885965, math.NaN(), -1.5e-7, 1e21}},
			{Name: "count", Int64: []int64{1036800, 0, -3, math.MaxInt64}},
		},
		Meta: map[string]any{"title": "Global mean SST", "units": "degC", "op": "mean"},
	}
}

// readArrow reads an Arrow IPC file into JSON-like columns (nil for nulls).
func readArrow(t *testing.T, data []byte, mem memory.Allocator) (map[string][]any, []string, string) {
	t.Helper()
	r, err := ipc.NewFileReader(bytes.NewReader(data), ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols := map[string][]any{}
	var names []string
	for _, f := range r.Schema().Fields() {
		names = append(names, f.Name)
	}
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.Record(i)
		if err != nil {
			t.Fatal(err)
		}
		for j, col := range rec.Columns() {
			name := names[j]
			for k := 0; k < col.Len(); k++ {
				if col.IsNull(k) {
					cols[name] = append(cols[name], nil)
					continue
				}
				switch a := col.(type) {
				case *array.Float64:
					cols[name] = append(cols[name], a.Value(k))
				case *array.Int64:
					cols[name] = append(cols[name], a.Value(k))
				case *array.String:
					cols[name] = append(cols[name], a.Value(k))
				default:
					t.Fatalf("unexpected arrow type %T", col)
				}
			}
		}
	}
	meta, _ := r.Schema().Metadata().GetValue(ArrowMetaKey)
	return cols, names, meta
}

// readJSON decodes the JSON output with numbers as float64/int64 by column.
func readJSON(t *testing.T, data []byte, tb Table) (map[string][]any, map[string]any) {
	t.Helper()
	var doc struct {
		Columns map[string][]json.RawMessage `json:"columns"`
		Meta    map[string]any               `json:"meta"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("invalid json: %v\n%s", err, data)
	}
	out := map[string][]any{}
	for _, c := range tb.Columns {
		for _, raw := range doc.Columns[c.Name] {
			if string(raw) == "null" {
				out[c.Name] = append(out[c.Name], nil)
				continue
			}
			var v any
			var err error
			switch c.Kind() {
			case KindFloat64:
				var f float64
				err = json.Unmarshal(raw, &f)
				v = f
			case KindInt64:
				var i int64
				err = json.Unmarshal(raw, &i)
				v = i
			case KindString:
				var s string
				err = json.Unmarshal(raw, &s)
				v = s
			}
			if err != nil {
				t.Fatal(err)
			}
			out[c.Name] = append(out[c.Name], v)
		}
	}
	return out, doc.Meta
}

func TestArrowMatchesJSON(t *testing.T) {
	tests := []struct {
		name string
		tb   Table
	}{
		{"sample", sampleTable()},
		{"zero rows", Table{Columns: []Column{{Name: "x", Float64: []float64{}}, {Name: "s", String: []string{}}}}},
		{"unicode and escapes", Table{Columns: []Column{{Name: "name \"q\"", String: []string{"é\n<tab>\t", ""}}}, Meta: map[string]any{"k": []int{1, 2}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var ab, jb bytes.Buffer
			if err := WriteArrow(&ab, tc.tb, mem); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&jb, tc.tb); err != nil {
				t.Fatal(err)
			}
			acols, names, ameta := readArrow(t, ab.Bytes(), mem)
			jcols, jmeta := readJSON(t, jb.Bytes(), tc.tb)
			var want []string
			for _, c := range tc.tb.Columns {
				want = append(want, c.Name)
			}
			if !slices.Equal(names, want) {
				t.Fatalf("arrow columns %v, want %v", names, want)
			}
			for _, c := range tc.tb.Columns {
				if d := cmp.Diff(jcols[c.Name], acols[c.Name]); d != "" {
					t.Fatalf("column %q json vs arrow (-json +arrow):\n%s", c.Name, d)
				}
				if len(acols[c.Name]) != c.Len() {
					t.Fatalf("column %q has %d arrow rows, want %d", c.Name, len(acols[c.Name]), c.Len())
				}
			}
			var am map[string]any
			if err := json.Unmarshal([]byte(ameta), &am); err != nil {
				t.Fatalf("arrow meta %q: %v", ameta, err)
			}
			if tc.tb.Meta != nil {
				if d := cmp.Diff(jmeta, am); d != "" {
					t.Fatalf("meta differs:\n%s", d)
				}
			}
		})
	}
}

func TestArrowValues(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var b bytes.Buffer
	tb := sampleTable()
	if err := WriteArrow(&b, tb, mem); err != nil {
		t.Fatal(err)
	}
	cols, _, _ := readArrow(t, b.Bytes(), mem)
	want := map[string][]any{
		"time":  {"2022-01-01", "2022-01-02", "2022-01-03", "2022-01-04"},
		"mean":  {20.52885965, nil, -1.5e-7, 1e21},
		"count": {int64(1036800), int64(0), int64(-3), int64(math.MaxInt64)},
	}
	if d := cmp.Diff(want, cols); d != "" {
		t.Fatalf("arrow values (-want +got):\n%s", d)
	}
	r, _ := ipc.NewFileReader(bytes.NewReader(b.Bytes()), ipc.WithAllocator(mem))
	defer r.Close()
	if f := r.Schema().Field(1); f.Type.ID() != arrow.FLOAT64 || !f.Nullable {
		t.Fatalf("mean field %v", f)
	}
}

func TestWriteJSONExact(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleTable()); err != nil {
		t.Fatal(err)
	}
	want := `{"columns": {
  "time": ["2022-01-01", "2022-01-02", "2022-01-03", "2022-01-04"],
  "mean": [20.52885965, null, -1.5e-7, 1e+21],
  "count": [1036800, 0, -3, 9223372036854775807]
}, "meta": {"op":"mean","title":"Global mean SST","units":"degC"}}
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestAppendJSONFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, -0.0, 1, -1, 0.1, 1e-6, 9.99e-7, 1e20, 1e21, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, 20.52885965} {
		want, _ := json.Marshal(f)
		if got := appendJSONFloat(nil, f); string(got) != string(want) {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := appendJSONFloat(nil, f); string(got) != "null" {
			t.Errorf("%v: got %s, want null", f, got)
		}
	}
}

func TestTableValidate(t *testing.T) {
	tests := []struct {
		name string
		tb   Table
		want string
	}{
		{"no columns", Table{}, "no columns"},
		{"no name", Table{Columns: []Column{{Float64: []float64{1}}}}, "no name"},
		{"duplicate", Table{Columns: []Column{{Name: "a", Float64: []float64{1}}, {Name: "a", Int64: []int64{1}}}}, "duplicate column"},
		{"two slices", Table{Columns: []Column{{Name: "a", Float64: []float64{1}, Int64: []int64{1}}}}, "exactly one"},
		{"no slice", Table{Columns: []Column{{Name: "a"}}}, "exactly one"},
		{"ragged", Table{Columns: []Column{{Name: "a", Float64: []float64{1, 2}}, {Name: "b", String: []string{"x"}}}}, "has 1 rows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.tb.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if err := WriteArrow(&bytes.Buffer{}, tc.tb, nil); err == nil {
				t.Fatal("WriteArrow accepted an invalid table")
			}
			if err := WriteJSON(&bytes.Buffer{}, tc.tb); err == nil {
				t.Fatal("WriteJSON accepted an invalid table")
			}
		})
	}
	if err := WriteJSON(&bytes.Buffer{}, Table{Columns: []Column{{Name: "a", Int64: []int64{}}}, Meta: map[string]any{"f": func() {}}}); err == nil {
		t.Fatal("unencodable meta accepted")
	}
}

func TestBuildPlot(t *testing.T) {
	tb := sampleTable()
	tests := []struct {
		name                  string
		tb                    Table
		x, y                  string
		title, xlabel, ylabel string
		dates                 bool
		points                int
		wantErr               string
	}{
		{name: "dates", tb: tb, x: "time", y: "mean", title: "Global mean SST", xlabel: "time", ylabel: "mean (°C)", dates: true, points: 3},
		{name: "index", tb: Table{Columns: tb.Columns}, x: "", y: "count", title: "count by index", xlabel: "index", ylabel: "count", points: 4},
		{name: "numeric x", tb: tb, x: "count", y: "mean", title: "Global mean SST", xlabel: "count", ylabel: "mean (°C)", points: 3},
		{name: "labels from meta", tb: Table{Columns: tb.Columns, Meta: map[string]any{"x_label": "day", "y_label": "SST"}}, x: "time", y: "mean",
			title: "mean by time", xlabel: "day", ylabel: "SST", dates: true, points: 3},
		{name: "all missing", tb: Table{Columns: []Column{{Name: "v", Float64: []float64{math.NaN()}}}}, y: "v", title: "v by index", xlabel: "index", ylabel: "v"},
		{name: "string y", tb: tb, x: "mean", y: "time", wantErr: "no numeric column"},
		{name: "missing x", tb: tb, x: "nope", y: "mean", wantErr: `no column "nope"`},
		{name: "bad date", tb: Table{Columns: []Column{{Name: "d", String: []string{"yesterday"}}, {Name: "v", Float64: []float64{1}}}}, x: "d", y: "v", wantErr: "not an ISO date"},
		{name: "invalid table", tb: Table{}, y: "v", wantErr: "no columns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, pts, err := buildPlot(tc.tb, tc.x, tc.y)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if err := WritePlot(&bytes.Buffer{}, tc.tb, tc.x, tc.y); err == nil {
					t.Fatal("WritePlot accepted it")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Title.Text != tc.title || p.X.Label.Text != tc.xlabel || p.Y.Label.Text != tc.ylabel {
				t.Fatalf("title %q x %q y %q", p.Title.Text, p.X.Label.Text, p.Y.Label.Text)
			}
			_, isTime := p.X.Tick.Marker.(monthTicks)
			if isTime != tc.dates {
				t.Fatalf("date axis %v, want %v", isTime, tc.dates)
			}
			if len(pts) != tc.points {
				t.Fatalf("%d points, want %d", len(pts), tc.points)
			}
			if tc.dates && (pts[0].X != 1640995200 || pts[0].Y != 20.52885965 || pts[2].X != 1640995200+3*86400) {
				t.Fatalf("points %+v", pts)
			}
		})
	}
}

// TestWritePlotPNG renders once (rendering is slow under -race).
func TestWritePlotPNG(t *testing.T) {
	var b bytes.Buffer
	if err := WritePlot(&b, sampleTable(), "time", "mean"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() < 400 || r.Dy() < 200 {
		t.Fatalf("image %v too small", r)
	}
}

func TestDirSink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "out")
	s := DirSink{Dir: dir}
	ctx := context.Background()
	if err := s.WriteFile(ctx, "a.json", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile(ctx, "a.json", []byte("two")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "a.json"))
	if err != nil || string(got) != "two" {
		t.Fatalf("got %q, %v", got, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temp files left: %v", ents)
	}
	if err := s.Remove(ctx, "a.json"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "a.json"); err != nil {
		t.Fatalf("removing a missing file: %v", err)
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", `a\b`} {
		t.Run("bad "+bad, func(t *testing.T) {
			if err := s.WriteFile(ctx, bad, nil); err == nil {
				t.Fatalf("name %q accepted", bad)
			}
		})
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.WriteFile(cctx, "b", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write: %v", err)
	}
}

func TestPutSink(t *testing.T) {
	got := map[string]string{}
	put := func(_ context.Context, k string, d []byte) error { got[k] = string(d); return nil }
	del := func(_ context.Context, k string) error { delete(got, k); return nil }
	tests := []struct {
		name string
		sink Sink
		key  string
	}{
		{"prefix", PutSink{Prefix: "runs/2024", Put: put, Delete: del}, "runs/2024/x.json"},
		{"no prefix", PutSink{Put: put}, "x.json"},
		{"func", FuncSink(put), "x.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clear(got)
			if err := tc.sink.WriteFile(context.Background(), "x.json", []byte("v")); err != nil {
				t.Fatal(err)
			}
			if got[tc.key] != "v" {
				t.Fatalf("stored %v, want key %q", got, tc.key)
			}
			if err := tc.sink.WriteFile(context.Background(), "../x", nil); err == nil {
				t.Fatal("bad name accepted")
			}
		})
	}
	ps := PutSink{Prefix: "p", Put: put, Delete: del}
	_ = ps.WriteFile(context.Background(), "y", []byte("1"))
	if err := ps.Remove(context.Background(), "y"); err != nil || len(got) != 1 {
		t.Fatalf("remove: %v, left %v", err, got)
	}
	failing := FuncSink(func(context.Context, string, []byte) error { return errors.New("503 SlowDown") })
	if err := failing.WriteFile(context.Background(), "z", nil); err == nil || !strings.Contains(err.Error(), "put z: 503 SlowDown") {
		t.Fatalf("err = %v", err)
	}
}

// flakySink records writes and fails the failAt-th one.
type flakySink struct {
	DirSink
	mu     sync.Mutex
	order  []string
	failAt int
}

func (f *flakySink) WriteFile(ctx context.Context, name string, data []byte) error {
	f.mu.Lock()
	f.order = append(f.order, name)
	fail := len(f.order) == f.failAt
	f.mu.Unlock()
	if fail {
		return errors.New("injected write failure")
	}
	return f.DirSink.WriteFile(ctx, name, data)
}

// streamSink is a flakySink that streams (StreamSink): the failAt-th file fails at its Create,
// or, with failCommit, at its Commit after the whole rendering.
type streamSink struct {
	flakySink
	failCommit bool
}

func (f *streamSink) Create(ctx context.Context, name string) (FileWriter, error) {
	f.mu.Lock()
	f.order = append(f.order, name)
	fail := len(f.order) == f.failAt
	f.mu.Unlock()
	if fail && !f.failCommit {
		return nil, errors.New("injected write failure")
	}
	fw, err := f.DirSink.Create(ctx, name)
	if err != nil || !fail {
		return fw, err
	}
	return failingCommit{fw}, nil
}

type failingCommit struct{ FileWriter }

func (f failingCommit) Commit() error {
	f.Abort()
	return errors.New("injected write failure")
}

// plainSink hides DirSink's Create: the outputs are rendered in turn into WriteFile.
type plainSink struct{ s *flakySink }

func (p plainSink) WriteFile(ctx context.Context, name string, data []byte) error {
	return p.s.WriteFile(ctx, name, data)
}
func (p plainSink) Remove(ctx context.Context, name string) error { return p.s.Remove(ctx, name) }

func TestWriteOutputs(t *testing.T) {
	m := Manifest{HsfanVersion: "test", Op: "mean", Inputs: Inputs{Domain: "/shared/sst.h5", Dataset: "/analysed_sst"}}
	tests := []struct {
		name       string
		sink       string // stream (DirSink's Create), plain (WriteFile only)
		plot, tsv  bool
		failAt     int
		failCommit bool
		wantFiles  []string
	}{
		{"with plot", "stream", true, false, 0, false, []string{"manifest.json", "sst.arrow", "sst.json", "sst.png", "sst.svg"}},
		{"no plot", "stream", false, false, 0, false, []string{"manifest.json", "sst.arrow", "sst.json"}},
		{"tsv", "stream", false, true, 0, false, []string{"manifest.json", "sst.arrow", "sst.json", "sst.tsv"}},
		{"plain with plot", "plain", true, true, 0, false, []string{"manifest.json", "sst.arrow", "sst.json", "sst.png", "sst.svg", "sst.tsv"}},
		{"plain no plot", "plain", false, false, 0, false, []string{"manifest.json", "sst.arrow", "sst.json"}},
		{"fail on json", "plain", false, false, 2, false, nil},
		{"fail on manifest", "plain", false, false, 3, false, nil},
		{"fail on a create", "stream", false, true, 2, false, nil},
		{"fail on the first create", "stream", false, true, 1, false, nil},
		{"fail on a commit", "stream", false, true, 3, true, nil},
		{"fail on manifest after streams", "stream", false, true, 4, false, nil},
		{"fail on a plot after streams", "stream", true, false, 3, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// a stale manifest of an earlier run must not survive a failure
			if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
			ss := &streamSink{flakySink: flakySink{DirSink: DirSink{Dir: dir}, failAt: tc.failAt}, failCommit: tc.failCommit}
			s := &ss.flakySink
			var sink Sink = ss
			if tc.sink == "plain" {
				sink = plainSink{s}
			}
			err := WriteOutputsWith(context.Background(), sink, "sst", sampleTable(), m, WriteOptions{Plot: tc.plot, TSV: tc.tsv})
			var names []string
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if tc.failAt > 0 {
				if err == nil || !strings.Contains(err.Error(), "injected write failure") {
					t.Fatalf("err = %v", err)
				}
				if len(names) != 0 {
					t.Fatalf("failed write left %v", names)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names, tc.wantFiles) {
				t.Fatalf("files %v, want %v", names, tc.wantFiles)
			}
			if s.order[len(s.order)-1] != ManifestName {
				t.Fatalf("manifest not written last: %v", s.order)
			}
			var got Manifest
			data, _ := os.ReadFile(filepath.Join(dir, ManifestName))
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			if got.ManifestVersion != ManifestVersion || got.Op != "mean" || got.Inputs.Domain != "/shared/sst.h5" || len(got.Outputs) != len(tc.wantFiles)-1 {
				t.Fatalf("manifest %+v", got)
			}
			for _, o := range got.Outputs {
				d, err := os.ReadFile(filepath.Join(dir, o.Name))
				sum := sha256.Sum256(d)
				if err != nil || len(d) != o.Bytes || hex.EncodeToString(sum[:]) != o.SHA256 {
					t.Fatalf("output %s does not match manifest entry %+v", o.Name, o)
				}
			}
		})
	}
}

func TestWriteOutputsRejects(t *testing.T) {
	s := DirSink{Dir: t.TempDir()}
	tests := []struct {
		name, file string
		tb         Table
	}{
		{"bad name", "../up", sampleTable()},
		{"manifest collision", "manifest", sampleTable()},
		{"invalid table", "x", Table{}},
		{"nothing to plot", "x", Table{Columns: []Column{{Name: "s", String: []string{"a"}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := WriteOutputs(context.Background(), s, tc.file, tc.tb, Manifest{}, true); err == nil {
				t.Fatal("accepted")
			}
			if ents, _ := os.ReadDir(s.Dir); len(ents) != 0 {
				t.Fatalf("left files %v", ents)
			}
		})
	}
}

// TestStreamedOutputsEqualBuffered: the formats rendered side by side into a StreamSink are byte
// for byte those rendered in turn into a plain sink, and so are their manifest entries.
func TestStreamedOutputsEqualBuffered(t *testing.T) {
	tb := sampleTable()
	tb.Columns[0].String[1] = "<tab\there \"quoted\" é \xff>"
	dirs := map[string]string{}
	var outs [][]OutputFile
	for _, kind := range []string{"stream", "plain"} {
		dir := t.TempDir()
		dirs[kind] = dir
		var sink Sink = DirSink{Dir: dir}
		if kind == "plain" {
			sink = plainSink{&flakySink{DirSink: DirSink{Dir: dir}}}
		}
		if err := WriteOutputsWith(context.Background(), sink, "x", tb, Manifest{}, WriteOptions{TSV: true}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, ManifestName))
		if err != nil {
			t.Fatal(err)
		}
		var m Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, m.Outputs)
	}
	if diff := cmp.Diff(outs[0], outs[1]); diff != "" {
		t.Fatalf("manifest outputs differ (-stream +plain):\n%s", diff)
	}
	for _, n := range []string{"x.arrow", "x.json", "x.tsv"} {
		a, err1 := os.ReadFile(filepath.Join(dirs["stream"], n))
		b, err2 := os.ReadFile(filepath.Join(dirs["plain"], n))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) || len(a) == 0 {
			t.Fatalf("%s: streamed %d bytes (%v), buffered %d (%v), equal %v", n, len(a), err1, len(b), err2, bytes.Equal(a, b))
		}
	}
}

// TestDirSinkCreate: a streamed file appears only on Commit, whole; Abort leaves nothing.
func TestDirSinkCreate(t *testing.T) {
	dir := t.TempDir()
	s := DirSink{Dir: dir}
	ctx := context.Background()
	fw, err := s.Create(ctx, "a.tsv")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := fw.Write([]byte("row\n")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a.tsv")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("visible before Commit: %v", err)
	}
	if err := fw.Commit(); err != nil {
		t.Fatal(err)
	}
	fw.Abort() // after Commit: nothing
	if got, err := os.ReadFile(filepath.Join(dir, "a.tsv")); err != nil || string(got) != "row\nrow\nrow\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	if err := fw.Commit(); err == nil {
		t.Fatal("second Commit accepted")
	}
	fw, err = s.Create(ctx, "b.tsv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte("x"))
	fw.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("after Abort: %v", ents)
	}
	if _, err := s.Create(ctx, "../x"); err == nil {
		t.Fatal("bad name accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Create(cctx, "c"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled create: %v", err)
	}
}

// TestRemoveExisting: DirSink and PutSink report whether the removed file was there.
func TestRemoveExisting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	objs := map[string]bool{"p/a.json": true}
	del := func(_ context.Context, k string) error { delete(objs, k); return nil }
	exists := func(_ context.Context, k string) (bool, error) { return objs[k], nil }
	for _, tc := range []struct {
		name string
		rm   interface {
			RemoveExisting(context.Context, string) (bool, error)
		}
		file string
		want bool
	}{
		{"dir: present", DirSink{Dir: dir}, "a.json", true},
		{"dir: removed already", DirSink{Dir: dir}, "a.json", false},
		{"dir: missing folder", DirSink{Dir: filepath.Join(dir, "nope")}, "a.json", false},
		{"put: present", PutSink{Prefix: "p", Delete: del, Exists: exists}, "a.json", true},
		{"put: removed already", PutSink{Prefix: "p", Delete: del, Exists: exists}, "a.json", false},
		{"put: no Exists assumes it was there", PutSink{Prefix: "p", Delete: del}, "a.json", true},
		{"put: no Delete removes nothing", PutSink{Prefix: "p"}, "a.json", false},
	} {
		got, err := tc.rm.RemoveExisting(ctx, tc.file)
		if err != nil || got != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := (DirSink{Dir: dir}).RemoveExisting(ctx, "../x"); err == nil {
		t.Error("a path name was accepted")
	}
}
