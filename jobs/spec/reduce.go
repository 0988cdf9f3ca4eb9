package spec

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/ops"
)

// Reduce is the reduce section: every key is the name of an `hsfan run` flag (nil: not given, the
// flag's default applies) and Op is the positional OP. Values are checked by the command's own
// validated flags when Args are parsed (cmd/hsfan flags.go), so the ranges live in one place.
type Reduce struct {
	Op string `yaml:"op"`

	// Input
	Domain  *string `yaml:"domain,omitempty"`
	Dataset *string `yaml:"dataset,omitempty"`
	Select  *string `yaml:"select,omitempty"`
	NoCF    *bool   `yaml:"no-cf,omitempty"`

	// Store
	Store               *string `yaml:"store,omitempty"`
	Bucket              *string `yaml:"bucket,omitempty"`
	StoreFollowSymlinks *bool   `yaml:"store-follow-symlinks,omitempty"`
	S3Region            *string `yaml:"s3-region,omitempty"`
	S3RequesterPays     *bool   `yaml:"s3-requester-pays,omitempty"`
	S3CredentialsURL    *string `yaml:"s3-credentials-url,omitempty"`
	Netrc               *string `yaml:"netrc,omitempty"`

	// Reduction
	Reduce   *string  `yaml:"reduce,omitempty"`
	Weights  *string  `yaml:"weights,omitempty"`
	Units    *string  `yaml:"units,omitempty"`
	MinCount *int     `yaml:"min-count,omitempty"`
	DDOF     *int     `yaml:"ddof,omitempty"`
	Bins     *int     `yaml:"bins,omitempty"`
	HistMin  *float64 `yaml:"hist-min,omitempty"`
	HistMax  *float64 `yaml:"hist-max,omitempty"`

	// Output
	Out    *string `yaml:"out,omitempty"`
	Name   *string `yaml:"name,omitempty"`
	NoPlot *bool   `yaml:"no-plot,omitempty"`

	// Execution
	Invoker           *string `yaml:"invoker,omitempty"`
	Concurrency       *int    `yaml:"concurrency,omitempty"`
	WorkerConcurrency *int    `yaml:"worker-concurrency,omitempty"`
	TargetBytes       *int64  `yaml:"target-bytes,omitempty"`
	TaskTime          *string `yaml:"task-time,omitempty"`
	MaxChunks         *int    `yaml:"max-chunks,omitempty"`
	TaskTimeout       *string `yaml:"task-timeout,omitempty"`
	MaxAttempts       *int    `yaml:"max-attempts,omitempty"`
	Speculate         *bool   `yaml:"speculate,omitempty"`
	DryRun            *bool   `yaml:"dry-run,omitempty"`
	Verbose           *bool   `yaml:"v,omitempty"`
	CPUProfile        *string `yaml:"cpuprofile,omitempty"`

	// Lambda
	Function       *string `yaml:"function,omitempty"`
	Qualifier      *string `yaml:"qualifier,omitempty"`
	LambdaEndpoint *string `yaml:"lambda-endpoint,omitempty"`
	Memory         *int    `yaml:"memory,omitempty"`
	Arch           *string `yaml:"arch,omitempty"`

	// Confinement
	RefAllow          *string `yaml:"ref-allow,omitempty"`
	RefFollowSymlinks *bool   `yaml:"ref-follow-symlinks,omitempty"`
	ResultBucket      *string `yaml:"result-bucket,omitempty"`
	ResultPrefix      *string `yaml:"result-prefix,omitempty"`
}

func (r *Reduce) validate(s *Spec) error {
	if r.Op == "" {
		return s.Errorf("reduce", "op is missing: want one of count, sum, mean, min, max, var, std, histogram")
	}
	if _, err := ops.ParseKind(r.Op); err != nil {
		return s.Errorf("reduce.op", "%v", err)
	}
	if r.Domain == nil || *r.Domain == "" {
		return s.Errorf("reduce", "domain is missing")
	}
	if r.Dataset == nil || *r.Dataset == "" {
		return s.Errorf("reduce", "dataset is missing")
	}
	if s.Window != nil {
		// What an incremental run cannot honour is refused here, at its line.
		if r.Select != nil && *r.Select != "" {
			return s.Errorf("reduce.select", "a spec with a window selects the time steps itself: remove select (or the window)")
		}
		if k, _ := ops.ParseKind(r.Op); k == ops.Histogram && (r.HistMin == nil || r.HistMax == nil) {
			return s.Errorf("reduce.op", "a histogram with a window needs hist-min and hist-max (a range from the data would differ from run to run)")
		}
	}
	return nil
}

// fields maps each flag name (yaml key) to its struct field index.
func reduceFields() map[string]int {
	t := reflect.TypeOf(Reduce{})
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "op" {
			m[name] = i
		}
	}
	return m
}

// FlagNames are the flag names the reduce section knows, sorted.
func FlagNames() []string {
	var names []string
	for n := range reduceFields() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Flag is one flag of the reduce section: its name, its value as the command line spells it, and
// the key path for errors (reduce.NAME).
type Flag struct{ Name, Value, Key string }

// Flags are the given flags in key order (FlagNames).
func (r *Reduce) Flags() []Flag {
	v := reflect.ValueOf(r).Elem()
	fields := reduceFields()
	var out []Flag
	for _, name := range FlagNames() {
		f := v.Field(fields[name])
		if f.IsNil() {
			continue
		}
		out = append(out, Flag{Name: name, Value: formatValue(f.Elem()), Key: "reduce." + name})
	}
	return out
}

// Args are the flags as command-line arguments (--name=value), the OP first.
func (r *Reduce) Args() []string {
	args := []string{r.Op}
	for _, f := range r.Flags() {
		args = append(args, "--"+f.Name+"="+f.Value)
	}
	return args
}

func formatValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	panic(fmt.Sprintf("spec: reduce field of kind %s", v.Kind()))
}

// SetFlag sets the key name from a command-line value (the inverse of Flags): an unknown name or
// a value that does not parse as the key's type is an error.
func (r *Reduce) SetFlag(name, value string) error {
	i, ok := reduceFields()[name]
	if !ok {
		return fmt.Errorf("flag --%s has no key in the reduce section of a job spec", name)
	}
	f := reflect.ValueOf(r).Elem().Field(i)
	p := reflect.New(f.Type().Elem())
	switch p.Elem().Kind() {
	case reflect.String:
		p.Elem().SetString(value)
	case reflect.Bool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("--%s %q: not a boolean", name, value)
		}
		p.Elem().SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return fmt.Errorf("--%s %q: not an integer", name, value)
		}
		p.Elem().SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return fmt.Errorf("--%s %q: not a number", name, value)
		}
		p.Elem().SetFloat(x)
	}
	f.Set(p)
	return nil
}

// Str is the string value of an optional key ("" when absent).
func Str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
