package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/hsfan/hsfan/jobs/mapreduce/mrwork"
)

// Kind is the job kind of a spec.
type Kind string

// The job kinds.
const (
	KindReduce    Kind = "reduce"
	KindMapReduce Kind = "mapreduce"
)

// Spec is one job spec file.
type Spec struct {
	// Name identifies the job: its catalog, its lease and its schedule are keyed by it
	// (letters, digits, '.', '_' and '-', 1 to 64 characters, as EventBridge Scheduler names allow).
	Name string `yaml:"name"`
	// Kind is reduce (section reduce) or mapreduce (section mapreduce).
	Kind Kind `yaml:"kind"`
	// Description is free text.
	Description string `yaml:"description,omitempty"`
	// Schedule is when `hsfan schedule run` (or EventBridge Scheduler) starts the job; nil: on
	// demand only.
	Schedule *Schedule `yaml:"schedule,omitempty"`
	// Window restricts the time axis; nil: the whole selection.
	Window *Window `yaml:"window,omitempty"`
	// Catalog is where incremental runs record what they computed (default: the reduce section's
	// store and bucket, prefix hsfan-catalog/NAME).
	Catalog *Catalog `yaml:"catalog,omitempty"`
	// Reduce is the reduction (kind reduce).
	Reduce *Reduce `yaml:"reduce,omitempty"`
	// MapReduce is the map-reduce job (kind mapreduce).
	MapReduce *MapReduce `yaml:"mapreduce,omitempty"`

	file  string
	lines map[string]int
}

// Schedule is a cron expression and the time zone it is read in.
type Schedule struct {
	// Cron is a standard 5-field cron expression ("0 6 1 * *": 06:00 on the first of every
	// month) or a descriptor (@daily, @monthly, @every 1h), as github.com/robfig/cron/v3 parses it.
	Cron string `yaml:"cron"`
	// TimeZone is an IANA zone name (UTC, Europe/Paris): required, so that "06:00" is never
	// silently the machine's local time.
	TimeZone string `yaml:"time_zone"`
}

// Catalog locates the incremental catalog: objects in Bucket under Prefix of the reduce store.
type Catalog struct {
	Bucket string `yaml:"bucket,omitempty"`
	Prefix string `yaml:"prefix,omitempty"`
}

// MapReduce mirrors the flags of `hsfan mapreduce JOB --input URL... --out ... --param K=V...
// --reducers R --split-size B --invoker --concurrency`; a MapReduceRunner executes it.
type MapReduce struct {
	Job   string  `yaml:"job"`
	Input Strings `yaml:"input"`
	Out   string  `yaml:"out"`
	// Params are the job's parameters (--param NAME=VALUE: bdb-q2's x, bdb-q3's from, to,
	// limit), checked by the job itself (mrwork.Instantiate) when the spec is parsed.
	Params      map[string]ParamValue `yaml:"params,omitempty"`
	Reducers    int                   `yaml:"reducers,omitempty"`
	SplitSize   int64                 `yaml:"split-size,omitempty"`
	Invoker     string                `yaml:"invoker,omitempty"`
	Concurrency int                   `yaml:"concurrency,omitempty"`
}

// ParamValue is a job parameter's value: a YAML string or number (or a date, which YAML would
// read as a timestamp), kept as written (`x: 8`, `to: 1983-01-01`, `limit: "0"`). Booleans,
// nulls, lists and mappings are refused naming the line.
type ParamValue string

// UnmarshalYAML takes a scalar string, number or timestamp as its text.
func (p *ParamValue) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str", "!!int", "!!float", "!!timestamp":
			*p = ParamValue(n.Value)
			return nil
		}
	}
	what := map[yaml.Kind]string{yaml.SequenceNode: "a list", yaml.MappingNode: "a mapping", yaml.AliasNode: "an alias"}[n.Kind]
	if what == "" {
		what = fmt.Sprintf("%s %q", strings.TrimPrefix(n.ShortTag(), "!!"), n.Value)
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a job parameter is a string or a number, not %s", n.Line, what)}}
}

// ParamMap is Params as the job takes them.
func (m *MapReduce) ParamMap() map[string]string {
	out := make(map[string]string, len(m.Params))
	for k, v := range m.Params {
		out[k] = string(v)
	}
	return out
}

// Strings is a list of strings that a spec may also give as one string (`input: s3://b/p/`
// for `input: [s3://b/p/]`), as the command line takes one --input or several.
type Strings []string

// UnmarshalYAML takes a scalar as a list of one.
func (s *Strings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var one string
		if err := n.Decode(&one); err != nil {
			return err
		}
		*s = Strings{one}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*s = list
	return nil
}

// ErrSpec marks a spec that does not parse or validate.
var ErrSpec = errors.New("bad job spec")

// Error is a spec error at a line (0: the file as a whole) and key path (e.g. reduce.concurrency).
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", e.Key)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrSpec) true.
func (e *Error) Unwrap() error { return ErrSpec }

// Load reads and parses the spec file at path (see Parse).
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read job spec: %w", err)
	}
	return Parse(path, data)
}

// maxSpecBytes bounds a spec file: specs are a page of YAML.
const maxSpecBytes = 1 << 20

var nameRE = regexp.MustCompile(`^[0-9A-Za-z._-]{1,64}$`)

// Parse parses one YAML document strictly: unknown keys, wrong types, duplicate keys and bad
// values (kind, name, cron expression, time zone, window) are *Error values naming name (the file),
// the line and the key. Flag values of the reduce section are checked by the command that turns
// them into flags (Reduce.Args), which reports the key's line through Spec.Line.
func Parse(name string, data []byte) (*Spec, error) {
	if len(data) > maxSpecBytes {
		return nil, &Error{File: name, Msg: fmt.Sprintf("%d bytes: a spec is at most %d", len(data), maxSpecBytes)}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &Error{File: name, Msg: "empty document: want a mapping with name, kind and a reduce or mapreduce section"}
	}
	s := &Spec{file: name, lines: map[string]int{}}
	collectLines(root.Content[0], "", s.lines)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil {
		return nil, s.keyed(yamlError(name, err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &Error{File: name, Line: extra.Line, Msg: "more than one YAML document: one spec per file"}
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// yamlError turns the YAML library's errors ("line 7: field foo not found in type spec.Reduce")
// into *Error values with the line.
func yamlError(file string, err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &line)
		msg = msg[len(m[0]):]
	}
	msg = strings.Replace(msg, "field ", "unknown key ", 1)
	msg = strings.Replace(msg, " not found in type spec.", " (not a key of ", 1)
	if strings.HasSuffix(msg, " (not a key of MapReduce") {
		msg += "; a mapreduce section takes " + strings.Join(yamlKeys(MapReduce{}), ", ") +
			" as the flags of hsfan mapreduce -h, and the job's parameters under params: see README 'Scheduled analyses')"
	} else if strings.Contains(msg, " (not a key of ") {
		msg += "; see the keys in README 'Scheduled analyses' or hsfan run --print-spec)"
	}
	return &Error{File: file, Line: line, Msg: msg}
}

var lineRE = regexp.MustCompile(`^line (\d+): `)

// yamlKeys are the YAML keys of a struct's fields, in field order.
func yamlKeys(v any) []string {
	t := reflect.TypeOf(v)
	var keys []string
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

// collectLines records the line of every mapping key by dotted path (reduce.concurrency).
func collectLines(n *yaml.Node, prefix string, lines map[string]int) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if prefix != "" {
			k = prefix + "." + k
		}
		lines[k] = n.Content[i].Line
		collectLines(n.Content[i+1], k, lines)
	}
}

// keyed adds the key at the error's line to a YAML library error that names only the line
// ("cannot unmarshal !!str `many` into int").
func (s *Spec) keyed(err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Line == 0 || e.Key != "" {
		return err
	}
	best := ""
	for k, l := range s.lines {
		if l == e.Line && (best == "" || len(k) > len(best)) {
			best = k
		}
	}
	if best != "" && !strings.Contains(e.Msg, "unknown key") {
		e.Key = best
	}
	return e
}

// Line is the line of the key path in the file (0 if the key is absent).
func (s *Spec) Line(key string) int { return s.lines[key] }

// File is the name the spec was parsed under.
func (s *Spec) File() string { return s.file }

// Errorf is an *Error at key's line.
func (s *Spec) Errorf(key, format string, a ...any) error {
	return &Error{File: s.file, Line: s.lines[key], Key: key, Msg: fmt.Sprintf(format, a...)}
}

func (s *Spec) validate() error {
	if !nameRE.MatchString(s.Name) {
		return s.Errorf("name", "%q: want 1 to 64 letters, digits, '.', '_' or '-'", s.Name)
	}
	switch s.Kind {
	case KindReduce:
		if s.Reduce == nil {
			return s.Errorf("kind", "kind reduce needs a reduce section")
		}
		if s.MapReduce != nil {
			return s.Errorf("mapreduce", "a mapreduce section in a spec of kind reduce")
		}
		if err := s.Reduce.validate(s); err != nil {
			return err
		}
	case KindMapReduce:
		if s.MapReduce == nil {
			return s.Errorf("kind", "kind mapreduce needs a mapreduce section")
		}
		if s.Reduce != nil {
			return s.Errorf("reduce", "a reduce section in a spec of kind mapreduce")
		}
		if err := s.MapReduce.validate(s); err != nil {
			return err
		}
		if s.Window != nil {
			return s.Errorf("window", "windows apply to kind reduce (a time axis of a dataset); map-reduce inputs are files")
		}
	case "":
		return s.Errorf("kind", "missing: want reduce or mapreduce")
	default:
		return s.Errorf("kind", "%q: want reduce or mapreduce", s.Kind)
	}
	if s.Schedule != nil {
		if _, err := s.Schedule.Parse(); err != nil {
			key := "schedule.cron"
			if strings.Contains(err.Error(), "time zone") {
				key = "schedule.time_zone"
			}
			return s.Errorf(key, "%v", err)
		}
	}
	if s.Window != nil {
		s.Window.file, s.Window.line = s.file, s.lines["window.range"]
		if _, err := ParseWindow(s.Window.Range); err != nil {
			return s.Errorf("window.range", "%v", err)
		}
		if s.Window.TimeZone == "" {
			return s.Errorf("window", "time_zone is required (e.g. UTC): relative windows and day boundaries depend on it")
		}
		if _, err := time.LoadLocation(s.Window.TimeZone); err != nil || s.Window.TimeZone == "Local" {
			return s.Errorf("window.time_zone", "%q: want an IANA time zone such as UTC or Europe/Paris", s.Window.TimeZone)
		}
	}
	if s.Catalog != nil && strings.Contains(s.Catalog.Prefix, "..") {
		return s.Errorf("catalog.prefix", "%q: must not contain ..", s.Catalog.Prefix)
	}
	return nil
}

// cronParser accepts the standard 5 fields, descriptors (@monthly, @every 1h) and CRON_TZ=.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse checks the cron expression and the time zone and returns the schedule in that zone.
// A CRON_TZ= or TZ= prefix in Cron must name the same zone as TimeZone (or stand in for it).
func (c *Schedule) Parse() (cron.Schedule, error) {
	expr := strings.TrimSpace(c.Cron)
	if expr == "" {
		return nil, errors.New("cron: missing (e.g. \"0 6 1 * *\" for 06:00 on the first of each month)")
	}
	tz := c.TimeZone
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if strings.HasPrefix(expr, p) {
			zone, rest, _ := strings.Cut(strings.TrimPrefix(expr, p), " ")
			if tz != "" && tz != zone {
				return nil, fmt.Errorf("%s%s and time_zone %s disagree", p, zone, tz)
			}
			tz, expr = zone, strings.TrimSpace(rest)
		}
	}
	if tz == "" {
		return nil, errors.New("time_zone is required (e.g. UTC or Europe/Paris): a schedule in the machine's local zone is not explicit")
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return nil, fmt.Errorf("time zone %q: want an IANA name such as UTC or Europe/Paris", tz)
	}
	sched, err := cronParser.Parse("CRON_TZ=" + loc.String() + " " + expr)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %v", expr, err)
	}
	return sched, nil
}

// Location is the schedule's time zone (after Parse succeeded on it).
func (c *Schedule) Location() (*time.Location, error) {
	tz := c.TimeZone
	if tz == "" {
		for _, p := range []string{"CRON_TZ=", "TZ="} {
			if strings.HasPrefix(c.Cron, p) {
				tz, _, _ = strings.Cut(strings.TrimPrefix(c.Cron, p), " ")
			}
		}
	}
	return time.LoadLocation(tz)
}

func (m *MapReduce) validate(s *Spec) error {
	switch {
	case m.Job == "":
		return s.Errorf("mapreduce.job", "missing: the map-reduce job name")
	case len(m.Input) == 0:
		return s.Errorf("mapreduce.input", "missing: one or more input URLs")
	case m.Out == "":
		return s.Errorf("mapreduce.out", "missing: the output location")
	case m.Reducers < 0:
		return s.Errorf("mapreduce.reducers", "%d: must not be negative", m.Reducers)
	case m.SplitSize < 0:
		return s.Errorf("mapreduce.split-size", "%d: must not be negative", m.SplitSize)
	case m.Concurrency < 0:
		return s.Errorf("mapreduce.concurrency", "%d: must not be negative", m.Concurrency)
	}
	switch m.Invoker {
	case "", "inproc", "lambda", "local":
	default:
		return s.Errorf("mapreduce.invoker", "%q: want inproc, lambda or local", m.Invoker)
	}
	return m.checkParams(s)
}

// checkParams has the job check its parameters (mrwork.Instantiate: unknown names and bad
// values); the error is at the line of the parameter it names ("parameter x ...", "unknown
// parameter \"y\""), else at params (bdb-q3's from <= to). The job must be registered (the
// built-in ones are; others by main before the spec is parsed).
func (m *MapReduce) checkParams(s *Spec) error {
	if _, ok := mrwork.Lookup(m.Job); !ok {
		return s.Errorf("mapreduce.job", "%q: want one of %s", m.Job, strings.Join(mrwork.Names(), ", "))
	}
	_, _, err := mrwork.Instantiate(m.Job, m.ParamMap())
	if err == nil {
		return nil
	}
	key := "mapreduce.params"
	for k := range m.Params {
		if strings.Contains(err.Error(), fmt.Sprintf("parameter %s ", k)) || strings.Contains(err.Error(), fmt.Sprintf("parameter %q", k)) {
			key += "." + k
			break
		}
	}
	return s.Errorf(key, "%v", err)
}

// Marshal renders the spec as YAML (the form --print-spec prints).
func (s *Spec) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encode job spec: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode job spec: %w", err)
	}
	return b.Bytes(), nil
}
